// Winograd F(2×2, 3×3) and F(2×2, 5×5) forward convolution for 3×3 and 5×5, stride-1, undilated
// convs (SIMD build only): the α² element-wise products of transformed tiles (α = r + 1) become α²
// packed GEMMs [OC/G × C/G]·[C/G × tiles]: 2.25× (3×3) and 2.8× (5×5) fewer multiplies than
// im2col. Not exported from the module; f32_conv2d_fwd (conv.ts) calls it. Spec: the direct-loop
// twin in src/kernels/reference/conv.ts.
//
// Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per 2×2 output tile, d the α×α input tile at (2ty − PH, 2tx − PW).
// F(2, 3), points 0, ±1, ∞:
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
// F(2, 5), points 0, 1, −1, 2, −½, ∞ (−½ rather than −2: half the rounding error, measured):
//   Bᵀ = [1 1.5 −2 −1.5 1 0; 0 −1 −2.5 −.5 1 0; 0 1 .5 −2.5 1 0; 0 −.5 −1 .5 1 0; 0 2 −1 −2 1 0;
//         0 1 1.5 −2 −1.5 1],
//   G = [1 0 0 0 0; −⅓(1 1 1 1 1); ⅓(1 −1 1 −1 1); ¹⁄₁₅(1 2 4 8 16); −¹⁄₁₅(16 −8 4 −2 1); 0 0 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −.5 1].
// NOTE: the transforms mix neighbouring pixels and taps, so a NaN or Inf would spread to a whole
// tile, and values near the f32 range could overflow where the direct sum does not: callers
// check winogradSafe first and take the im2col path otherwise, which keeps the twin's NaN/Inf
// semantics exact.

import { MR, NR, micro4x8, EPI_BIAS_ROWS, EPI_RELU } from './gemm_tile';
import { madd } from './madd';

// Transformed input block: α² × C/G × NT floats, at most V_BYTES (NT tiles, a multiple of 8).
const V_BYTES = 768 * 1024;
const NT_MAX = 256;
// Added to every per-ξ stride: α² streams a multiple of 4 KiB apart would share L1 sets.
export const SKEW = 64;
const TILE_BYTES = MR * NR * 4;
// Temporaries: α input rows of 64 bytes, a zero row, and two α×α (or 5×6) blocks of vectors.
const ROW_BYTES = 6 * 64 + 64 + 2 * 36 * 16;
/** Bytes of the temporaries filterPanels needs at `tmp`. */
export const WINO_TMP_BYTES = ROW_BYTES;
const ZERO_ROW = 6 * 64;
const T1 = ZERO_ROW + 64;
const T2 = T1 + 36 * 16;

/** Tiles per block for C/G input channels and tile size α: a multiple of 8 in [8, NT_MAX]. */
// @ts-ignore: decorator
@inline
function tilesPerBlock(Cg: i32, A: i32): i32 {
  return min(NT_MAX, max(NR, (V_BYTES / (A * A * 4 * Cg)) & ~7));
}

// Filter transforms kept for the whole call: the first (slots − 1)·4 output channels of a group,
// slots ≤ 17 and within U_CACHE_BYTES (at least 2: the last slot is recomputed per block).
const U_CACHE_BYTES = 640 * 1024;

// @ts-ignore: decorator
@inline
function uSlots(Cg: i32, A: i32): i32 {
  return min(17, max(2, 1 + U_CACHE_BYTES / (A * A * (Cg * 16 + SKEW))));
}

export const WINOGRAD_MIN_IN = 4;
export const WINOGRAD_MIN_OUT = 4;

/**
 * The kernel size r (3 or 5) when Winograd applies to this geometry with C/G input channels, else
 * 0 (the scratch is sized from this); the call also needs OC/G ≥ WINOGRAD_MIN_OUT and data that
 * pass winogradSafe.
 */
export function winogradSize(KH: i32, KW: i32, SH: i32, SW: i32, DH: i32, DW: i32, Cg: i32): i32 {
  if (KH != KW || (KH != 3 && KH != 5) || SH != 1 || SW != 1 || DH != 1 || DW != 1) return 0;
  return Cg >= WINOGRAD_MIN_IN ? KH : 0;
}

/** Scratch bytes of convFwdWinograd for kernel size r and C/G input channels. */
export function winogradScratchBytes(r: i32, Cg: i32): i32 {
  const A = r + 1;
  const NT = tilesPerBlock(Cg, A);
  return A * A * (Cg * NT * 4 + uSlots(Cg, A) * (Cg * 16 + SKEW) + MR * NT * 4 + 2 * SKEW) + TILE_BYTES + ROW_BYTES;
}

