// Knowledge distillation (Hinton et al. 2015) while training: the loss blends the cross-entropy
// with the labels and the softened teacher's cross-entropy,
//   L = (1 − α) · CE(softmax(z), y) + α · T² · KL(softmax(t/T) ‖ softmax(z/T)),
// where t are the teacher's logits for the same sample, recorded once before training (for
// pruning, the dense model's). The T² keeps the soft term's gradient, T · (softmax(z/T) −
// softmax(t/T)), on the scale of the hard term's as T changes. The logits are [batch, classes],
// a few hundred values, so this runs in TS on views of the wasm tensors.

import type { Dataset } from './data/dataset.js';
import type { Model } from './model.js';

export interface Distillation {
  /** The teacher's logits, [data.size, classes] in dataset order. */
  teacher: Float32Array;
  /** Weight of the soft term, in [0, 1]. */
  alpha: number;
  /** Softmax temperature of the soft term, > 0. */
  temperature: number;
}

/** Checks the weight and temperature of a distillation setting; `who` names the caller in errors. */
export function checkDistillWeights(d: { alpha: number; temperature: number }, who: string): void {
  if (!(d.alpha >= 0 && d.alpha <= 1)) throw new RangeError(`${who}: distillation 'alpha' must be in [0, 1], got ${d.alpha}`);
  if (!(d.temperature > 0 && Number.isFinite(d.temperature))) throw new RangeError(`${who}: distillation 'temperature' must be a finite number > 0, got ${d.temperature}`);
}

/** Checks a distillation setting against the training data and the model's classes, before any work. */
export function checkDistillation(d: Distillation, data: Dataset, classes: number, who: string): void {
  checkDistillWeights(d, who);
  if (d.teacher.length !== data.size * classes) {
    throw new RangeError(`${who}: the teacher's logits hold ${d.teacher.length} values, dataset '${data.name}' needs ${data.size} samples × ${classes} classes = ${data.size * classes}`);
  }
  const bad = d.teacher.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${who}: the teacher's logit ${bad % classes} of sample ${Math.floor(bad / classes)} is ${d.teacher[bad]}`);
}

/**
 * The model's logits over the whole dataset in order, in inference mode: a teacher for
 * `Distillation`. `onProgress` hears the samples done after every batch (for a progress bar).
 */
export function teacherLogits(model: Model, data: Dataset, batchSize = 256, onProgress?: (done: number) => void): Float32Array {
  const order = data.order();
  let out: Float32Array | undefined;
  for (let start = 0; start < data.size; start += batchSize) {
    const indices = order.subarray(start, Math.min(data.size, start + batchSize));
    data.fillBatch(model.input(indices.length).f32(), null, indices);
    const logits = model.forward(indices.length, { training: false }).f32();
    out ??= new Float32Array(data.size * (logits.length / indices.length));
    out.set(logits, start * (logits.length / indices.length));
    onProgress?.(start + indices.length);
  }
  return out ?? new Float32Array(0);
}

/**
 * Turns the hard loss's gradient `grad` = (softmax(z) − onehot) / B, for the logits `logits`
 * [B, K] of the samples `indices`, into the blended loss's gradient, in place; returns the soft
 * term's summed loss T² · Σ KL over the B samples. `ce` is the hard term's summed loss; the
 * blended summed loss is (1 − α) · ce + α · (returned value).
 */
export function blendDistillation(d: Distillation, logits: Float32Array, grad: Float32Array, indices: ArrayLike<number>): number {
  const B = indices.length;
  const K = logits.length / B;
  const T = d.temperature, a = d.alpha;
  const p = new Float64Array(K);
  const q = new Float64Array(K);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const row = b * K;
    const lse = softmax(d.teacher, indices[b] * K, K, T, p);
    const lsz = softmax(logits, row, K, T, q);
    for (let j = 0; j < K; j++) {
      // log p_j − log q_j from the log-sum-exps: no log of an underflowed probability.
      if (p[j] > 0) loss += p[j] * ((d.teacher[indices[b] * K + j] / T - lse) - (logits[row + j] / T - lsz));
      grad[row + j] = (1 - a) * grad[row + j] + (a * T * (q[j] - p[j])) / B;
    }
  }
  return T * T * loss;
}

/** softmax(x[at .. at+K) / T) into `out`; returns the log-sum-exp of x/T. */
function softmax(x: Float32Array, at: number, K: number, T: number, out: Float64Array): number {
  let max = -Infinity;
  for (let j = 0; j < K; j++) max = Math.max(max, x[at + j] / T);
  let sum = 0;
  for (let j = 0; j < K; j++) sum += out[j] = Math.exp(x[at + j] / T - max);
  for (let j = 0; j < K; j++) out[j] /= sum;
  return max + Math.log(sum);
}
