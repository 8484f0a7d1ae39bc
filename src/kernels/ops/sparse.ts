// Sparse matrices in CSR form on the wasm heap, and their products with dense tensors.
// A Csr is built from a dense matrix by csrFromDense (which guarantees its structure) and freed by
// disposeCsr; the products check shapes and liveness, not the index arrays' contents.

import * as check from '../check.js';
import type { Kernels } from '../kernels.js';
import { Tensor } from '../tensor.js';

/** A rows × cols matrix in compressed sparse row form: row r is values/colidx[rowptr[r] .. rowptr[r+1]). */
export interface Csr {
  /** f32 [nnz] */
  readonly values: Tensor;
  /** i32 [nnz], column of each value, increasing within a row */
  readonly colidx: Tensor;
  /** i32 [rows + 1], rowptr[0] = 0, rowptr[rows] = nnz */
  readonly rowptr: Tensor;
  readonly rows: number;
  readonly cols: number;
  readonly nnz: number;
}

/**
 * The entries ≠ 0 (NaN included) of a dense matrix: a [R, C] tensor, or `data` (R·C numbers,
 * row-major) with its shape on the given kernels.
 */
export function csrFromDense(a: Tensor): Csr;
export function csrFromDense(k: Kernels, data: ArrayLike<number>, shape: readonly [number, number]): Csr;
export function csrFromDense(src: Tensor | Kernels, data?: ArrayLike<number>, shape?: readonly [number, number]): Csr {
  const op = 'csrFromDense';
  if (src instanceof Tensor) {
    const k = check.tensors(op, { a: src });
    check.rank(op, 'a', src, 2);
    return fromTensor(k, src);
  }
  if (!data || typeof data.length !== 'number') {
    throw new TypeError(`${op}: expected a tensor, or kernels with data and [rows, cols], got ${check.describe(data)}`);
  }
  if (!Array.isArray(shape) || shape.length !== 2) throw new RangeError(`${op}: 'shape' must be [rows, cols], got ${check.describe(shape)}`);
  const [R, C] = [check.int(op, 'shape[0]', shape[0], 0), check.int(op, 'shape[1]', shape[1], 0)];
  if (data.length !== R * C) throw new RangeError(`${op}: 'data' has ${data.length} values, shape [${R},${C}] needs ${R * C}`);
  const a = (src as Kernels).from(data, [R, C]);
  try {
    return fromTensor(src as Kernels, a);
  } finally {
    a.dispose();
  }
}

function fromTensor(k: Kernels, a: Tensor): Csr {
  const [R, C] = a.shape;
  const rowptr = k.tensor([R + 1], 'i32');
  const nnz = k.wasm.f32_csr_count(rowptr.offset, a.offset, R, C);
  const values = k.tensor([nnz]);
  const colidx = k.tensor([nnz], 'i32');
  k.wasm.f32_csr_fill(values.offset, colidx.offset, a.offset, rowptr.offset, R, C);
  return { values, colidx, rowptr, rows: R, cols: C, nnz };
}

/** Frees the three tensors of a Csr. */
export function disposeCsr(csr: Csr): void {
  csr.values.dispose();
  csr.colidx.dispose();
  csr.rowptr.dispose();
}

/** y[M, N] = A[M, K] · x[K, N] for A = csr; y is overwritten. */
export function csrMatmul(y: Tensor, csr: Csr, x: Tensor): Tensor {
  const op = 'csrMatmul';
  const k = checkCsr(op, csr, { y, x });
  check.rank(op, 'x', x, 2);
  const [M, K, N] = [csr.rows, csr.cols, x.shape[1]];
  if (x.shape[0] !== K) throw new RangeError(`${op}: 'csr' is [${M},${K}] but 'x' is [${x.shape}]: inner dimensions differ`);
  check.shape(op, 'y', y, [M, N]);
  if (y.offset === x.offset) throw new Error(`${op}: 'y' must not be the same tensor as 'x'`);
  k.wasm.f32_csr_mm(y.offset, csr.values.offset, csr.colidx.offset, csr.rowptr.offset, x.offset, M, K, N);
  return y;
}

/** y[M, N] = x[M, K] · B[N, K]ᵀ for B = csr (a pruned [out, in] weight on a batch); y is overwritten. */
export function denseCsrTMatmul(y: Tensor, x: Tensor, csr: Csr): Tensor {
  const op = 'denseCsrTMatmul';
  const k = checkCsr(op, csr, { y, x });
  check.rank(op, 'x', x, 2);
  const [M, K, N] = [x.shape[0], csr.cols, csr.rows];
  if (x.shape[1] !== K) throw new RangeError(`${op}: 'x' is [${x.shape}] but 'csr' is [${N},${K}] (used transposed): inner dimensions differ`);
  check.shape(op, 'y', y, [M, N]);
  if (y.offset === x.offset) throw new Error(`${op}: 'y' must not be the same tensor as 'x'`);
  k.wasm.f32_dense_csrT_mm(y.offset, x.offset, csr.values.offset, csr.colidx.offset, csr.rowptr.offset, M, K, N);
  return y;
}

// The Csr's structure (live tensors of the right dtypes and sizes, one wasm instance with `dense`).
function checkCsr(op: string, csr: Csr, dense: Record<string, Tensor>): Kernels {
  if (typeof csr !== 'object' || csr === null || !(csr.values instanceof Tensor)) {
    throw new TypeError(`${op}: 'csr' must be a Csr (from csrFromDense), got ${check.describe(csr)}`);
  }
  const { rows, cols, nnz } = csr;
  check.int(op, 'csr.rows', rows, 0);
  check.int(op, 'csr.cols', cols, 0);
  check.int(op, 'csr.nnz', nnz, 0);
  const k = check.tensors(op, { ...dense, 'csr.values': csr.values });
  const ki = check.tensors(op, { 'csr.colidx': csr.colidx, 'csr.rowptr': csr.rowptr }, 'i32');
  if (ki !== k) throw new Error(`${op}: 'csr' and the dense tensors live in different wasm instances`);
  check.shape(op, 'csr.values', csr.values, [nnz]);
  check.shape(op, 'csr.colidx', csr.colidx, [nnz]);
  check.shape(op, 'csr.rowptr', csr.rowptr, [rows + 1]);
  return k;
}
