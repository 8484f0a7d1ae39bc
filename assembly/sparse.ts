// CSR (compressed sparse row) conversion and sparse × dense products; spec:
// src/kernels/reference/sparse.ts. The CSR arrays are trusted: rowptr non-decreasing from 0,
// column indices in range (the façade builds them). Outputs never alias inputs.
// NOTE: only stored entries take part, so a NaN in x facing an unstored zero of A does not reach
// y (a dense product would give 0·NaN = NaN there).

import { madd } from './madd';

/** rowptr[0] = 0, rowptr[r + 1] = rowptr[r] + #{c : a[r, c] ≠ 0} (NaN counts: NaN ≠ 0); returns nnz. */
export function f32_csr_count(
  rowptr: usize, // i32 [R + 1]
  a: usize, // [R, C]
  R: i32,
  C: i32,
): i32 {
  const ld = <usize>C << 2;
  let nnz = 0;
  store<i32>(rowptr, 0);
  for (let r = 0; r < R; r++) {
    const row = a + <usize>r * ld;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0);
      let acc = i32x4.splat(0);
      // f32x4.ne gives −1 in each lane that is not 0: subtracting the mask counts.
      for (; c + 4 <= C; c += 4) acc = i32x4.sub(acc, f32x4.ne(v128.load(row + (<usize>c << 2)), zero));
      nnz += (i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1)) + (i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
    }
    for (; c < C; c++) nnz += i32(load<f32>(row + (<usize>c << 2)) != 0);
    store<i32>(rowptr + (<usize>(r + 1) << 2), nnz);
  }
  return nnz;
}

/** The entries ≠ 0 of a[R, C] in row-major order: values[p] and their columns colidx[p]. */
export function f32_csr_fill(
  values: usize, // [nnz]
  colidx: usize, // i32 [nnz]
  a: usize, // [R, C]
  rowptr: usize, // i32 [R + 1], from f32_csr_count
  R: i32,
  C: i32,
): void {
  const ld = <usize>C << 2;
  for (let r = 0; r < R; r++) {
    const row = a + <usize>r * ld;
    let p = load<i32>(rowptr + (<usize>r << 2));
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0);
      for (; c + 4 <= C; c += 4) {
        // One bit per lane that is not 0; visit the set bits lowest first.
        let mask = i32x4.bitmask(f32x4.ne(v128.load(row + (<usize>c << 2)), zero));
        while (mask != 0) {
          const j = c + ctz(mask);
          store<f32>(values + (<usize>p << 2), load<f32>(row + (<usize>j << 2)));
          store<i32>(colidx + (<usize>p << 2), j);
          p++;
          mask &= mask - 1;
        }
      }
    }
    for (; c < C; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v != 0) {
        store<f32>(values + (<usize>p << 2), v);
        store<i32>(colidx + (<usize>p << 2), c);
        p++;
      }
    }
  }
}

/**
 * y[M, N] = A[M, K] · x[K, N] with A in CSR (values, colidx, rowptr); y is overwritten.
 * SIMD: per row of A, output columns in passes of 32 (8 f32x4 accumulators held across the row's
 * entries), then 16, then 4; the last N mod 4 columns and the scalar build run csrRowAxpy.
 */
export function f32_csr_mm(
  y: usize, // [M, N]
  values: usize, // [nnz]
  colidx: usize, // i32 [nnz]
  rowptr: usize, // i32 [M + 1]
  x: usize, // [K, N]
  M: i32,
  K: i32,
  N: i32,
): void {
  const ld = <usize>N << 2; // row stride of x and y
  for (let i = 0; i < M; i++) {
    const p0 = load<i32>(rowptr + (<usize>i << 2));
    const p1 = load<i32>(rowptr + (<usize>i << 2), 4);
    const yi = y + <usize>i * ld;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 32 <= N; j += 32) pass32(yi + (<usize>j << 2), values, colidx, p0, p1, x + (<usize>j << 2), ld);
      if (j + 16 <= N) {
        pass16(yi + (<usize>j << 2), values, colidx, p0, p1, x + (<usize>j << 2), ld);
        j += 16;
      }
      for (; j + 4 <= N; j += 4) pass4(yi + (<usize>j << 2), values, colidx, p0, p1, x + (<usize>j << 2), ld);
    }
    if (j < N) csrRowAxpy(yi, values, colidx, p0, p1, x, ld, j, N);
  }
}

// y[j] for j in [j0, N) of one output row: zero it, then y += values[p] · x[colidx[p], :] per entry.
function csrRowAxpy(yi: usize, values: usize, colidx: usize, p0: i32, p1: i32, x: usize, ld: usize, j0: i32, N: i32): void {
  for (let j = j0; j < N; j++) store<f32>(yi + (<usize>j << 2), 0);
  for (let p = p0; p < p1; p++) {
    const v = load<f32>(values + (<usize>p << 2));
    const xk = x + <usize>load<i32>(colidx + (<usize>p << 2)) * ld;
    for (let j = j0; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(yi + o, load<f32>(yi + o) + v * load<f32>(xk + o));
    }
  }
}

