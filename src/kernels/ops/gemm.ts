// gemm: C = alpha·op(A)·op(B) + beta·C (+ bias, then ReLU) on wasm tensors, validated here, computed in wasm.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';
import { EPILOGUE } from '../epilogue.js';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  /** 0 (the default) overwrites C, ignoring its old contents; 1 accumulates. */
  beta?: number;
  /** Added to every value as it is stored: one per row of C ([M]) or, with biasPer 'column', per column ([N]). */
  bias?: Tensor;
  biasPer?: 'row' | 'column';
  /** max(·, 0) last, as each value is stored. */
  relu?: boolean;
}

export function gemm(c: Tensor, a: Tensor, b: Tensor, options: GemmOptions = {}): Tensor {
  const op = 'gemm';
  const k = check.tensors(op, { c, a, b });
  for (const [name, t] of [['a', a], ['b', b], ['c', c]] as const) check.rank(op, name, t, 2);
  const { transA = false, transB = false } = options;
  const alpha = check.finite(op, 'alpha', options.alpha ?? 1);
  const beta = check.finite(op, 'beta', options.beta ?? 0);
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [KB, N] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== KB) {
    throw new RangeError(
      `${op}: inner dimensions differ: op(a) is [${M},${K}] (a [${a.shape}]${transA ? ' transposed' : ''}), ` +
        `op(b) is [${KB},${N}] (b [${b.shape}]${transB ? ' transposed' : ''})`,
    );
  }
  check.shape(op, 'c', c, [M, N]);
  const { bias, biasPer = 'row', relu = false } = options;
  if (biasPer !== 'row' && biasPer !== 'column') throw new TypeError(`${op}: 'biasPer' must be 'row' or 'column', got ${JSON.stringify(biasPer)}`);
  if (bias !== undefined) {
    check.tensors(op, { c, bias });
    check.shape(op, 'bias', bias, [biasPer === 'row' ? M : N]);
  }
  const epilogue = (bias ? (biasPer === 'row' ? EPILOGUE.biasRows : EPILOGUE.biasCols) : 0) | (relu ? EPILOGUE.relu : 0);
  if (c.offset === a.offset || c.offset === b.offset) {
    throw new Error(`${op}: 'c' must not be the same tensor as 'a' or 'b'`);
  }
  if (M === 0 || N === 0) return c;
  const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
  k.wasm.f32_gemm_epilogue(c.offset, a.offset, b.offset, bias?.offset ?? 0, alpha, beta, M, N, K, +transA, +transB, epilogue, scratch);
  return c;
}
