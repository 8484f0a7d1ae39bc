// Batch normalisation on wasm tensors: x is [B, C] (1-d) or [B, C, H, W] (2-d); statistics are
// per channel over B·H·W. Validated here, computed in wasm. Arguments in the kernels' order:
// outputs, in-outs, inputs, then options.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';
import { distinct } from './distinct.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root; default 1e-5. */
  eps?: number;
}

export interface BatchNormTrainOptions extends BatchNormOptions {
  /** Weight of the batch statistics in the running ones (PyTorch's convention); default 0.1. */
  momentum?: number;
}

/** B, C, S of x, after checking its rank (2 or 4). */
function layout(op: string, name: string, x: Tensor): { B: number; C: number; S: number } {
  if (x.shape.length !== 2 && x.shape.length !== 4) {
    throw new RangeError(`${op}: '${name}' must have rank 2 [B, C] or 4 [B, C, H, W], got shape [${x.shape}]`);
  }
  const [B, C, H = 1, W = 1] = x.shape;
  return { B, C, S: H * W };
}

function perChannel(op: string, C: number, vectors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(vectors)) check.shape(op, name, t, [C]);
}

function eps(op: string, v: number | undefined): number {
  const e = check.finite(op, 'eps', v ?? 1e-5);
  if (e < 0) throw new RangeError(`${op}: 'eps' must be ≥ 0, got ${e}`);
  return e;
}

/**
 * Training forward: y = gamma·(x − mean)·invstd + beta with the batch mean and biased variance;
 * writes mean and invstd = 1/sqrt(var + eps) (for the backward) and updates runMean and runVar
 * (unbiased variance; a batch of one value per channel uses 0). y may be x (in place).
 */
export function batchNormTrain(
  y: Tensor, mean: Tensor, invstd: Tensor, runMean: Tensor, runVar: Tensor,
  x: Tensor, gamma: Tensor, beta: Tensor, options: BatchNormTrainOptions = {},
): Tensor {
  const op = 'batchNormTrain';
  const k = check.tensors(op, { y, mean, invstd, runMean, runVar, x, gamma, beta });
  const { B, C, S } = layout(op, 'x', x);
  check.shape(op, 'y', y, x.shape);
  perChannel(op, C, { mean, invstd, runMean, runVar, gamma, beta });
  const e = eps(op, options.eps);
  const momentum = check.finite(op, 'momentum', options.momentum ?? 0.1);
  if (momentum < 0 || momentum > 1) throw new RangeError(`${op}: 'momentum' must be in [0, 1], got ${momentum}`);
  distinct(op, { y, mean, invstd, runMean, runVar }, { x, gamma, beta }, ['y=x']);
  if (C === 0) return y;
  if (B * S === 0) throw new RangeError(`${op}: 'x' has shape [${x.shape}]: no values to take statistics over`);
  k.wasm.f32_batchnorm_fwd_train(y.offset, mean.offset, invstd.offset, runMean.offset, runVar.offset,
    x.offset, gamma.offset, beta.offset, e, momentum, B, C, S);
  return y;
}

/** Inference forward: y = gamma·(x − runMean)/sqrt(runVar + eps) + beta. y may be x (in place). */
export function batchNormInfer(
  y: Tensor, x: Tensor, gamma: Tensor, beta: Tensor, runMean: Tensor, runVar: Tensor,
  options: BatchNormOptions = {},
): Tensor {
  const op = 'batchNormInfer';
  const k = check.tensors(op, { y, x, gamma, beta, runMean, runVar });
  const { B, C, S } = layout(op, 'x', x);
  check.shape(op, 'y', y, x.shape);
  perChannel(op, C, { gamma, beta, runMean, runVar });
  const e = eps(op, options.eps);
  distinct(op, { y }, { x, gamma, beta, runMean, runVar }, ['y=x']);
  if (y.size === 0) return y;
  k.wasm.f32_batchnorm_fwd_infer(y.offset, x.offset, gamma.offset, beta.offset, runMean.offset, runVar.offset,
    e, B, C, S);
  return y;
}

/**
 * Backward of batchNormTrain, given the mean and invstd it wrote: dx, and dgamma, dbeta
 * (overwritten, not accumulated). dx may be dy or x (in place).
 */
export function batchNormBackward(
  dx: Tensor, dgamma: Tensor, dbeta: Tensor, dy: Tensor, x: Tensor,
  gamma: Tensor, mean: Tensor, invstd: Tensor,
): Tensor {
  const op = 'batchNormBackward';
  const k = check.tensors(op, { dx, dgamma, dbeta, dy, x, gamma, mean, invstd });
  const { B, C, S } = layout(op, 'x', x);
  check.shape(op, 'dy', dy, x.shape);
  check.shape(op, 'dx', dx, x.shape);
  perChannel(op, C, { dgamma, dbeta, gamma, mean, invstd });
  distinct(op, { dx, dgamma, dbeta }, { dy, x, gamma, mean, invstd }, ['dx=dy', 'dx=x']);
  if (C === 0) return dx;
  k.wasm.f32_batchnorm_bwd(dx.offset, dgamma.offset, dbeta.offset, dy.offset, x.offset,
    gamma.offset, mean.offset, invstd.offset, B, C, S);
  return dx;
}