// 32 output columns: yo[0..32) = Σ_p values[p] · xo[colidx[p]·ld + 0..32).
// @ts-ignore: decorator
@inline
function pass32(yo: usize, values: usize, colidx: usize, p0: i32, p1: i32, xo: usize, ld: usize): void {
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let p = p0; p < p1; p++) {
      const v = v128.load32_splat(values + (<usize>p << 2));
      const xr = xo + <usize>load<i32>(colidx + (<usize>p << 2)) * ld;
      a0 = madd(v, v128.load(xr), a0);
      a1 = madd(v, v128.load(xr, 16), a1);
      a2 = madd(v, v128.load(xr, 32), a2);
      a3 = madd(v, v128.load(xr, 48), a3);
      a4 = madd(v, v128.load(xr, 64), a4);
      a5 = madd(v, v128.load(xr, 80), a5);
      a6 = madd(v, v128.load(xr, 96), a6);
      a7 = madd(v, v128.load(xr, 112), a7);
    }
    v128.store(yo, a0);
    v128.store(yo, a1, 16);
    v128.store(yo, a2, 32);
    v128.store(yo, a3, 48);
    v128.store(yo, a4, 64);
    v128.store(yo, a5, 80);
    v128.store(yo, a6, 96);
    v128.store(yo, a7, 112);
  }
}

// 16 output columns, as pass32.
// @ts-ignore: decorator
@inline
function pass16(yo: usize, values: usize, colidx: usize, p0: i32, p1: i32, xo: usize, ld: usize): void {
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let p = p0; p < p1; p++) {
      const v = v128.load32_splat(values + (<usize>p << 2));
      const xr = xo + <usize>load<i32>(colidx + (<usize>p << 2)) * ld;
      a0 = madd(v, v128.load(xr), a0);
      a1 = madd(v, v128.load(xr, 16), a1);
      a2 = madd(v, v128.load(xr, 32), a2);
      a3 = madd(v, v128.load(xr, 48), a3);
    }
    v128.store(yo, a0);
    v128.store(yo, a1, 16);
    v128.store(yo, a2, 32);
    v128.store(yo, a3, 48);
  }
}

// 4 output columns, as pass32.
// @ts-ignore: decorator
@inline
function pass4(yo: usize, values: usize, colidx: usize, p0: i32, p1: i32, xo: usize, ld: usize): void {
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0);
    for (let p = p0; p < p1; p++) {
      const v = v128.load32_splat(values + (<usize>p << 2));
      a0 = madd(v, v128.load(xo + <usize>load<i32>(colidx + (<usize>p << 2)) * ld), a0);
    }
    v128.store(yo, a0);
  }
}

/**
 * y[M, N] = x[M, K] · B[N, K]ᵀ with B in CSR, i.e. y[i, n] = Σ_p values[p] · x[i, colidx[p]] over
 * row n of B (a pruned [out, in] weight applied to a batch); y is overwritten.
 * SIMD: blocks of 8 then 4 rows of x, one f32x4 per 4 rows gathered lane by lane, so each CSR entry
 * is loaded once per block; leftover rows take one dot product at a time, 8 entries at once
 * (rowDot8), the scalar build one entry at a time.
 */
export function f32_dense_csrT_mm(
  y: usize, // [M, N]
  x: usize, // [M, K]
  values: usize, // [nnz]
  colidx: usize, // i32 [nnz]
  rowptr: usize, // i32 [N + 1]
  M: i32,
  K: i32,
  N: i32,
): void {
  const ldx = <usize>K << 2;
  const ldy = <usize>N << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 8 <= M; i += 8) rows8(y + <usize>i * ldy, x + <usize>i * ldx, values, colidx, rowptr, N, ldx, ldy);
    if (i + 4 <= M) {
      rows4(y + <usize>i * ldy, x + <usize>i * ldx, values, colidx, rowptr, N, ldx, ldy);
      i += 4;
    }
  }
  for (; i < M; i++) {
    const xi = x + <usize>i * ldx;
    const yi = y + <usize>i * ldy;
    for (let n = 0; n < N; n++) {
      const p1 = load<i32>(rowptr + (<usize>n << 2), 4);
      let p = load<i32>(rowptr + (<usize>n << 2));
      let acc: f32 = 0;
      if (ASC_FEATURE_SIMD) acc = rowDot8(xi, values, colidx, p, p1);
      if (ASC_FEATURE_SIMD) p += (p1 - p) & ~7;
      for (; p < p1; p++) {
        acc += load<f32>(values + (<usize>p << 2)) * load<f32>(xi + (<usize>load<i32>(colidx + (<usize>p << 2)) << 2));
      }
      store<f32>(yi + (<usize>n << 2), acc);
    }
  }
}

