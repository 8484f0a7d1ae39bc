// ThiNet's linear algebra on wasm tensors: the Gram matrix of sampled contributions (one gemm),
// greedy removal on it, and the ridge-regularised Cholesky solve of the least-squares reweighting.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';
import { gemm } from './gemm.js';

/** A system the Cholesky solve cannot factor: singular or not positive definite to f32 precision. */
export class SingularSystemError extends Error {
  override readonly name = 'SingularSystemError';
  constructor(readonly op: string, readonly n: number, readonly pivot: number, readonly ridge: number) {
    super(`${op}: the ${n}×${n} system (+ ridge ${ridge}) is not positive definite: ` +
      `pivot ${pivot} (leading minor of order ${pivot + 1}) vanished; raise the ridge or drop dependent channels`);
  }
}

/** g[C, C] = x̂ᵀ·x̂ for x̂ [m, C]: one f32 gemm. */
export function gram(g: Tensor, xhat: Tensor): Tensor {
  const op = 'gram';
  check.tensors(op, { g, xhat });
  check.rank(op, 'xhat', xhat, 2);
  const C = xhat.shape[1];
  check.shape(op, 'g', g, [C, C]);
  return gemm(g, xhat, xhat, { transA: true });
}

/**
 * Greedy ThiNet removal on a symmetric Gram matrix g [C, C]: fills `order` (i32 [R], R ≤ C) with
 * the channels in the order they join the removal set and returns ‖Σ_{t∈T} x̂_t‖² = 1ᵀ_T g 1_T.
 */
export function greedyRemove(order: Tensor, g: Tensor): number {
  const op = 'greedyRemove';
  const k = check.tensors(op, { g });
  check.tensors(op, { order }, 'i32');
  if (order.kernels !== k) throw new Error(`${op}: 'order' and 'g' live in different wasm instances`);
  check.rank(op, 'g', g, 2);
  const C = g.shape[0];
  check.shape(op, 'g', g, [C, C]);
  check.rank(op, 'order', order, 1);
  const R = order.shape[0];
  if (R > C) throw new RangeError(`${op}: 'order' asks for ${R} channels of the ${C} that 'g' [${g.shape}] has`);
  if (R === 0) return 0;
  const scratch = k.scratch(k.wasm.f32_greedy_remove_scratch_bytes(C));
  return k.wasm.f32_greedy_remove(order.offset, g.offset, C, R, scratch);
}

/**
 * x = (a + ridge·I)⁻¹·b for symmetric a [n, n] (lower triangle read), by Cholesky in f64.
 * Throws SingularSystemError, leaving x as it was, when the system is not positive definite.
 */
export function choleskySolve(x: Tensor, a: Tensor, b: Tensor, ridge = 0): Tensor {
  const op = 'choleskySolve';
  const k = check.tensors(op, { x, a, b });
  check.rank(op, 'a', a, 2);
  const n = a.shape[0];
  check.shape(op, 'a', a, [n, n]);
  check.shape(op, 'b', b, [n]);
  check.shape(op, 'x', x, [n]);
  if (!(check.finite(op, 'ridge', ridge) >= 0)) throw new RangeError(`${op}: 'ridge' must be ≥ 0, got ${ridge}`);
  if (x.offset === a.offset) throw new Error(`${op}: 'x' must not be the same tensor as 'a'`);
  if (n === 0) return x;
  const scratch = k.scratch(k.wasm.f32_cholesky_solve_scratch_bytes(n));
  const status = k.wasm.f32_cholesky_solve(x.offset, a.offset, b.offset, ridge, n, scratch);
  if (status !== 0) throw new SingularSystemError(op, n, status - 1, ridge);
  return x;
}
