// The register tile of the packed f32 GEMM, shared by assembly/gemm.ts and the conv drivers
// (assembly/conv_panels.ts, assembly/winograd.ts): the 4×8 micro-kernel, the packed layouts it
// reads, and the A-panel packers. Internal: not exported from the module (index.ts).
//
// Packed B micro-panel: kc rows of 8 floats (element (k, j) at k·32 + j·4 bytes); packed A
// micro-panel: kc rows of 4 floats (element (i, k) at k·16 + i·4). Edges are zero-padded, so the
// micro-kernel always computes a full 4×8 tile and only its write-back knows the edge.

import { madd } from './madd';

// Micro-tile: MR rows of C × NR columns (two f32x4) = 8 v128 accumulators. NOTE: V8 gives a wasm
// loop ~15 xmm registers and issues all of an iteration's loads first: 8 accumulators + 2 B
// vectors + 4 A splats + 1 product just fit. 5×8, 6×8 and k-unrolled 4×8 spill (measured).
export const MR = 4;
export const NR = 8;

// Epilogue flags (f32_gemm_epilogue, f32_conv2d_fwd): C = relu(alpha·op(A)·op(B) + beta·C + bias).
/** A bias per row of C, bias[M] (a conv's output channels). */
export const EPI_BIAS_ROWS = 1;
/** A bias per column of C, bias[N] (a dense layer's units). */
export const EPI_BIAS_COLS = 2;
/** max(·, 0) last. */
export const EPI_RELU = 4;

/**
 * The epilogue on n values of one row of C at p, already alpha·AB + beta·C: + rowBias (with
 * EPI_BIAS_ROWS), + colBias[j] (with EPI_BIAS_COLS), then ReLU (with EPI_RELU).
 */
export function epilogueRow(p: usize, n: i32, epi: i32, rowBias: f32, colBias: usize): void {
  const rows = (epi & EPI_BIAS_ROWS) != 0;
  const cols = (epi & EPI_BIAS_COLS) != 0;
  const relu = (epi & EPI_RELU) != 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const rb = f32x4.splat(rowBias);
    const zero = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(p + o);
      if (rows) v = f32x4.add(v, rb);
      if (cols) v = f32x4.add(v, v128.load(colBias + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(p + o, v);
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let v = load<f32>(p + o);
    if (rows) v += rowBias;
    if (cols) v += load<f32>(colBias + o);
    if (relu) v = max<f32>(v, 0);
    store<f32>(p + o, v);
  }
}

/** max(x, 0) on the n floats at p, in place (NaN stays NaN): epilogueRow's ReLU alone, without its flag tests. */
export function reluF32(p: usize, n: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const q = p + (<usize>j << 2);
      v128.store(q, f32x4.max(v128.load(q), zero));
    }
  }
  for (; j < n; j++) {
    const q = p + (<usize>j << 2);
    store<f32>(q, max<f32>(load<f32>(q), 0));
  }
}