// Largest |v| of n floats; NaN if any is NaN (f32x4.max propagates NaN).
export function maxAbs(p: usize, n: i32): f32 {
  let m: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Four accumulators: one f32x4.max chain is latency-bound at a vector per 4 cycles.
    let v = f32x4.splat(0), v1 = v, v2 = v, v3 = v;
    for (; i + 16 <= n; i += 16) {
      const q = p + (<usize>i << 2);
      v = f32x4.max(v, f32x4.abs(v128.load(q)));
      v1 = f32x4.max(v1, f32x4.abs(v128.load(q, 16)));
      v2 = f32x4.max(v2, f32x4.abs(v128.load(q, 32)));
      v3 = f32x4.max(v3, f32x4.abs(v128.load(q, 48)));
    }
    v = f32x4.max(f32x4.max(v, v1), f32x4.max(v2, v3));
    for (; i + 4 <= n; i += 4) v = f32x4.max(v, f32x4.abs(v128.load(p + (<usize>i << 2))));
    m = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  }
  for (; i < n; i++) {
    const a = abs(load<f32>(p + (<usize>i << 2)));
    m = a > m || a != a ? a : m;
  }
  return m;
}

/**
 * Whether the transforms are exact enough to stand in for the direct sum: every x and w finite,
 * and max|x|·max|w| small enough that no transformed partial sum can overflow (|Y| stays below
 * 8·10³·C/G·max|x|·max|w| for r = 5, 81·C/G·… for r = 3; 1e36 leaves a margin).
 */
export function winogradSafe(x: usize, nx: i32, w: usize, nw: i32, Cg: i32): bool {
  const mx = maxAbs(x, nx);
  const mw = maxAbs(w, nw);
  // NOTE: written so that NaN fails (every comparison with NaN is false).
  return mx <= 1e30 && mw <= 1e30 && <f64>mx * <f64>mw * 1e4 * <f64>Cg < 1e36;
}

// ---------------------------------------------------------------------------------------------
// Input rows. A 4-tile group along a row reads columns iw .. iw + α + 5 of α input rows; lane l
// of column j is the pixel at iw + 2l + j.

// Row h of a group, or a zero row when h is outside, or (border groups) the in-image part copied
// into a zero-padded row at tmp (64 bytes).
// @ts-ignore: decorator
@inline
function groupRow(xc: usize, H: i32, W: i32, h: i32, iw: i32, n: i32, inside: bool, tmp: usize, zero: usize): usize {
  if (<u32>h >= <u32>H) return zero;
  const s = xc + (<usize>(h * W + iw) << 2);
  if (inside) return s;
  if (ASC_FEATURE_SIMD) {
    v128.store(tmp, f32x4.splat(0));
    v128.store(tmp, f32x4.splat(0), 16);
    v128.store(tmp, f32x4.splat(0), 32);
    v128.store(tmp, f32x4.splat(0), 48);
  }
  const lo = max(0, -iw);
  const hi = min(n, W - iw);
  for (let q = lo; q < hi; q++) store<f32>(tmp + (<usize>q << 2), load<f32>(s + (<usize>q << 2)));
  return tmp;
}

// Column j of a group row (lanes = tiles): pixels 2l + j of the row at s.
// @ts-ignore: decorator
@inline
function rowCols(s: usize, j: i32): v128 {
  const o = <usize>(j & ~1) << 2;
  if (j & 1) return f32x4.shuffle(v128.load(s + o), v128.load(s + o, 16), 1, 3, 5, 7);
  return f32x4.shuffle(v128.load(s + o), v128.load(s + o, 16), 0, 2, 4, 6);
}

// ---------------------------------------------------------------------------------------------
// F(2, 3) transforms.

// Input transform of one 4-tile group (input origin (ih, iw)) of channel plane xc [H, W]: the 16
// vectors V_ξ (lanes = tiles) stored at dst + ξ·vStride.
function inputGroup3(dst: usize, vStride: usize, xc: usize, H: i32, W: i32, ih: i32, iw: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const inside = iw >= 0 && iw + 10 <= W;
    const zero = tmp + ZERO_ROW;
    const p0 = groupRow(xc, H, W, ih, iw, 10, inside, tmp, zero);
    const p1 = groupRow(xc, H, W, ih + 1, iw, 10, inside, tmp + 64, zero);
    const p2 = groupRow(xc, H, W, ih + 2, iw, 10, inside, tmp + 128, zero);
    const p3 = groupRow(xc, H, W, ih + 3, iw, 10, inside, tmp + 192, zero);
    // Bᵀ d by rows: e0 = d0 − d2, e1 = d1 + d2, e2 = d2 − d1, e3 = d1 − d3, column by column.
    const t = tmp + T1;
    for (let j = 0; j < 4; j++) {
      const d0 = rowCols(p0, j), d1 = rowCols(p1, j), d2 = rowCols(p2, j), d3 = rowCols(p3, j);
      const q = t + (<usize>j << 6);
      v128.store(q, f32x4.sub(d0, d2));
      v128.store(q, f32x4.add(d1, d2), 16);
      v128.store(q, f32x4.sub(d2, d1), 32);
      v128.store(q, f32x4.sub(d1, d3), 48);
    }
    // (Bᵀ d) B by columns, stored as ξ = 4·row + column.
    for (let i = 0; i < 4; i++) {
      const q = t + (<usize>i << 4);
      const e0 = v128.load(q), e1 = v128.load(q, 64), e2 = v128.load(q, 128), e3 = v128.load(q, 192);
      const p = dst + <usize>(i << 2) * vStride;
      v128.store(p, f32x4.sub(e0, e2));
      v128.store(p + vStride, f32x4.add(e1, e2));
      v128.store(p + 2 * vStride, f32x4.sub(e2, e1));
      v128.store(p + 3 * vStride, f32x4.sub(e1, e3));
    }
  }
}

