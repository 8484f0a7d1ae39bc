// Centroid fine-tuning (Han et al. 2016, §3.3): after weight sharing, retrain the shared values
// themselves. The gradient of a shared value is the sum of its members' gradients
// (f32_cluster_grad_sum); the layer's weights are then rewritten from the codebook
// (f32_cluster_apply), so pruned weights stay exactly zero and shared weights stay shared.
// Parameters that are not shared (biases) train by the same SGD step on their own gradients.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import type { Tensor } from '../kernels/tensor.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { checkTraining, computeGradients, evaluate, runEpochs, type EpochReport } from '../nn/train.js';
import { clusterApply, clusterGradSum } from '../kernels/ops/cluster.js';
import type { SharedTensor } from './share.js';

export interface FinetuneOptions {
  epochs: number;
  /** Learning rate of the shared values and the biases (default 1e-4: a shared value's gradient sums many weights'). */
  lr?: number;
  momentum?: number;
  batchSize?: number;
  seed?: number;
  test?: Dataset;
  onEpoch?: (r: EpochReport) => void;
}

/** Trains the codebooks of `shared` (updated in place) and the model's other parameters on `data`. */
export async function finetuneCentroids(model: Model, shared: SharedTensor[], data: Dataset, options: FinetuneOptions): Promise<EpochReport[]> {
  const lr = options.lr ?? 1e-4;
  const momentum = options.momentum ?? 0.9;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`finetuneCentroids: 'lr' must be > 0, got ${lr}`);
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`finetuneCentroids: 'momentum' must be in [0, 1), got ${momentum}`);
  checkTraining(model, data, { epochs: options.epochs, batchSize: options.batchSize }, 'finetuneCentroids');
  const k = model.k;
  const sharedKeys = new Set(shared.map((s) => `${s.node}.${s.name}`));
  const others = model.params.entries.filter((e) => e.trainable && !sharedKeys.has(`${e.node}.${e.name}`));
  const owned: Tensor[] = [];
  const keep = <T extends Tensor>(t: T) => (owned.push(t), t);
  const layers = shared.map((s) => {
    const e = model.params.entry(s.node, s.name);
    if (s.assign.length !== e.size) throw new RangeError(`finetuneCentroids: shared ${s.node}.${s.name} has ${s.assign.length} elements, the model's has ${e.size}`);
    return { s, e, assign: keep(k.from(s.assign, [e.size], 'i32')), codebook: keep(k.from(s.codebook)), grad: keep(k.tensor([s.codebook.length])), velocity: new Float32Array(s.codebook.length) };
  });
  const velocity = new Map(others.map((e) => [e, new Float32Array(e.size)]));
  const loss = new SoftmaxCrossEntropy(k);
  const labels = new Int32Array(options.batchSize ?? 64);
  const step = (v: Float32Array, w: Float32Array, g: Float32Array, rate: number) => {
    for (let i = 0; i < v.length; i++) {
      v[i] = momentum * v[i] + g[i];
      w[i] -= rate * v[i];
    }
  };
  try {
    for (const l of layers) clusterApply(model.params.values.view(l.e.start, l.e.shape), l.codebook, l.assign);
    return await runEpochs(model, data, { ...options, schedule: { kind: 'constant' } }, ({ order, batchSize, batches }) => {
      let sum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        const indices = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
        const r = computeGradients(model, loss, data, indices, labels);
        sum += r.loss;
        correct += r.correct;
        for (const l of layers) {
          clusterGradSum(l.grad, model.params.grads.view(l.e.start, l.e.shape), l.assign);
          step(l.velocity, l.codebook.f32(), l.grad.f32(), lr);
          clusterApply(model.params.values.view(l.e.start, l.e.shape), l.codebook, l.assign);
        }
        const values = model.params.values.f32();
        const grads = model.params.grads.f32();
        for (const e of others) step(velocity.get(e)!, values.subarray(e.start, e.start + e.size), grads.subarray(e.start, e.start + e.size), lr);
      }
      return { loss: sum, correct };
    }, (test, batchSize) => evaluate(model, test, { batchSize }));
  } finally {
    for (const l of layers) l.s.codebook.set(l.codebook.f32());
    for (const t of owned) t.dispose();
    loss.dispose();
  }
}
