// Statistics ops for data-driven criteria (assembly/stats.ts): per-channel Σ a·g (Taylor), maxout
// win counts, column means and centring, column sums of squares and the parallel-moments merges
// that streaming correlation is built from (its cross-moment is `gemm` of centred data).

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';

/** out[c] = Σ a·g over every batch entry and position of channel c (axis 1) of a, g [B,C], [B,C,L] or [B,C,H,W]. */
export function channelDot(out: Tensor, a: Tensor, g: Tensor): Tensor {
  const op = 'channelDot';
  const k = check.tensors(op, { out, a, g });
  if (a.shape.length < 2 || a.shape.length > 4) throw new RangeError(`${op}: 'a' must be [B,C], [B,C,L] or [B,C,H,W], got shape [${a.shape}]`);
  check.shape(op, 'g', g, a.shape);
  const [B, C, ...spatial] = a.shape;
  check.shape(op, 'out', out, [C]);
  if (out.offset === a.offset || out.offset === g.offset) throw new Error(`${op}: 'out' must not be 'a' or 'g'`);
  k.wasm.f32_channel_dot(out.offset, a.offset, g.offset, B, C, spatial.reduce((x, d) => x * d, 1));
  return out;
}

/** count[c·K + j] = how often neuron j of maxout unit c won; argmax is a Maxout layer's i32 [B, C, …] buffer. */
export function maxoutWins(count: Tensor, argmax: Tensor, K: number): Tensor {
  const op = 'maxoutWins';
  const k = check.tensors(op, { count, argmax }, 'i32');
  check.int(op, 'K', K, 1);
  if (argmax.shape.length < 2 || argmax.shape.length > 4) throw new RangeError(`${op}: 'argmax' must be [B,C], [B,C,L] or [B,C,H,W], got shape [${argmax.shape}]`);
  const [B, C, ...spatial] = argmax.shape;
  check.shape(op, 'count', count, [C * K]);
  k.wasm.i32_maxout_wins(count.offset, argmax.offset, B, C, K, spatial.reduce((x, d) => x * d, 1));
  return count;
}

/** mean = the column means of x [N, P]; x is centred on them in place. */
export function columnMeanCenter(mean: Tensor, x: Tensor): Tensor {
  const op = 'columnMeanCenter';
  const k = check.tensors(op, { mean, x });
  check.rank(op, 'x', x, 2);
  check.shape(op, 'mean', mean, [x.shape[1]]);
  if (mean.offset === x.offset) throw new Error(`${op}: 'mean' must not be 'x'`);
  k.wasm.f32_column_mean_center(mean.offset, x.offset, x.shape[0], x.shape[1]);
  return mean;
}

/** out[p] = Σ_n x[n, p]² for x [N, P]. */
export function columnSumSquares(out: Tensor, x: Tensor): Tensor {
  const op = 'columnSumSquares';
  const k = check.tensors(op, { out, x });
  check.rank(op, 'x', x, 2);
  check.shape(op, 'out', out, [x.shape[1]]);
  if (out.offset === x.offset) throw new Error(`${op}: 'out' must not be 'x'`);
  k.wasm.f32_column_sumsq(out.offset, x.offset, x.shape[0], x.shape[1]);
  return out;
}

function counts(op: string, nA: number, nB: number): void {
  for (const [name, v] of [['nA', nA], ['nB', nB]] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${op}: '${name}' must be a count ≥ 0, got ${v}`);
  }
}

/** Merges nB samples' (meanB, m2B) into nA samples' (mean, m2), in place: the parallel-moments formula. */
export function momentsMerge(mean: Tensor, m2: Tensor, meanB: Tensor, m2B: Tensor, nA: number, nB: number): void {
  const op = 'momentsMerge';
  const k = check.tensors(op, { mean, m2, meanB, m2B });
  counts(op, nA, nB);
  check.rank(op, 'mean', mean, 1);
  for (const [name, t] of [['m2', m2], ['meanB', meanB], ['m2B', m2B]] as const) check.shape(op, name, t, mean.shape);
  k.wasm.f32_moments_merge(mean.offset, m2.offset, meanB.offset, m2B.offset, nA, nB, mean.size);
}

/**
 * The rank-one term of merging cross-moments: c [P, Q] += δx·δyᵀ·nA·nB/n with δ = batch mean −
 * running mean. c must already hold both parts' centred cross-products; call before momentsMerge.
 */
export function comomentMerge(c: Tensor, meanX: Tensor, meanY: Tensor, meanXB: Tensor, meanYB: Tensor, nA: number, nB: number): Tensor {
  const op = 'comomentMerge';
  const k = check.tensors(op, { c, meanX, meanY, meanXB, meanYB });
  counts(op, nA, nB);
  check.rank(op, 'c', c, 2);
  const [P, Q] = c.shape;
  check.shape(op, 'meanX', meanX, [P]);
  check.shape(op, 'meanXB', meanXB, [P]);
  check.shape(op, 'meanY', meanY, [Q]);
  check.shape(op, 'meanYB', meanYB, [Q]);
  k.wasm.f32_comoment_merge(c.offset, meanX.offset, meanY.offset, meanXB.offset, meanYB.offset, nA, nB, P, Q, k.scratch(Q * 4));
  return c;
}