// The taps of a filter for `lanes` filters at once (lanes ≥ lanes zero), as `taps` vectors at t
// (tap-major, 16 bytes each): lane l, tap q from p + l·laneStride + q·4.
// @ts-ignore: decorator
@inline
function gatherTaps(t: usize, p: usize, laneStride: usize, taps: i32, lanes: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let q = 0; q < taps; q++) v128.store(t + (<usize>q << 4), f32x4.splat(0));
    for (let l = 0; l < lanes; l++) {
      const s = p + <usize>l * laneStride;
      const d = t + (<usize>l << 2);
      for (let q = 0; q < taps; q++) store<f32>(d + (<usize>q << 4), load<f32>(s + (<usize>q << 2)));
    }
  }
}

// U = G g Gᵀ as α² A panels of `rows` rows: U_ξ at u + ξ·uStride, (row, lane) at row·16 + lane·4,
// for the filters at w + row·rowStride + lane·laneStride (lanes past `lanes` zero). Forward: rows
// are input channels, lanes output channels; data gradient: the other way round.
export function filterPanels(
  u: usize, uStride: usize, w: usize, rowStride: usize, laneStride: usize, lanes: i32, rows: i32, r: i32, tmp: usize,
): void {
  if (r == 3) filterPanels3(u, uStride, w, rowStride, laneStride, lanes, rows, tmp);
  else filterPanels5(u, uStride, w, rowStride, laneStride, lanes, rows, tmp);
}

function filterPanels3(u: usize, uStride: usize, w: usize, rowStride: usize, laneStride: usize, lanes: i32, rows: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const half = f32x4.splat(0.5);
    const t = tmp + T1;
    for (let c = 0; c < rows; c++) {
      gatherTaps(t, w + <usize>c * rowStride, laneStride, 9, lanes);
      const g0 = v128.load(t), g1 = v128.load(t, 16), g2 = v128.load(t, 32);
      const g3 = v128.load(t, 48), g4 = v128.load(t, 64), g5 = v128.load(t, 80);
      const g6 = v128.load(t, 96), g7 = v128.load(t, 112), g8 = v128.load(t, 128);
      // G g: rows r0 = g row 0, r1 = ½(g0 + g1 + g2), r2 = ½(g0 − g1 + g2), r3 = g row 2 (per column).
      const b0 = f32x4.mul(half, f32x4.add(f32x4.add(g0, g3), g6));
      const b1 = f32x4.mul(half, f32x4.add(f32x4.add(g1, g4), g7));
      const b2 = f32x4.mul(half, f32x4.add(f32x4.add(g2, g5), g8));
      const c0 = f32x4.mul(half, f32x4.add(f32x4.sub(g0, g3), g6));
      const c1 = f32x4.mul(half, f32x4.add(f32x4.sub(g1, g4), g7));
      const c2 = f32x4.mul(half, f32x4.add(f32x4.sub(g2, g5), g8));
      const o = u + (<usize>c << 4);
      storeRowG3(o, uStride, 0, g0, g1, g2, half);
      storeRowG3(o, uStride, 4, b0, b1, b2, half);
      storeRowG3(o, uStride, 8, c0, c1, c2, half);
      storeRowG3(o, uStride, 12, g6, g7, g8, half);
    }
  }
}

// One row of (G g) Gᵀ: [r0, ½(r0 + r1 + r2), ½(r0 − r1 + r2), r2] at ξ = xi..xi+3.
// @ts-ignore: decorator
@inline
function storeRowG3(o: usize, uStride: usize, xi: i32, r0: v128, r1: v128, r2: v128, half: v128): void {
  const p = o + <usize>xi * uStride;
  v128.store(p, r0);
  v128.store(p + uStride, f32x4.mul(half, f32x4.add(f32x4.add(r0, r1), r2)));
  v128.store(p + 2 * uStride, f32x4.mul(half, f32x4.add(f32x4.sub(r0, r1), r2)));
  v128.store(p + 3 * uStride, r2);
}

