// Reductions on wasm tensors: sums, per-row norms (rows = axis 0, so a conv weight [OC,IC,KH,KW]
// gives one norm per output channel) and per-channel statistics of activations [B,C] / [B,C,H,W].

import * as check from '../check.js';
import type { Kernels } from '../kernels.js';
import type { Tensor } from '../tensor.js';

/** Σ x over every element (f32 result; blocks of 1024 are added in f64). */
export function sum(x: Tensor): number {
  const k = check.tensors('sum', { x });
  return k.wasm.f32_sum(x.offset, x.size);
}

/** Σ x² over every element. */
export function sumSquares(x: Tensor): number {
  const k = check.tensors('sumSquares', { x });
  return k.wasm.f32_sumsq(x.offset, x.size);
}

/** out[r] = Σ |x[r, …]| over everything after axis 0; out is [R]. */
export function rowL1(out: Tensor, x: Tensor): Tensor {
  const [k, R, C] = rows('rowL1', out, x);
  k.wasm.f32_row_l1(out.offset, x.offset, R, C);
  return out;
}

/** out[r] = sqrt(Σ x[r, …]²) over everything after axis 0; out is [R]. */
export function rowL2(out: Tensor, x: Tensor): Tensor {
  const [k, R, C] = rows('rowL2', out, x);
  k.wasm.f32_row_l2(out.offset, x.offset, R, C);
  return out;
}

/** Per channel (axis 1) of x [B,C], [B,C,L] or [B,C,H,W]: mean and biased variance, both [C]. */
export function channelMeanVar(mean: Tensor, variance: Tensor, x: Tensor): { mean: Tensor; variance: Tensor } {
  const op = 'channelMeanVar';
  const k = check.tensors(op, { mean, variance, x });
  const [B, C, S] = channels(op, x);
  if (B * S === 0) throw new RangeError(`${op}: 'x' of shape [${x.shape}] has no entries per channel`);
  check.shape(op, 'mean', mean, [C]);
  check.shape(op, 'variance', variance, [C]);
  if (mean.offset === variance.offset) throw new Error(`${op}: 'mean' and 'variance' must be different tensors`);
  k.wasm.f32_channel_mean_var(mean.offset, variance.offset, x.offset, B, C, S);
  return { mean, variance };
}

/** count[c] = how many entries of channel c (axis 1) of x are exactly 0; count is i32 [C]. */
export function channelCountZeros(count: Tensor, x: Tensor): Tensor {
  const op = 'channelCountZeros';
  check.tensors(op, { count }, 'i32');
  const k = check.tensors(op, { x });
  if (count.kernels !== k) throw new Error(`${op}: 'count' and 'x' live in different wasm instances`);
  const [B, C, S] = channels(op, x);
  check.shape(op, 'count', count, [C]);
  k.wasm.f32_channel_count_zeros(count.offset, x.offset, B, C, S);
  return count;
}

function rows(op: string, out: Tensor, x: Tensor): [Kernels, number, number] {
  const k = check.tensors(op, { out, x });
  if (x.shape.length < 2) throw new RangeError(`${op}: 'x' must have rank ≥ 2 (rows × …), got shape [${x.shape}]`);
  const R = x.shape[0];
  check.shape(op, 'out', out, [R]);
  if (out.offset === x.offset) throw new Error(`${op}: 'out' must not be the same tensor as 'x'`);
  return [k, R, R === 0 ? 0 : x.size / R];
}

// [B, C, S] of an activation tensor, S = the product of the spatial axes.
function channels(op: string, x: Tensor): [number, number, number] {
  if (x.shape.length < 2 || x.shape.length > 4) {
    throw new RangeError(`${op}: 'x' must be [B,C], [B,C,L] or [B,C,H,W], got shape [${x.shape}]`);
  }
  const [B, C, ...spatial] = x.shape;
  return [B, C, spatial.reduce((a, d) => a * d, 1)];
}
