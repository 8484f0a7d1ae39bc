// Plain-TypeScript twins of the CSR wasm kernels (assembly/sparse.ts): the spec.
// CSR: row r's entries are values[rowptr[r] .. rowptr[r+1]) at columns colidx[same range].
// NOTE: only stored entries take part in the products, so a NaN in x facing an unstored zero
// does not reach y (a dense product would give 0·NaN = NaN).

/** rowptr[r + 1] = rowptr[r] + #{c : a[r, c] ≠ 0} (NaN ≠ 0 counts), rowptr[0] = 0; returns nnz. */
export function f32_csr_count(rowptr: Int32Array, a: Float32Array, R: number, C: number): number {
  rowptr[0] = 0;
  for (let r = 0; r < R; r++) {
    let n = 0;
    for (let c = 0; c < C; c++) if (a[r * C + c] !== 0) n++;
    rowptr[r + 1] = rowptr[r] + n;
  }
  return rowptr[R];
}

/** The entries ≠ 0 of a[R, C], row-major, into values and colidx at the offsets rowptr gives. */
export function f32_csr_fill(
  values: Float32Array, colidx: Int32Array, a: Float32Array, rowptr: Int32Array, R: number, C: number,
): void {
  for (let r = 0; r < R; r++) {
    let p = rowptr[r];
    for (let c = 0; c < C; c++) {
      if (a[r * C + c] !== 0) {
        values[p] = a[r * C + c];
        colidx[p] = c;
        p++;
      }
    }
  }
}

/** y[M, N] = A[M, K] · x[K, N], A in CSR; y is overwritten. */
export function f32_csr_mm(
  y: Float32Array, values: Float32Array, colidx: Int32Array, rowptr: Int32Array, x: Float32Array,
  M: number, K: number, N: number,
): void {
  void K; // x has K rows; the CSR column indices address them
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let p = rowptr[i]; p < rowptr[i + 1]; p++) acc += values[p] * x[colidx[p] * N + j];
      y[i * N + j] = acc;
    }
  }
}

/** y[M, N] = x[M, K] · B[N, K]ᵀ, B in CSR: y[i, n] = Σ over row n of B of values[p] · x[i, colidx[p]]. */
export function f32_dense_csrT_mm(
  y: Float32Array, x: Float32Array, values: Float32Array, colidx: Int32Array, rowptr: Int32Array,
  M: number, K: number, N: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let p = rowptr[n]; p < rowptr[n + 1]; p++) acc += values[p] * x[i * K + colidx[p]];
      y[i * N + n] = acc;
    }
  }
}

/**
 * y[M, N] = x[M, K] · B[N, K]ᵀ, B in SELL-4: lane l of slice s is output row rowmap[4s + l]
 * (lanes at 4s + l ≥ N are padding), its entries values/colidx[4g + l] for g in
 * [sliceptr[s], sliceptr[s+1]).
 */
export function f32_sell4_gemv(
  y: Float32Array, x: Float32Array, values: Float32Array, colidx: Int32Array, sliceptr: Int32Array, rowmap: Int32Array,
  M: number, K: number, N: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let s = 0; 4 * s < N; s++) {
      for (let l = 0; l < 4 && 4 * s + l < N; l++) {
        let acc = 0;
        for (let g = sliceptr[s]; g < sliceptr[s + 1]; g++) acc += values[4 * g + l] * x[i * K + colidx[4 * g + l]];
        y[i * N + rowmap[4 * s + l]] = acc;
      }
    }
  }
}