// Output transform of one 4-tile group for one output channel: M_ξ at m + ξ·mStride (lanes =
// tiles); Y = Aᵀ M A + bias to the 2 × 8 outputs at yp.
// @ts-ignore: decorator
@inline
function outputGroup3(yp: usize, m: usize, mStride: usize, bias: f32, relu: bool, oh: i32, ow: i32, OH: i32, OW: i32): void {
  if (ASC_FEATURE_SIMD) {
    // Aᵀ M: s0_j = m0j + m1j + m2j, s1_j = m1j − m2j − m3j.
    const q = m + 4 * mStride;
    const r = m + 8 * mStride;
    const z = m + 12 * mStride;
    const m10 = v128.load(q), m11 = v128.load(q + mStride), m12 = v128.load(q + 2 * mStride), m13 = v128.load(q + 3 * mStride);
    const m20 = v128.load(r), m21 = v128.load(r + mStride), m22 = v128.load(r + 2 * mStride), m23 = v128.load(r + 3 * mStride);
    const s00 = f32x4.add(f32x4.add(v128.load(m), m10), m20);
    const s01 = f32x4.add(f32x4.add(v128.load(m + mStride), m11), m21);
    const s02 = f32x4.add(f32x4.add(v128.load(m + 2 * mStride), m12), m22);
    const s03 = f32x4.add(f32x4.add(v128.load(m + 3 * mStride), m13), m23);
    const s10 = f32x4.sub(f32x4.sub(m10, m20), v128.load(z));
    const s11 = f32x4.sub(f32x4.sub(m11, m21), v128.load(z + mStride));
    const s12 = f32x4.sub(f32x4.sub(m12, m22), v128.load(z + 2 * mStride));
    const s13 = f32x4.sub(f32x4.sub(m13, m23), v128.load(z + 3 * mStride));
    const y00 = f32x4.add(f32x4.add(s00, s01), s02);
    const y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
    const y10 = f32x4.add(f32x4.add(s10, s11), s12);
    const y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
    storeGroup(yp, y00, y01, y10, y11, bias, relu, oh, ow, OH, OW);
  }
}

// ---------------------------------------------------------------------------------------------
// F(2, 5) transforms (through the temporaries at tmp + T1, tmp + T2).

// Bᵀ of F(2, 3) applied to 4 vectors; results at p + q·stride.
// @ts-ignore: decorator
@inline
export function bt4(p: usize, stride: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(p, f32x4.sub(v0, v2));
    v128.store(p + stride, f32x4.add(v1, v2));
    v128.store(p + 2 * stride, f32x4.sub(v2, v1));
    v128.store(p + 3 * stride, f32x4.sub(v1, v3));
  }
}

// Bᵀ applied to 6 vectors; results at p + q·stride.
// @ts-ignore: decorator
@inline
export function bt6(p: usize, stride: usize, v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128): void {
  if (ASC_FEATURE_SIMD) {
    const h = f32x4.splat(0.5), nh = f32x4.splat(-0.5), k15 = f32x4.splat(1.5), nk15 = f32x4.splat(-1.5);
    const k2 = f32x4.splat(2), nk2 = f32x4.splat(-2), nk25 = f32x4.splat(-2.5);
    // Shared: d = v1 − v3, e = v4 − v2 (madd: one fused multiply-add in the relaxed build).
    const d = f32x4.sub(v1, v3), e = f32x4.sub(v4, v2);
    // o0 = v0 + 1.5v1 − 2v2 − 1.5v3 + v4
    v128.store(p, madd(k15, d, madd(nk2, v2, f32x4.add(v0, v4))));
    // o1 = −v1 − 2.5v2 − .5v3 + v4
    v128.store(p + stride, madd(nk25, v2, madd(nh, v3, f32x4.sub(v4, v1))));
    // o2 = v1 + .5v2 − 2.5v3 + v4
    v128.store(p + 2 * stride, madd(h, v2, madd(nk25, v3, f32x4.add(v1, v4))));
    // o3 = −.5v1 − v2 + .5v3 + v4
    v128.store(p + 3 * stride, madd(nh, d, e));
    // o4 = 2v1 − v2 − 2v3 + v4
    v128.store(p + 4 * stride, madd(k2, d, e));
    // o5 = v1 + 1.5v2 − 2v3 − 1.5v4 + v5
    v128.store(p + 5 * stride, madd(nk15, e, madd(nk2, v3, f32x4.add(v1, v5))));
  }
}

function inputGroup5(dst: usize, vStride: usize, xc: usize, H: i32, W: i32, ih: i32, iw: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const inside = iw >= 0 && iw + 12 <= W;
    const zero = tmp + ZERO_ROW;
    const t = tmp + T1;
    // d B per row i: T1[i][q] at t + (i·6 + q)·16.
    for (let i = 0; i < 6; i++) {
      const s = groupRow(xc, H, W, ih + i, iw, 12, inside, tmp + (<usize>i << 6), zero);
      bt6(t + <usize>(i * 96), 16, rowCols(s, 0), rowCols(s, 1), rowCols(s, 2), rowCols(s, 3), rowCols(s, 4), rowCols(s, 5));
    }
    // Bᵀ (d B) per column q: ξ = 6·p + q.
    for (let q = 0; q < 6; q++) {
      const c = t + (<usize>q << 4);
      bt6(dst + <usize>q * vStride, 6 * vStride, v128.load(c), v128.load(c, 96), v128.load(c, 192),
        v128.load(c, 288), v128.load(c, 384), v128.load(c, 480));
    }
  }
}

