// Softmax cross-entropy on wasm tensors: logits [B, K], integer class labels [B] (i32).
// Labels are checked in [0, K) before any kernel runs.

import * as check from '../check.js';
import type { Kernels } from '../kernels.js';
import type { Tensor } from '../tensor.js';

/**
 * probs = softmax(logits) per row; returns the mean over the batch of −log probs[b, labels[b]].
 * `probs` may be `logits` (in place).
 */
export function softmaxCrossEntropy(probs: Tensor, logits: Tensor, labels: Tensor): number {
  const op = 'softmaxCrossEntropy';
  const [k, B, K] = validate(op, { probs, logits }, 'logits', labels);
  return k.wasm.f32_softmax_xent_fwd(probs.offset, logits.offset, labels.offset, B, K);
}

/** dlogits = (probs − onehot(labels)) / B, the gradient of the mean loss; `dlogits` may be `probs`. */
export function softmaxCrossEntropyBackward(dlogits: Tensor, probs: Tensor, labels: Tensor): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  const [k, B, K] = validate(op, { dlogits, probs }, 'probs', labels);
  k.wasm.f32_softmax_xent_bwd(dlogits.offset, probs.offset, labels.offset, B, K);
  return dlogits;
}

// Two [B, K] f32 tensors (`main` names the input that fixes the shape) and labels i32 [B] in [0, K).
function validate(op: string, pair: Record<string, Tensor>, main: string, labels: Tensor): [Kernels, number, number] {
  const k = check.tensors(op, pair);
  check.tensors(op, { labels }, 'i32');
  if (labels.kernels !== k) throw new Error(`${op}: 'labels' and '${main}' live in different wasm instances`);
  const x = pair[main];
  check.rank(op, main, x, 2);
  const [B, K] = x.shape;
  for (const [name, t] of Object.entries(pair)) check.shape(op, name, t, [B, K]);
  check.shape(op, 'labels', labels, [B]);
  if (B === 0) throw new RangeError(`${op}: '${main}' has shape [${x.shape}]: the batch is empty`);
  const view = labels.i32();
  for (let b = 0; b < B; b++) {
    const v = view[b];
    if (v < 0 || v >= K) throw new RangeError(`${op}: 'labels'[${b}] = ${v} is outside [0, ${K})`);
  }
  return [k, B, K];
}