// One 4×8 tile: acc = Ap(4×kc)·Bp(kc×8), then C = alpha·acc + beta·C on the mr×nr valid part,
// with the epilogue `epi` (EPI_* flags; 0 at every call but a product's last K block) applied in
// registers before the store: `bias` points at the bias of the tile's first row (EPI_BIAS_ROWS)
// or first column (EPI_BIAS_COLS).
// @ts-ignore: decorator
@inline
export function micro4x8(
  ap: usize, bp: usize, kc: i32, c: usize, ldc: usize,
  alpha: f32, beta: f32, mr: i32, nr: i32, tile: usize, epi: i32, bias: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    // NOTE: one k per iteration on purpose: Binaryen interleaves unrolled steps and V8 then spills.
    const apEnd = ap + (<usize>kc << 4);
    while (ap < apEnd) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let av = v128.load32_splat(ap);
      c00 = madd(av, b0, c00);
      c01 = madd(av, b1, c01);
      av = v128.load32_splat(ap, 4);
      c10 = madd(av, b0, c10);
      c11 = madd(av, b1, c11);
      av = v128.load32_splat(ap, 8);
      c20 = madd(av, b0, c20);
      c21 = madd(av, b1, c21);
      av = v128.load32_splat(ap, 12);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      ap += 16;
      bp += 32;
    }
    if (alpha != 1) {
      const va = f32x4.splat(alpha);
      c00 = f32x4.mul(c00, va); c01 = f32x4.mul(c01, va);
      c10 = f32x4.mul(c10, va); c11 = f32x4.mul(c11, va);
      c20 = f32x4.mul(c20, va); c21 = f32x4.mul(c21, va);
      c30 = f32x4.mul(c30, va); c31 = f32x4.mul(c31, va);
    }
    if (mr == MR && nr == NR && epi != 0) {
      const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      if (beta != 0) {
        const vb = f32x4.splat(beta);
        c00 = f32x4.add(c00, f32x4.mul(vb, v128.load(c))); c01 = f32x4.add(c01, f32x4.mul(vb, v128.load(c, 16)));
        c10 = f32x4.add(c10, f32x4.mul(vb, v128.load(c1))); c11 = f32x4.add(c11, f32x4.mul(vb, v128.load(c1, 16)));
        c20 = f32x4.add(c20, f32x4.mul(vb, v128.load(c2))); c21 = f32x4.add(c21, f32x4.mul(vb, v128.load(c2, 16)));
        c30 = f32x4.add(c30, f32x4.mul(vb, v128.load(c3))); c31 = f32x4.add(c31, f32x4.mul(vb, v128.load(c3, 16)));
      }
      if (epi & EPI_BIAS_ROWS) {
        let r = v128.load32_splat(bias);
        c00 = f32x4.add(c00, r); c01 = f32x4.add(c01, r);
        r = v128.load32_splat(bias, 4);
        c10 = f32x4.add(c10, r); c11 = f32x4.add(c11, r);
        r = v128.load32_splat(bias, 8);
        c20 = f32x4.add(c20, r); c21 = f32x4.add(c21, r);
        r = v128.load32_splat(bias, 12);
        c30 = f32x4.add(c30, r); c31 = f32x4.add(c31, r);
      }
      if (epi & EPI_BIAS_COLS) {
        const b0 = v128.load(bias), b1 = v128.load(bias, 16);
        c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
        c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
        c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
        c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
      }
      if (epi & EPI_RELU) {
        const z = f32x4.splat(0);
        c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z);
        c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
        c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z);
        c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
      }
      v128.store(c, c00); v128.store(c, c01, 16);
      v128.store(c1, c10); v128.store(c1, c11, 16);
      v128.store(c2, c20); v128.store(c2, c21, 16);
      v128.store(c3, c30); v128.store(c3, c31, 16);
    } else if (mr == MR && nr == NR) {
      const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      if (beta == 0) {
        v128.store(c, c00); v128.store(c, c01, 16);
        v128.store(c1, c10); v128.store(c1, c11, 16);
        v128.store(c2, c20); v128.store(c2, c21, 16);
        v128.store(c3, c30); v128.store(c3, c31, 16);
      } else if (beta == 1) {
        v128.store(c, f32x4.add(c00, v128.load(c))); v128.store(c, f32x4.add(c01, v128.load(c, 16)), 16);
        v128.store(c1, f32x4.add(c10, v128.load(c1))); v128.store(c1, f32x4.add(c11, v128.load(c1, 16)), 16);
        v128.store(c2, f32x4.add(c20, v128.load(c2))); v128.store(c2, f32x4.add(c21, v128.load(c2, 16)), 16);
        v128.store(c3, f32x4.add(c30, v128.load(c3))); v128.store(c3, f32x4.add(c31, v128.load(c3, 16)), 16);
      } else {
        const vb = f32x4.splat(beta);
        v128.store(c, f32x4.add(c00, f32x4.mul(vb, v128.load(c))));
        v128.store(c, f32x4.add(c01, f32x4.mul(vb, v128.load(c, 16))), 16);
        v128.store(c1, f32x4.add(c10, f32x4.mul(vb, v128.load(c1))));
        v128.store(c1, f32x4.add(c11, f32x4.mul(vb, v128.load(c1, 16))), 16);
        v128.store(c2, f32x4.add(c20, f32x4.mul(vb, v128.load(c2))));
        v128.store(c2, f32x4.add(c21, f32x4.mul(vb, v128.load(c2, 16))), 16);
        v128.store(c3, f32x4.add(c30, f32x4.mul(vb, v128.load(c3))));
        v128.store(c3, f32x4.add(c31, f32x4.mul(vb, v128.load(c3, 16))), 16);
      }
    } else {
      // Edge tile: spill to the temp tile, write back the valid mr × nr corner.
      v128.store(tile, c00); v128.store(tile, c01, 16);
      v128.store(tile, c10, 32); v128.store(tile, c11, 48);
      v128.store(tile, c20, 64); v128.store(tile, c21, 80);
      v128.store(tile, c30, 96); v128.store(tile, c31, 112);
      for (let i = 0; i < mr; i++) {
        const ci = c + <usize>i * ldc;
        const ti = tile + (<usize>i << 5);
        for (let j = 0; j < nr; j++) {
          const p = ci + (<usize>j << 2);
          const v = load<f32>(ti + (<usize>j << 2));
          store<f32>(p, beta == 0 ? v : v + beta * load<f32>(p));
        }
        if (epi != 0) epilogueRow(ci, nr, epi, epi & EPI_BIAS_ROWS ? load<f32>(bias + (<usize>i << 2)) : 0, bias);
      }
    }
  }
}