// G applied to 5 vectors; results at p + q·stride.
// @ts-ignore: decorator
@inline
function g6(p: usize, stride: usize, v0: v128, v1: v128, v2: v128, v3: v128, v4: v128): void {
  if (ASC_FEATURE_SIMD) {
    const third = f32x4.splat(<f32>(1.0 / 3.0)), fifteenth = f32x4.splat(<f32>(1.0 / 15.0));
    const k2 = f32x4.splat(2), k4 = f32x4.splat(4), k8 = f32x4.splat(8), k16 = f32x4.splat(16);
    const even = f32x4.add(f32x4.add(v0, v2), v4);
    const odd = f32x4.add(v1, v3);
    v128.store(p, v0);
    v128.store(p + stride, f32x4.neg(f32x4.mul(third, f32x4.add(even, odd))));
    v128.store(p + 2 * stride, f32x4.mul(third, f32x4.sub(even, odd)));
    // ¹⁄₁₅(v0 + 2v1 + 4v2 + 8v3 + 16v4), −¹⁄₁₅(16v0 − 8v1 + 4v2 − 2v3 + v4)
    const a = f32x4.add(f32x4.add(v0, f32x4.mul(k4, v2)), f32x4.mul(k16, v4));
    const b = f32x4.add(f32x4.mul(k2, v1), f32x4.mul(k8, v3));
    v128.store(p + 3 * stride, f32x4.mul(fifteenth, f32x4.add(a, b)));
    const c = f32x4.add(f32x4.add(f32x4.mul(k16, v0), f32x4.mul(k4, v2)), v4);
    const d = f32x4.add(f32x4.mul(k8, v1), f32x4.mul(k2, v3));
    v128.store(p + 4 * stride, f32x4.mul(fifteenth, f32x4.sub(d, c)));
    v128.store(p + 5 * stride, v4);
  }
}