// Σ values[p] · x[colidx[p]] over the first multiple of 8 entries of [p0, p1): one row of x against
// one row of B, 8 entries at a time gathered lane by lane into two accumulators, so the sum is not
// one long chain of dependent adds (what limits a batch of one).
// @ts-ignore: decorator
@inline
function rowDot8(x: usize, values: usize, colidx: usize, p0: i32, p1: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = a0;
    for (let p = p0; p + 8 <= p1; p += 8) {
      const c0 = v128.load(colidx + (<usize>p << 2));
      const c1 = v128.load(colidx + (<usize>p << 2), 16);
      let g0 = v128.load32_zero(x + (<usize>i32x4.extract_lane(c0, 0) << 2));
      g0 = v128.load32_lane(x + (<usize>i32x4.extract_lane(c0, 1) << 2), g0, 1);
      g0 = v128.load32_lane(x + (<usize>i32x4.extract_lane(c0, 2) << 2), g0, 2);
      g0 = v128.load32_lane(x + (<usize>i32x4.extract_lane(c0, 3) << 2), g0, 3);
      let g1 = v128.load32_zero(x + (<usize>i32x4.extract_lane(c1, 0) << 2));
      g1 = v128.load32_lane(x + (<usize>i32x4.extract_lane(c1, 1) << 2), g1, 1);
      g1 = v128.load32_lane(x + (<usize>i32x4.extract_lane(c1, 2) << 2), g1, 2);
      g1 = v128.load32_lane(x + (<usize>i32x4.extract_lane(c1, 3) << 2), g1, 3);
      a0 = madd(v128.load(values + (<usize>p << 2)), g0, a0);
      a1 = madd(v128.load(values + (<usize>p << 2), 16), g1, a1);
    }
    const a = f32x4.add(a0, a1);
    return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
  }
  return 0;
}

// Rows 0..8 of x (stride ldx) against every row of B: y[0..8, n].
function rows8(y: usize, x: usize, values: usize, colidx: usize, rowptr: usize, N: i32, ldx: usize, ldy: usize): void {
  if (ASC_FEATURE_SIMD) {
    const x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx, x4 = x3 + ldx, x5 = x4 + ldx, x6 = x5 + ldx, x7 = x6 + ldx;
    for (let n = 0; n < N; n++) {
      const p1 = load<i32>(rowptr + (<usize>n << 2), 4);
      let a0 = f32x4.splat(0), a1 = a0;
      for (let p = load<i32>(rowptr + (<usize>n << 2)); p < p1; p++) {
        const v = v128.load32_splat(values + (<usize>p << 2));
        const o = <usize>load<i32>(colidx + (<usize>p << 2)) << 2;
        let g0 = v128.load32_zero(x + o);
        g0 = v128.load32_lane(x1 + o, g0, 1);
        g0 = v128.load32_lane(x2 + o, g0, 2);
        g0 = v128.load32_lane(x3 + o, g0, 3);
        let g1 = v128.load32_zero(x4 + o);
        g1 = v128.load32_lane(x5 + o, g1, 1);
        g1 = v128.load32_lane(x6 + o, g1, 2);
        g1 = v128.load32_lane(x7 + o, g1, 3);
        a0 = madd(v, g0, a0);
        a1 = madd(v, g1, a1);
      }
      const yn = y + (<usize>n << 2);
      store<f32>(yn, f32x4.extract_lane(a0, 0));
      store<f32>(yn + ldy, f32x4.extract_lane(a0, 1));
      store<f32>(yn + 2 * ldy, f32x4.extract_lane(a0, 2));
      store<f32>(yn + 3 * ldy, f32x4.extract_lane(a0, 3));
      store<f32>(yn + 4 * ldy, f32x4.extract_lane(a1, 0));
      store<f32>(yn + 5 * ldy, f32x4.extract_lane(a1, 1));
      store<f32>(yn + 6 * ldy, f32x4.extract_lane(a1, 2));
      store<f32>(yn + 7 * ldy, f32x4.extract_lane(a1, 3));
    }
  }
}