// 4×4 transpose: stores column t of rows r0..r3 at dst + t·stride; used by the packers.
// @ts-ignore: decorator
@inline
export function trStore4(dst: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  if (ASC_FEATURE_SIMD) {
    const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
    const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
    const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
    v128.store(dst, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
    v128.store(dst + stride, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
    v128.store(dst + 2 * stride, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
    v128.store(dst + 3 * stride, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
  }
}

// Pack A[ir..ir+mr, pc..pc+kc] of a row-major A[M,K] into one 4-row micro-panel (mr ≤ 4).
export function packAN(dst: usize, a: usize, ir: i32, pc: i32, mr: i32, kc: i32, K: i32): void {
  if (ASC_FEATURE_SIMD) {
    const lda: usize = <usize>K << 2;
    const s = a + <usize>ir * lda + (<usize>pc << 2);
    let k = 0;
    if (mr == MR) {
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        trStore4(dst + (<usize>k << 4), 16, v128.load(s + o), v128.load(s + lda + o),
          v128.load(s + 2 * lda + o), v128.load(s + 3 * lda + o));
      }
    }
    for (; k < kc; k++) {
      const dk = dst + (<usize>k << 4);
      v128.store(dk, f32x4.splat(0));
      for (let i = 0; i < mr; i++) {
        store<f32>(dk + (<usize>i << 2), load<f32>(s + <usize>i * lda + (<usize>k << 2)));
      }
    }
  }
}

// Pack op(A)[ir..ir+mr, pc..pc+kc] of A stored [K,M] (op(A)[i, k] = A[k, i]) into one micro-panel.
export function packAT(dst: usize, a: usize, ir: i32, pc: i32, mr: i32, kc: i32, M: i32): void {
  if (ASC_FEATURE_SIMD) {
    const lda: usize = <usize>M << 2;
    let s = a + <usize>pc * lda + (<usize>ir << 2);
    let d = dst;
    if (mr == MR) {
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        s += lda;
        d += 16;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        v128.store(d, f32x4.splat(0));
        for (let i = 0; i < mr; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
        s += lda;
        d += 16;
      }
    }
  }
}