function filterPanels5(u: usize, uStride: usize, w: usize, rowStride: usize, laneStride: usize, lanes: i32, rows: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const t = tmp + T1; // taps, 25 vectors
    const gg = tmp + T2; // G g: 6 rows × 5 columns, (i, b) at (i·5 + b)·16
    for (let c = 0; c < rows; c++) {
      gatherTaps(t, w + <usize>c * rowStride, laneStride, 25, lanes);
      for (let b = 0; b < 5; b++) {
        const col = t + (<usize>b << 4);
        g6(gg + (<usize>b << 4), 80, v128.load(col), v128.load(col, 80), v128.load(col, 160),
          v128.load(col, 240), v128.load(col, 320));
      }
      const o = u + (<usize>c << 4);
      for (let i = 0; i < 6; i++) {
        const row = gg + <usize>(i * 80);
        g6(o + <usize>(i * 6) * uStride, uStride, v128.load(row), v128.load(row, 16), v128.load(row, 32),
          v128.load(row, 48), v128.load(row, 64));
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function outputGroup5(yp: usize, m: usize, mStride: usize, bias: f32, relu: bool, oh: i32, ow: i32, OH: i32, OW: i32): void {
  if (ASC_FEATURE_SIMD) {
    const nh = f32x4.splat(-0.5), k2 = f32x4.splat(2);
    const r: usize = 6 * mStride;
    // Aᵀ M per column j, s0_j = m0j + … + m4j, s1_j = m1j − m2j + 2m3j − ½m4j + m5j, folded at
    // once into Y = (Aᵀ M) A: y00 = Σ_j<5 s0_j, y01 = s0_1 − s0_2 + 2s0_3 − ½s0_4 + s0_5 (y1· from s1).
    let c = m;
    let m0 = v128.load(c), m1 = v128.load(c + r), m2 = v128.load(c + 2 * r);
    let m3 = v128.load(c + 3 * r), m4 = v128.load(c + 4 * r), m5 = v128.load(c + 5 * r);
    let s0 = f32x4.add(f32x4.add(m0, m1), f32x4.add(f32x4.add(m2, m3), m4));
    let s1 = madd(nh, m4, madd(k2, m3, f32x4.add(f32x4.sub(m1, m2), m5)));
    let y00 = s0, y10 = s1;
    c = m + 1 * mStride;
    m0 = v128.load(c); m1 = v128.load(c + r); m2 = v128.load(c + 2 * r);
    m3 = v128.load(c + 3 * r); m4 = v128.load(c + 4 * r); m5 = v128.load(c + 5 * r);
    s0 = f32x4.add(f32x4.add(m0, m1), f32x4.add(f32x4.add(m2, m3), m4));
    s1 = madd(nh, m4, madd(k2, m3, f32x4.add(f32x4.sub(m1, m2), m5)));
    y00 = f32x4.add(y00, s0);
    y10 = f32x4.add(y10, s1);
    let y01 = s0, y11 = s1;
    c = m + 2 * mStride;
    m0 = v128.load(c); m1 = v128.load(c + r); m2 = v128.load(c + 2 * r);
    m3 = v128.load(c + 3 * r); m4 = v128.load(c + 4 * r); m5 = v128.load(c + 5 * r);
    s0 = f32x4.add(f32x4.add(m0, m1), f32x4.add(f32x4.add(m2, m3), m4));
    s1 = madd(nh, m4, madd(k2, m3, f32x4.add(f32x4.sub(m1, m2), m5)));
    y00 = f32x4.add(y00, s0);
    y10 = f32x4.add(y10, s1);
    y01 = f32x4.sub(y01, s0);
    y11 = f32x4.sub(y11, s1);
    c = m + 3 * mStride;
    m0 = v128.load(c); m1 = v128.load(c + r); m2 = v128.load(c + 2 * r);
    m3 = v128.load(c + 3 * r); m4 = v128.load(c + 4 * r); m5 = v128.load(c + 5 * r);
    s0 = f32x4.add(f32x4.add(m0, m1), f32x4.add(f32x4.add(m2, m3), m4));
    s1 = madd(nh, m4, madd(k2, m3, f32x4.add(f32x4.sub(m1, m2), m5)));
    y00 = f32x4.add(y00, s0);
    y10 = f32x4.add(y10, s1);
    y01 = madd(k2, s0, y01);
    y11 = madd(k2, s1, y11);
    c = m + 4 * mStride;
    m0 = v128.load(c); m1 = v128.load(c + r); m2 = v128.load(c + 2 * r);
    m3 = v128.load(c + 3 * r); m4 = v128.load(c + 4 * r); m5 = v128.load(c + 5 * r);
    s0 = f32x4.add(f32x4.add(m0, m1), f32x4.add(f32x4.add(m2, m3), m4));
    s1 = madd(nh, m4, madd(k2, m3, f32x4.add(f32x4.sub(m1, m2), m5)));
    y00 = f32x4.add(y00, s0);
    y10 = f32x4.add(y10, s1);
    y01 = madd(nh, s0, y01);
    y11 = madd(nh, s1, y11);
    c = m + 5 * mStride;
    m0 = v128.load(c); m1 = v128.load(c + r); m2 = v128.load(c + 2 * r);
    m3 = v128.load(c + 3 * r); m4 = v128.load(c + 4 * r); m5 = v128.load(c + 5 * r);
    s0 = f32x4.add(f32x4.add(m0, m1), f32x4.add(f32x4.add(m2, m3), m4));
    s1 = madd(nh, m4, madd(k2, m3, f32x4.add(f32x4.sub(m1, m2), m5)));
    y01 = f32x4.add(y01, s0);
    y11 = f32x4.add(y11, s1);
    storeGroup(yp, y00, y01, y10, y11, bias, relu, oh, ow, OH, OW);
  }
}

// ---------------------------------------------------------------------------------------------

// The 2×2 outputs of 4 tiles (lanes) plus bias (then ReLU), to rows oh, oh + 1 and columns ow .. ow + 7 at
// yp, clipped to OH × OW.
// @ts-ignore: decorator
@inline
function storeGroup(yp: usize, y00: v128, y01: v128, y10: v128, y11: v128, bias: f32, relu: bool, oh: i32, ow: i32, OH: i32, OW: i32): void {
  if (ASC_FEATURE_SIMD) {
    const vb = f32x4.splat(bias);
    let u00 = f32x4.add(y00, vb), u01 = f32x4.add(y01, vb), u10 = f32x4.add(y10, vb), u11 = f32x4.add(y11, vb);
    if (relu) {
      const z = f32x4.splat(0);
      u00 = f32x4.max(u00, z); u01 = f32x4.max(u01, z); u10 = f32x4.max(u10, z); u11 = f32x4.max(u11, z);
    }
    // Interleave the tiles' two columns: 8 consecutive outputs per row.
    const r0a = f32x4.shuffle(u00, u01, 0, 4, 1, 5), r0b = f32x4.shuffle(u00, u01, 2, 6, 3, 7);
    const r1a = f32x4.shuffle(u10, u11, 0, 4, 1, 5), r1b = f32x4.shuffle(u10, u11, 2, 6, 3, 7);
    const rowB: usize = <usize>OW << 2;
    if (ow + 8 <= OW && oh + 2 <= OH) {
      v128.store(yp, r0a);
      v128.store(yp, r0b, 16);
      v128.store(yp + rowB, r1a);
      v128.store(yp + rowB, r1b, 16);
      return;
    }
    const n = min(8, OW - ow);
    if (n <= 0) return;
    storePartial(yp, r0a, r0b, n);
    if (oh + 1 < OH) storePartial(yp + rowB, r1a, r1b, n);
  }
}

// @ts-ignore: decorator
@inline
function storePartial(p: usize, a: v128, b: v128, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    if (n > 0) store<f32>(p, f32x4.extract_lane(a, 0));
    if (n > 1) store<f32>(p, f32x4.extract_lane(a, 1), 4);
    if (n > 2) store<f32>(p, f32x4.extract_lane(a, 2), 8);
    if (n > 3) store<f32>(p, f32x4.extract_lane(a, 3), 12);
    if (n > 4) store<f32>(p, f32x4.extract_lane(b, 0), 16);
    if (n > 5) store<f32>(p, f32x4.extract_lane(b, 1), 20);
    if (n > 6) store<f32>(p, f32x4.extract_lane(b, 2), 24);
    if (n > 7) store<f32>(p, f32x4.extract_lane(b, 3), 28);
  }
}

// Tail kernels for a last block of 1 or 2 output channels (rows of the A panel; its other lanes
// are zero): a 4×8 tile would spend 4 or 2× the multiplies. One row spans 4 B panels and two rows
// 2 panels so that 8 accumulators hide the multiply-add latency (3 rows: micro4x8 is as fast).
// M row i at m + i·ldm; columns j·8 from panel j.
function mulRow1(ap: usize, bp: usize, kc: i32, m: usize, np: i32, panelBytes: usize): void {
  if (ASC_FEATURE_SIMD) {
    let j = 0;
    for (; j + 4 <= np; j += 4) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
      let a = ap;
      let b = bp + <usize>j * panelBytes;
      const aEnd = ap + (<usize>kc << 4);
      while (a < aEnd) {
        const av = v128.load32_splat(a);
        c0 = madd(av, v128.load(b), c0);
        c1 = madd(av, v128.load(b, 16), c1);
        c2 = madd(av, v128.load(b + panelBytes), c2);
        c3 = madd(av, v128.load(b + panelBytes, 16), c3);
        c4 = madd(av, v128.load(b + 2 * panelBytes), c4);
        c5 = madd(av, v128.load(b + 2 * panelBytes, 16), c5);
        c6 = madd(av, v128.load(b + 3 * panelBytes), c6);
        c7 = madd(av, v128.load(b + 3 * panelBytes, 16), c7);
        a += 16;
        b += 32;
      }
      const c = m + (<usize>j << 5);
      v128.store(c, c0); v128.store(c, c1, 16); v128.store(c, c2, 32); v128.store(c, c3, 48);
      v128.store(c, c4, 64); v128.store(c, c5, 80); v128.store(c, c6, 96); v128.store(c, c7, 112);
    }
    for (; j < np; j++) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      let a = ap;
      let b = bp + <usize>j * panelBytes;
      const aEnd = ap + (<usize>kc << 4);
      while (a < aEnd) {
        const av = v128.load32_splat(a);
        c0 = madd(av, v128.load(b), c0);
        c1 = madd(av, v128.load(b, 16), c1);
        a += 16;
        b += 32;
      }
      const c = m + (<usize>j << 5);
      v128.store(c, c0); v128.store(c, c1, 16);
    }
  }
}

