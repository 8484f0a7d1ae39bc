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

/**
 * A rows × cols matrix in SELL-4 (sliced ELLPACK, slice height 4), for x · Bᵀ at small batches
 * (f32_sell4_gemv): rows sorted by their count of entries, longest first, so the 4 rows of a slice
 * need about the same padding; lane l of slice s is row rowmap[4s + l].
 */
export interface Sell4 {
  /** f32 [4·groups]: group g holds one entry of each lane of its slice */
  readonly values: Tensor;
  /** i32 [4·groups], the column of each value */
  readonly colidx: Tensor;
  /** i32 [slices + 1], slice s is the groups [sliceptr[s], sliceptr[s+1]) */
  readonly sliceptr: Tensor;
  /** i32 [4·slices], the matrix row of each lane; pad lanes of the last slice hold rows..4·slices−1 */
  readonly rowmap: Tensor;
  readonly rows: number;
  readonly cols: number;
  readonly groups: number;
}

/** The SELL-4 arrays of a CSR matrix given as plain arrays (what sell4FromCsr puts on the heap). */
export function sell4Layout(values: Float32Array, colidx: Int32Array, rowptr: Int32Array, rows: number) {
  const slices = Math.ceil(rows / 4);
  const length = (r: number) => (r < rows ? rowptr[r + 1] - rowptr[r] : 0);
  const rowmap = Int32Array.from({ length: 4 * slices }, (_, i) => i);
  // Longest rows first (ties by row, so the layout is deterministic); pad lanes stay last.
  rowmap.subarray(0, rows).sort((a, b) => length(b) - length(a) || a - b);
  const sliceptr = new Int32Array(slices + 1);
  for (let s = 0; s < slices; s++) sliceptr[s + 1] = sliceptr[s] + Math.max(...[0, 1, 2, 3].map((l) => length(rowmap[4 * s + l])));
  const groups = sliceptr[slices];
  const sv = new Float32Array(4 * groups);
  const sc = new Int32Array(4 * groups);
  for (let s = 0; s < slices; s++) {
    for (let l = 0; l < 4; l++) {
      const r = rowmap[4 * s + l];
      const n = length(r);
      for (let j = 0, g = sliceptr[s]; g < sliceptr[s + 1]; j++, g++) {
        // A pad entry: 0 at the row's last stored column (in range, and already read by the row).
        sv[4 * g + l] = j < n ? values[rowptr[r] + j] : 0;
        sc[4 * g + l] = j < n ? colidx[rowptr[r] + j] : n > 0 ? colidx[rowptr[r] + n - 1] : 0;
      }
    }
  }
  return { values: sv, colidx: sc, sliceptr, rowmap, groups };
}

/** The SELL-4 form of a Csr, on the same kernels. */
export function sell4FromCsr(csr: Csr): Sell4 {
  const k = checkCsr('sell4FromCsr', csr, {});
  const layout = sell4Layout(csr.values.f32(), csr.colidx.i32(), csr.rowptr.i32(), csr.rows);
  return {
    values: k.from(layout.values, [layout.values.length]),
    colidx: k.from(layout.colidx, [layout.colidx.length], 'i32'),
    sliceptr: k.from(layout.sliceptr, [layout.sliceptr.length], 'i32'),
    rowmap: k.from(layout.rowmap, [layout.rowmap.length], 'i32'),
    rows: csr.rows, cols: csr.cols, groups: layout.groups,
  };
}

/** Frees the four tensors of a Sell4. */
export function disposeSell4(sell: Sell4): void {
  sell.values.dispose();
  sell.colidx.dispose();
  sell.sliceptr.dispose();
  sell.rowmap.dispose();
}

/** y[M, N] = x[M, K] · B[N, K]ᵀ for B = sell (one gemv per row of x); y is overwritten. */
export function sell4Matmul(y: Tensor, x: Tensor, sell: Sell4): Tensor {
  const op = 'sell4Matmul';
  const k = checkSell4(op, sell, { y, x });
  check.rank(op, 'x', x, 2);
  const [M, K, N] = [x.shape[0], sell.cols, sell.rows];
  if (x.shape[1] !== K) throw new RangeError(`${op}: 'x' is [${x.shape}] but 'sell' is [${N},${K}] (used transposed): inner dimensions differ`);
  check.shape(op, 'y', y, [M, N]);
  if (y.offset === x.offset) throw new Error(`${op}: 'y' must not be the same tensor as 'x'`);
  k.wasm.f32_sell4_gemv(y.offset, x.offset, sell.values.offset, sell.colidx.offset, sell.sliceptr.offset, sell.rowmap.offset, M, K, N);
  return y;
}

// The Sell4's structure (live tensors of the right dtypes and sizes, one wasm instance with `dense`).
function checkSell4(op: string, sell: Sell4, dense: Record<string, Tensor>): Kernels {
  if (typeof sell !== 'object' || sell === null || !(sell.values instanceof Tensor) || !(sell.rowmap instanceof Tensor)) {
    throw new TypeError(`${op}: 'sell' must be a Sell4 (from sell4FromCsr), got ${check.describe(sell)}`);
  }
  const { rows, cols, groups } = sell;
  check.int(op, 'sell.rows', rows, 0);
  check.int(op, 'sell.cols', cols, 0);
  check.int(op, 'sell.groups', groups, 0);
  const k = check.tensors(op, { ...dense, 'sell.values': sell.values });
  const ki = check.tensors(op, { 'sell.colidx': sell.colidx, 'sell.sliceptr': sell.sliceptr, 'sell.rowmap': sell.rowmap }, 'i32');
  if (ki !== k) throw new Error(`${op}: 'sell' and the dense tensors live in different wasm instances`);
  const slices = Math.ceil(rows / 4);
  check.shape(op, 'sell.values', sell.values, [4 * groups]);
  check.shape(op, 'sell.colidx', sell.colidx, [4 * groups]);
  check.shape(op, 'sell.sliceptr', sell.sliceptr, [slices + 1]);
  check.shape(op, 'sell.rowmap', sell.rowmap, [4 * slices]);
  return k;
}
