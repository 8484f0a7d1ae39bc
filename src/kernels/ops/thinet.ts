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

/** Where a ThiNet reader reads: its input [C, H, W] per sample, output [OC, OH, OW], conv geometry, and how its input entries make units. */
export interface GatherGeometry {
  C: number; H: number; W: number;
  OC: number; OH: number; OW: number;
  /** [KH, KW, SH, SW, PH, PW, DH, DW]; all 1s and 0s for a Dense reader. */
  geometry: readonly number[];
  units: number;
  perUnit: number;
}

/**
 * ThiNet's sampling gather: for row r = (sample s of x, output channel o, location oh·OW + ow)
 * of `rows` (i32 [n, 3]), xhat[r, u] = the part of the reader's output there that unit u's input
 * entries (`entries`, i32 [units·perUnit]) make, bias excluded, and y[r] = all of it.
 * x [S, C, H, W] (any shape of that size), weight [OC, C, KH, KW] (or [OC, C]).
 */
export function thinetGather(xhat: Tensor, y: Tensor, x: Tensor, weight: Tensor, rows: Tensor, entries: Tensor, g: GatherGeometry): Tensor {
  const op = 'thinetGather';
  const k = check.tensors(op, { xhat, y, x, weight });
  check.tensors(op, { rows, entries }, 'i32');
  if (rows.kernels !== k || entries.kernels !== k) throw new Error(`${op}: 'rows', 'entries' and 'xhat' live in different wasm instances`);
  const { C, H, W, OC, OH, OW, units, perUnit } = g;
  const [KH, KW, SH, SW, PH, PW, DH, DW] = g.geometry;
  for (const [name, v, lo] of [['C', C, 1], ['H', H, 1], ['W', W, 1], ['OC', OC, 1], ['OH', OH, 1], ['OW', OW, 1], ['units', units, 1], ['perUnit', perUnit, 1],
    ['KH', KH, 1], ['KW', KW, 1], ['SH', SH, 1], ['SW', SW, 1], ['PH', PH, 0], ['PW', PW, 0], ['DH', DH, 1], ['DW', DW, 1]] as const) check.int(op, name, v, lo);
  check.rank(op, 'rows', rows, 2);
  const n = rows.shape[0];
  check.shape(op, 'rows', rows, [n, 3]);
  check.shape(op, 'xhat', xhat, [n, units]);
  check.shape(op, 'y', y, [n]);
  check.sameSize(op, 'weight', weight, OC * C * KH * KW, `OC·C·KH·KW (${OC}·${C}·${KH}·${KW})`);
  check.sameSize(op, 'entries', entries, units * perUnit, `units·perUnit (${units}·${perUnit})`);
  const per = C * H * W;
  if (x.size % per !== 0) throw new RangeError(`${op}: 'x' has ${x.size} elements, not a whole number of samples of [${C}, ${H}, ${W}]`);
  const S = x.size / per;
  const r = rows.i32();
  for (let i = 0; i < n; i++) {
    if (!(r[3 * i] >= 0 && r[3 * i] < S && r[3 * i + 1] >= 0 && r[3 * i + 1] < OC && r[3 * i + 2] >= 0 && r[3 * i + 2] < OH * OW)) {
      throw new RangeError(`${op}: row ${i} (${r[3 * i]}, ${r[3 * i + 1]}, ${r[3 * i + 2]}) is outside ${S} samples, ${OC} channels, ${OH * OW} locations`);
    }
  }
  if (entries.i32().some((e) => !(e >= 0 && e < C))) throw new RangeError(`${op}: 'entries' names an input entry outside 0 … ${C - 1}`);
  if (n === 0) return xhat;
  const geometry = k.from([C, H, W, OW, KH, KW, SH, SW, PH, PW, DH, DW, units, perUnit], [14], 'i32');
  try {
    const scratch = k.scratch(k.wasm.f32_thinet_gather_scratch_bytes(C));
    k.wasm.f32_thinet_gather(xhat.offset, y.offset, x.offset, weight.offset, rows.offset, entries.offset, geometry.offset, n, scratch);
  } finally {
    geometry.dispose();
  }
  return xhat;
}