function mulRows2(ap: usize, bp: usize, kc: i32, m: usize, ldm: usize, np: i32, panelBytes: usize): void {
  if (ASC_FEATURE_SIMD) {
    let j = 0;
    for (; j < np; j += 2) {
      const two = j + 1 < np;
      const b2 = two ? panelBytes : 0; // a lone last panel: the second half recomputes it
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      let a = ap;
      let b = bp + <usize>j * panelBytes;
      const aEnd = ap + (<usize>kc << 4);
      while (a < aEnd) {
        const x0 = v128.load(b), x1 = v128.load(b, 16), x2 = v128.load(b + b2), x3 = v128.load(b + b2, 16);
        let av = v128.load32_splat(a);
        c00 = madd(av, x0, c00);
        c01 = madd(av, x1, c01);
        c02 = madd(av, x2, c02);
        c03 = madd(av, x3, c03);
        av = v128.load32_splat(a, 4);
        c10 = madd(av, x0, c10);
        c11 = madd(av, x1, c11);
        c12 = madd(av, x2, c12);
        c13 = madd(av, x3, c13);
        a += 16;
        b += 32;
      }
      const c = m + (<usize>j << 5);
      v128.store(c, c00); v128.store(c, c01, 16);
      v128.store(c + ldm, c10); v128.store(c + ldm, c11, 16);
      if (two) {
        v128.store(c, c02, 32); v128.store(c, c03, 48);
        v128.store(c + ldm, c12, 32); v128.store(c + ldm, c13, 48);
      }
    }
  }
}

/**
 * y[B, OC, OH, OW] = conv(x, w) + bias (then ReLU; `epilogue` as f32_conv2d_fwd's) for an r×r (r = 3 or 5) stride-1 undilated conv, any
 * padding and groups, by Winograd F(2×2, r×r). Tiles of every image are numbered b, ty, tx with
 * tx padded to a multiple of 4 (groups of 4 tiles share a vector); a block of NT tiles is
 * transformed, then for each 4 output channels: U panels, α² GEMMs into M, output transform.
 */