// Rows 0..4 of x against every row of B, as rows8.
function rows4(y: usize, x: usize, values: usize, colidx: usize, rowptr: usize, N: i32, ldx: usize, ldy: usize): void {
  if (ASC_FEATURE_SIMD) {
    const x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
    for (let n = 0; n < N; n++) {
      const p1 = load<i32>(rowptr + (<usize>n << 2), 4);
      let a0 = f32x4.splat(0);
      for (let p = load<i32>(rowptr + (<usize>n << 2)); p < p1; p++) {
        const v = v128.load32_splat(values + (<usize>p << 2));
        const o = <usize>load<i32>(colidx + (<usize>p << 2)) << 2;
        let g = v128.load32_zero(x + o);
        g = v128.load32_lane(x1 + o, g, 1);
        g = v128.load32_lane(x2 + o, g, 2);
        g = v128.load32_lane(x3 + o, g, 3);
        a0 = madd(v, g, a0);
      }
      const yn = y + (<usize>n << 2);
      store<f32>(yn, f32x4.extract_lane(a0, 0));
      store<f32>(yn + ldy, f32x4.extract_lane(a0, 1));
      store<f32>(yn + 2 * ldy, f32x4.extract_lane(a0, 2));
      store<f32>(yn + 3 * ldy, f32x4.extract_lane(a0, 3));
    }
  }
}

/**
 * y[M, N] = x[M, K] · B[N, K]ᵀ with B in SELL-4 (sliced ELLPACK, slice height 4): one gemv per row
 * of x, for the small batches where CSR's per-row dot products end in a horizontal sum each.
 * Rows of B sit in slices of 4 (rowmap[4s + l] is the output row of lane l of slice s, a
 * permutation of 0..N−1 with the last slice's pad lanes after N); slice s is the groups
 * [sliceptr[s], sliceptr[s+1]), each group 4 values and 4 columns, one per lane (a pad entry:
 * value 0 at a stored column of its row, or column 0). A group is one f32x4 multiply-add of a
 * 4-lane gather; two accumulators, so consecutive groups do not wait on each other.
 */
export function f32_sell4_gemv(
  y: usize, // [M, N]
  x: usize, // [M, K]
  values: usize, // [4·G]
  colidx: usize, // i32 [4·G]
  sliceptr: usize, // i32 [S + 1], S = ⌈N/4⌉
  rowmap: usize, // i32 [4·S]
  M: i32,
  K: i32,
  N: i32,
): void {
  const S = (N + 3) >> 2;
  for (let i = 0; i < M; i++) {
    const xi = x + <usize>i * (<usize>K << 2);
    const yi = y + <usize>i * (<usize>N << 2);
    for (let s = 0; s < S; s++) {
      const g0 = load<i32>(sliceptr + (<usize>s << 2));
      const g1 = load<i32>(sliceptr + (<usize>s << 2), 4);
      const rm = rowmap + (<usize>s << 4);
      if (ASC_FEATURE_SIMD) {
        let a0 = f32x4.splat(0), a1 = a0;
        let g = g0;
        for (; g + 2 <= g1; g += 2) {
          const o = <usize>g << 4;
          a0 = madd(v128.load(values + o), gather4(xi, colidx + o), a0);
          a1 = madd(v128.load(values + o, 16), gather4(xi, colidx + o + 16), a1);
        }
        if (g < g1) a0 = madd(v128.load(values + (<usize>g << 4)), gather4(xi, colidx + (<usize>g << 4)), a0);
        const a = f32x4.add(a0, a1);
        const lanes = min(4, N - (s << 2));
        store<f32>(yi + (<usize>load<i32>(rm) << 2), f32x4.extract_lane(a, 0));
        if (lanes > 1) store<f32>(yi + (<usize>load<i32>(rm, 4) << 2), f32x4.extract_lane(a, 1));
        if (lanes > 2) store<f32>(yi + (<usize>load<i32>(rm, 8) << 2), f32x4.extract_lane(a, 2));
        if (lanes > 3) store<f32>(yi + (<usize>load<i32>(rm, 12) << 2), f32x4.extract_lane(a, 3));
      } else {
        for (let l = 0; l < min(4, N - (s << 2)); l++) {
          let acc: f32 = 0;
          for (let g = g0; g < g1; g++) {
            const o = (<usize>g << 4) + (<usize>l << 2);
            acc += load<f32>(values + o) * load<f32>(xi + (<usize>load<i32>(colidx + o) << 2));
          }
          store<f32>(yi + (<usize>load<i32>(rm + (<usize>l << 2)) << 2), acc);
        }
      }
    }
  }
}

// x[c[0]], x[c[1]], x[c[2]], x[c[3]] as one f32x4, the four columns read from memory at c: scalar
// loads, not lane extractions from a vector of them (which cost more than the load on x64).
// @ts-ignore: decorator
@inline
function gather4(x: usize, c: usize): v128 {
  let g = v128.load32_zero(x + (<usize>load<i32>(c) << 2));
  g = v128.load32_lane(x + (<usize>load<i32>(c, 4) << 2), g, 1);
  g = v128.load32_lane(x + (<usize>load<i32>(c, 8) << 2), g, 2);
  return v128.load32_lane(x + (<usize>load<i32>(c, 12) << 2), g, 3);
}