export function convFwdWinograd(
  y: usize, x: usize, w: usize, bias: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, r: i32, PH: i32, PW: i32, G: i32, OH: i32, OW: i32,
  epilogue: i32, scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const relu = (epilogue & EPI_RELU) != 0;
    const Cg = C / G;
    const OCg = OC / G;
    const A = r + 1;
    const XI = A * A;
    const NT = tilesPerBlock(Cg, A);
    const TH = (OH + 1) >> 1;
    const TW4 = ((OW + 1) >> 1) + 3 & ~3; // tiles per row, padded to groups of 4
    const perImage = TH * TW4;
    const total = B * perImage;
    // Scratch: V [XI][NT/8 panels][Cg][8], U [slots][XI][Cg][4], M [XI][4][NT], tile, temporaries.
    const slots = uSlots(Cg, A);
    const vStride: usize = (<usize>(Cg * NT) << 2) + SKEW; // one ξ of V
    const v = scratch;
    const u = v + <usize>XI * vStride;
    const uStride: usize = (<usize>Cg << 4) + SKEW;
    const uSlot: usize = <usize>XI * uStride;
    const mbuf = u + <usize>slots * uSlot;
    const ocStride: usize = <usize>(Cg * r * r) << 2;
    const ldm: usize = <usize>NT << 2; // one row of M_ξ
    const mStride: usize = <usize>MR * ldm + <usize>SKEW; // one ξ of M
    const tile = mbuf + <usize>XI * mStride;
    const tmp = tile + TILE_BYTES;
    const plane: usize = <usize>H * <usize>W << 2;
    const yPlane: usize = <usize>OH * <usize>OW << 2;
    const panelBytes: usize = <usize>Cg << 5;
    for (let q = 0; q < 64; q += 16) v128.store(tmp + ZERO_ROW + q, f32x4.splat(0));
    for (let g = 0; g < G; g++) {
      const wg = w + (<usize>(g * OCg) * <usize>(Cg * r * r) << 2);
      for (let t0 = 0; t0 < total; t0 += NT) {
        const nt = min(NT, total - t0);
        const np = (nt + NR - 1) / NR;
        // Input transform: every 4-tile group of the block, every channel (consecutive channels
        // are consecutive rows of a panel).
        let b = t0 / perImage;
        const rest = t0 - b * perImage;
        let ty = rest / TW4;
        let tx = rest - ty * TW4;
        for (let t = 0; t < nt; t += 4) {
          const xb = x + (<usize>(b * C + g * Cg)) * plane;
          // Tile t of the block: panel t/8, half (t/4)&1 → columns 4·half.
          const dst = v + <usize>(t >> 3) * panelBytes + (<usize>(t & 4) << 2);
          for (let c = 0; c < Cg; c++) {
            if (r == 3) inputGroup3(dst + (<usize>c << 5), vStride, xb + <usize>c * plane, H, W, 2 * ty - PH, 2 * tx - PW, tmp);
            else inputGroup5(dst + (<usize>c << 5), vStride, xb + <usize>c * plane, H, W, 2 * ty - PH, 2 * tx - PW, tmp);
          }
          tx += 4;
          if (tx == TW4) {
            tx = 0;
            if (++ty == TH) {
              ty = 0;
              b++;
            }
          }
        }
        if (nt & 4) {
          // Half-empty last panel: zero its second half (its columns are never stored).
          zeroHalfPanel(v + <usize>(nt >> 3) * panelBytes, Cg, XI, vStride);
        }
        for (let ir = 0; ir < OCg; ir += MR) {
          const mr = min(MR, OCg - ir);
          // U panels of these output channels: computed once per group for the first U_CACHED
          // channels, per block for the rest (the last slot).
          const slot = min(ir / MR, slots - 1);
          const us = u + <usize>slot * uSlot;
          if (t0 == 0 || slot == slots - 1) {
            filterPanels(us, uStride, wg + <usize>ir * ocStride, <usize>(r * r) << 2, ocStride, mr, Cg, r, tmp);
          }
          for (let xi = 0; xi < XI; xi++) {
            const ax = us + <usize>xi * uStride;
            const bx = v + <usize>xi * vStride;
            const mx = mbuf + <usize>xi * mStride;
            if (mr == 1) mulRow1(ax, bx, Cg, mx, np, panelBytes);
            else if (mr == 2) mulRows2(ax, bx, Cg, mx, ldm, np, panelBytes);
            else {
              for (let j = 0; j < np; j++) {
                micro4x8(ax, bx + <usize>j * panelBytes, Cg, mx + (<usize>j << 5), ldm, 1, 0, MR, NR, tile, 0, 0);
              }
            }
          }
          // Output transform for the mr channels.
          for (let i = 0; i < mr; i++) {
            const oc = g * OCg + ir + i;
            const bv: f32 = epilogue & EPI_BIAS_ROWS ? load<f32>(bias + (<usize>oc << 2)) : 0;
            let b = t0 / perImage;
            const rest = t0 - b * perImage;
            let ty = rest / TW4;
            let tx = rest - ty * TW4;
            const mi = mbuf + <usize>i * ldm;
            for (let t = 0; t < nt; t += 4) {
              const oh = 2 * ty;
              const ow = 2 * tx;
              const yp = y + (<usize>(b * OC + oc)) * yPlane + (<usize>(oh * OW + ow) << 2);
              if (r == 3) outputGroup3(yp, mi + (<usize>t << 2), mStride, bv, relu, oh, ow, OH, OW);
              else outputGroup5(yp, mi + (<usize>t << 2), mStride, bv, relu, oh, ow, OH, OW);
              tx += 4;
              if (tx == TW4) {
                tx = 0;
                if (++ty == TH) {
                  ty = 0;
                  b++;
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Zeroes the second half (columns 4–7) of every row of an 8-column panel, in each of the XI
 * transform points `stride` bytes apart: a last panel holding only 4 tiles.
 */
// @ts-ignore: decorator
@inline
export function zeroHalfPanel(panel: usize, rows: i32, XI: i32, stride: usize): void {
  const dst = panel + 16;
  for (let r = 0; r < rows; r++) {
    for (let xi = 0; xi < XI; xi++) v128.store(dst + (<usize>r << 5) + <usize>xi * stride, f32x4.splat(0));
  }
}
