// Backward of the Winograd F(2×2, r×r) convolution (r = 3, 5; stride 1, undilated; SIMD build only):
// the transposes of the forward's transforms. Per 2×2 tile of dy, Ȳ = A dy Aᵀ (α×α, A = (Aᵀ)ᵀ);
//   weight gradient  dW = Gᵀ [Σ_tiles Ȳ ⊙ (Bᵀ d B)] G   (α² GEMMs [OC × tiles]·[tiles × C]),
//   data gradient    dx += B [Σ_oc U ⊙ Ȳ] Bᵀ, overlap-added at the tile's input patch
//                    (α² GEMMs [C × OC]·[OC × tiles]; U = G g Gᵀ as in the forward),
// 2.8× (5×5) and 2.25× (3×3) fewer multiplies than the im2col GEMMs. Not exported from the module;
// f32_conv2d_bwd (conv_backward.ts) calls it after winogradBwdSafe. Spec: the direct-loop twin in
// src/kernels/reference/conv_backward.ts. Matrices: see winograd.ts.

import { MR, NR, micro4x8, trStore4 } from './gemm_tile';
import { filterPanels, maxAbs, bt4, bt6, WINO_TMP_BYTES, SKEW, zeroHalfPanel } from './winograd';

const TILE_BYTES = MR * NR * 4;
// Temporaries (after filterPanels' own WINO_TMP_BYTES): gathered patch, transform halves, output.
const S1 = WINO_TMP_BYTES;
const S2 = S1 + 36 * 16;
const S3 = S2 + 36 * 16;
const TMP_BYTES = S3 + 36 * 16;
// Weight gradient: transformed x block at most DW_BYTES (KT tiles, a multiple of 4).
const DW_BYTES = 768 * 1024;
const KT_MAX = 512;
// Data gradient: output channels per reduction chunk, and Ȳ + dX̄ blocks at most DX_BYTES.
const OCB = 64;
const DX_BYTES = 1024 * 1024;
const NTX_MAX = 256;

// @ts-ignore: decorator
@inline
function dwTiles(Cg: i32, A: i32): i32 {
  const Cg8 = (Cg + 7) & ~7;
  return min(KT_MAX, max(4, (DW_BYTES / (A * A * 4 * Cg8)) & ~3));
}

// @ts-ignore: decorator
@inline
function dxTiles(Cg: i32, A: i32): i32 {
  const Cg4 = (Cg + 3) & ~3;
  return min(NTX_MAX, max(NR, (DX_BYTES / (A * A * 4 * (OCB + Cg4))) & ~7));
}

// Filter-transform slots of the data gradient: one per 4 input channels when they fit in
// U_CACHE_BYTES (then computed once per group), else a single slot recomputed for each use.
const U_CACHE_BYTES = 1024 * 1024;

// @ts-ignore: decorator
@inline
function uQuads(Cg: i32, A: i32): i32 {
  const quads = (Cg + 3) >> 2;
  return quads * A * A * (OCB * 16 + SKEW) <= U_CACHE_BYTES ? quads : 1;
}

/** Scratch bytes of the Winograd backward (both gradients) for kernel size r, C/G channels. */
export function winogradBwdScratchBytes(r: i32, Cg: i32): i32 {
  const A = r + 1;
  const XI = A * A;
  const Cg8 = (Cg + 7) & ~7;
  const Cg4 = (Cg + 3) & ~3;
  const KT = dwTiles(Cg, A);
  const NT = dxTiles(Cg, A);
  const dwBytes = XI * (Cg8 * KT * 4 + KT * 16 + MR * Cg8 * 4 + 3 * SKEW);
  const dxBytes = XI * (OCB * NT * 4 + Cg4 * NT * 4 + 2 * SKEW) + uQuads(Cg, A) * XI * (OCB * 16 + SKEW);
  return max(dwBytes, dxBytes) + TILE_BYTES + TMP_BYTES;
}

/**
 * Whether the transposed transforms can stand in for the direct sums: x, w, dy finite, and their
 * magnitudes far enough from the f32 range that no transformed partial sum overflows (the bound
 * 1e4·(B·OH·OW + OC)·max|a|·max|b| covers every product of the two passes).
 */
export function winogradBwdSafe(x: usize, nx: i32, w: usize, nw: i32, dy: usize, ndy: i32, n: i32): bool {
  const mx = maxAbs(x, nx);
  const mw = maxAbs(w, nw);
  const md = maxAbs(dy, ndy);
  // NOTE: written so that NaN fails (every comparison with NaN is false).
  if (!(mx <= 1e30 && mw <= 1e30 && md <= 1e30)) return false;
  const f = 1e4 * <f64>n;
  return <f64>md * <f64>mx * f < 1e36 && <f64>md * <f64>mw * f < 1e36;
}

// ---------------------------------------------------------------------------------------------
// Small transforms on vectors.

// A of F(2, r) (α × 2) applied to (v0, v1); results at p + i·stride.
// r = 3: [v0, v0 + v1, v0 − v1, −v1]; r = 5: [v0, v0 + v1, v0 − v1, v0 + 2v1, v0 − ½v1, v1].
// @ts-ignore: decorator
@inline
function aT(p: usize, stride: usize, v0: v128, v1: v128, r: i32): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(p, v0);
    v128.store(p + stride, f32x4.add(v0, v1));
    v128.store(p + 2 * stride, f32x4.sub(v0, v1));
    if (r == 3) {
      v128.store(p + 3 * stride, f32x4.neg(v1));
    } else {
      v128.store(p + 3 * stride, f32x4.add(v0, f32x4.add(v1, v1)));
      v128.store(p + 4 * stride, f32x4.sub(v0, f32x4.mul(f32x4.splat(0.5), v1)));
      v128.store(p + 5 * stride, v1);
    }
  }
}

// Gᵀ (r × α) applied to α vectors at s + i·sStride; results at p + q·stride.
// @ts-ignore: decorator
@inline
function gT(p: usize, stride: usize, s: usize, sStride: usize, r: i32): void {
  if (ASC_FEATURE_SIMD) {
    const v0 = v128.load(s), v1 = v128.load(s + sStride), v2 = v128.load(s + 2 * sStride), v3 = v128.load(s + 3 * sStride);
    if (r == 3) {
      const h = f32x4.splat(0.5);
      const e = f32x4.mul(h, f32x4.add(v1, v2));
      v128.store(p, f32x4.add(v0, e));
      v128.store(p + stride, f32x4.mul(h, f32x4.sub(v1, v2)));
      v128.store(p + 2 * stride, f32x4.add(e, v3));
    } else {
      const v4 = v128.load(s + 4 * sStride), v5 = v128.load(s + 5 * sStride);
      const third = f32x4.splat(<f32>(1.0 / 3.0)), fifteenth = f32x4.splat(<f32>(1.0 / 15.0));
      const k2 = f32x4.splat(2), k4 = f32x4.splat(4), k8 = f32x4.splat(8), k16 = f32x4.splat(16);
      const d = f32x4.mul(third, f32x4.sub(v2, v1)); // −⅓v1 + ⅓v2
      const sm = f32x4.mul(third, f32x4.add(v1, v2)); // ⅓(v1 + v2)
      v128.store(p, f32x4.add(f32x4.add(v0, d), f32x4.mul(fifteenth, f32x4.sub(v3, f32x4.mul(k16, v4)))));
      v128.store(p + stride, f32x4.sub(f32x4.mul(fifteenth, f32x4.add(f32x4.mul(k2, v3), f32x4.mul(k8, v4))), sm));
      v128.store(p + 2 * stride, f32x4.add(d, f32x4.mul(fifteenth, f32x4.mul(k4, f32x4.sub(v3, v4)))));
      v128.store(p + 3 * stride, f32x4.sub(f32x4.mul(fifteenth, f32x4.add(f32x4.mul(k8, v3), f32x4.mul(k2, v4))), sm));
      v128.store(p + 4 * stride, f32x4.add(f32x4.add(d, v5), f32x4.mul(fifteenth, f32x4.sub(f32x4.mul(k16, v3), v4))));
    }
  }
}

// B (α × α, the transpose of Bᵀ) applied to α vectors at s + i·sStride; results at p + q·stride.
// @ts-ignore: decorator
@inline
function bB(p: usize, stride: usize, s: usize, sStride: usize, r: i32): void {
  if (ASC_FEATURE_SIMD) {
    const v0 = v128.load(s), v1 = v128.load(s + sStride), v2 = v128.load(s + 2 * sStride), v3 = v128.load(s + 3 * sStride);
    if (r == 3) {
      v128.store(p, v0);
      v128.store(p + stride, f32x4.add(f32x4.sub(v1, v2), v3));
      v128.store(p + 2 * stride, f32x4.sub(f32x4.add(v1, v2), v0));
      v128.store(p + 3 * stride, f32x4.neg(v3));
    } else {
      const v4 = v128.load(s + 4 * sStride), v5 = v128.load(s + 5 * sStride);
      const h = f32x4.splat(0.5), k15 = f32x4.splat(1.5), k2 = f32x4.splat(2), k25 = f32x4.splat(2.5);
      v128.store(p, v0);
      // 1.5v0 − v1 + v2 − .5v3 + 2v4 + v5
      v128.store(p + stride, f32x4.add(f32x4.add(f32x4.sub(v2, v1), v5),
        f32x4.add(f32x4.mul(k15, v0), f32x4.sub(f32x4.mul(k2, v4), f32x4.mul(h, v3)))));
      // −2v0 − 2.5v1 + .5v2 − v3 − v4 + 1.5v5
      v128.store(p + 2 * stride, f32x4.sub(f32x4.add(f32x4.mul(h, v2), f32x4.mul(k15, v5)),
        f32x4.add(f32x4.add(f32x4.mul(k2, v0), f32x4.mul(k25, v1)), f32x4.add(v3, v4))));
      // −1.5v0 − .5v1 − 2.5v2 + .5v3 − 2v4 − 2v5
      v128.store(p + 3 * stride, f32x4.sub(f32x4.mul(h, f32x4.sub(v3, v1)),
        f32x4.add(f32x4.add(f32x4.mul(k15, v0), f32x4.mul(k25, v2)), f32x4.mul(k2, f32x4.add(v4, v5)))));
      // v0 + v1 + v2 + v3 + v4 − 1.5v5
      v128.store(p + 4 * stride, f32x4.sub(f32x4.add(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)), v4), f32x4.mul(k15, v5)));
      v128.store(p + 5 * stride, v5);
    }
  }
}

// Bᵀ applied to α vectors at s + i·sStride; results at p + q·stride.
// @ts-ignore: decorator
@inline
function bT(p: usize, stride: usize, s: usize, sStride: usize, r: i32): void {
  if (ASC_FEATURE_SIMD) {
    const v0 = v128.load(s), v1 = v128.load(s + sStride), v2 = v128.load(s + 2 * sStride), v3 = v128.load(s + 3 * sStride);
    if (r == 3) bt4(p, stride, v0, v1, v2, v3);
    else bt6(p, stride, v0, v1, v2, v3, v128.load(s + 4 * sStride), v128.load(s + 5 * sStride));
  }
}

// Ȳ = A ȳ Aᵀ from the 2×2 tile ȳ (vectors at s, s+16 = row 0, s+32, s+48 = row 1); the α² results
// at p + ξ·stride. Uses t (2α vectors).
// @ts-ignore: decorator
@inline
function tileYbar(p: usize, stride: usize, s: usize, t: usize, r: i32): void {
  if (ASC_FEATURE_SIMD) {
    const A = r + 1;
    // z[i][b] = (A ȳ)[i][b] at t + (i·2 + b)·16
    aT(t, 32, v128.load(s), v128.load(s, 32), r);
    aT(t + 16, 32, v128.load(s, 16), v128.load(s, 48), r);
    for (let i = 0; i < A; i++) {
      const z = t + (<usize>i << 5);
      aT(p + <usize>(i * A) * stride, stride, v128.load(z), v128.load(z, 16), r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Weight gradient. Tiles t = (b·TH + ty)·TW + tx over all images; lanes are channels.

// Bᵀ d B of the α×α patch at (ih, iw) of `lanes` consecutive channel planes (lanes past that zero),
// lanes = channels; the α² vectors at dst + ξ·vStride.
function patchV(dst: usize, vStride: usize, xc: usize, plane: usize, lanes: i32, ih: i32, iw: i32, H: i32, W: i32, r: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const A = r + 1;
    const d = tmp + S1;
    if (lanes == 4 && ih >= 0 && ih + A <= H && iw >= 0 && iw + A <= W) {
      // Inside the image: each row of the 4 planes transposed into lanes, 4 columns at a time
      // (α = 6: columns 0..3 and 2..5, the overlap written twice).
      let s0 = xc + (<usize>(ih * W + iw) << 2);
      const rowX: usize = <usize>W << 2;
      for (let i = 0; i < A; i++) {
        const s1 = s0 + plane, s2 = s1 + plane, s3 = s2 + plane;
        const di = d + <usize>(i * A << 4);
        trStore4(di, 16, v128.load(s0), v128.load(s1), v128.load(s2), v128.load(s3));
        if (A == 6) trStore4(di + 32, 16, v128.load(s0, 8), v128.load(s1, 8), v128.load(s2, 8), v128.load(s3, 8));
        s0 += rowX;
      }
    } else {
      for (let q = 0; q < A * A; q++) v128.store(d + (<usize>q << 4), f32x4.splat(0));
      const h0 = max(0, -ih), h1 = min(A, H - ih);
      const w0 = max(0, -iw), w1 = min(A, W - iw);
      for (let l = 0; l < lanes; l++) {
        const src = xc + <usize>l * plane;
        const dl = d + (<usize>l << 2);
        for (let i = h0; i < h1; i++) {
          const row = src + (<usize>((ih + i) * W + iw) << 2);
          const di = dl + <usize>(i * A << 4);
          for (let j = w0; j < w1; j++) store<f32>(di + (<usize>j << 4), load<f32>(row + (<usize>j << 2)));
        }
      }
    }
    // d B by rows (into S2), then Bᵀ by columns into dst.
    const e = tmp + S2;
    const rowB: usize = <usize>A << 4;
    for (let i = 0; i < A; i++) bT(e + <usize>i * rowB, 16, d + <usize>i * rowB, 16, r);
    for (let j = 0; j < A; j++) bT(dst + <usize>j * vStride, <usize>A * vStride, e + (<usize>j << 4), rowB, r);
  }
}

// Ȳ of the 2×2 dy tile at (oh, ow) for `lanes` consecutive output-channel planes (lanes = output
// channels); the α² vectors at dst + ξ·stride; the tile's sum added to `sums` (a vector).
// @ts-ignore: decorator
@inline
function patchYbarOC(dst: usize, stride: usize, dyc: usize, plane: usize, lanes: i32, oh: i32, ow: i32, OH: i32, OW: i32, r: i32, tmp: usize): v128 {
  if (ASC_FEATURE_SIMD) {
    const s = tmp + S1;
    const two = oh + 1 < OH;
    const wide = ow + 1 < OW;
    if (lanes == 4 && two && wide) {
      // Rows of the 4 planes as 64-bit loads, deinterleaved into ȳ[a][b] (lanes = channels).
      const p0 = dyc + (<usize>(oh * OW + ow) << 2);
      const p1 = p0 + plane, p2 = p1 + plane, p3 = p2 + plane;
      const rowY: usize = <usize>OW << 2;
      const a01 = f32x4.shuffle(v128.load64_zero(p0), v128.load64_zero(p1), 0, 1, 4, 5);
      const a23 = f32x4.shuffle(v128.load64_zero(p2), v128.load64_zero(p3), 0, 1, 4, 5);
      const b01 = f32x4.shuffle(v128.load64_zero(p0 + rowY), v128.load64_zero(p1 + rowY), 0, 1, 4, 5);
      const b23 = f32x4.shuffle(v128.load64_zero(p2 + rowY), v128.load64_zero(p3 + rowY), 0, 1, 4, 5);
      const y00 = f32x4.shuffle(a01, a23, 0, 2, 4, 6), y01 = f32x4.shuffle(a01, a23, 1, 3, 5, 7);
      const y10 = f32x4.shuffle(b01, b23, 0, 2, 4, 6), y11 = f32x4.shuffle(b01, b23, 1, 3, 5, 7);
      v128.store(s, y00);
      v128.store(s, y01, 16);
      v128.store(s, y10, 32);
      v128.store(s, y11, 48);
      tileYbar(dst, stride, s, tmp + S2, r);
      return f32x4.add(f32x4.add(y00, y01), f32x4.add(y10, y11));
    }
    for (let q = 0; q < 4; q++) v128.store(s + (<usize>q << 4), f32x4.splat(0));
    for (let l = 0; l < lanes; l++) {
      const p = dyc + <usize>l * plane + (<usize>(oh * OW + ow) << 2);
      const d = s + (<usize>l << 2);
      store<f32>(d, load<f32>(p));
      if (wide) store<f32>(d, load<f32>(p, 4), 16);
      if (two) {
        const q = p + (<usize>OW << 2);
        store<f32>(d, load<f32>(q), 32);
        if (wide) store<f32>(d, load<f32>(q, 4), 48);
      }
    }
    tileYbar(dst, stride, s, tmp + S2, r);
    return f32x4.add(f32x4.add(v128.load(s), v128.load(s, 16)), f32x4.add(v128.load(s, 32), v128.load(s, 48)));
  }
  return unreachable();
}

/**
 * dw (overwritten) and, when dbias ≠ 0, dbias (overwritten) of an r×r stride-1 undilated conv
 * by the transposed Winograd F(2×2, r×r): per block of KT tiles, V = Bᵀ d B of every channel;
 * per 4 output channels Ȳ, α² GEMMs Ȳ_ξ·V_ξᵀ, then dw += Gᵀ (·) G.
 */
export function convBwdWeightWinograd(
  dw: usize, dbias: usize, dy: usize, x: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, r: i32, PH: i32, PW: i32, G: i32, OH: i32, OW: i32,
  scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const Cg = C / G;
    const OCg = OC / G;
    const A = r + 1;
    const XI = A * A;
    const RR = r * r;
    const Cg8 = (Cg + 7) & ~7;
    const KT = dwTiles(Cg, A);
    const TH = (OH + 1) >> 1;
    const TW = (OW + 1) >> 1;
    const perImage = TH * TW;
    const total = B * perImage;
    const blocks = (total + KT - 1) / KT;
    const kcMax = ((total + blocks - 1) / blocks + 3) & ~3;
    // Scratch: V [XI][Cg8/8 panels][kc][8], Ȳ [XI][kc][4], Mw [XI][4][Cg8], tile, temporaries.
    const vStride: usize = (<usize>(Cg8 * KT) << 2) + SKEW;
    const v = scratch;
    const yb = v + <usize>XI * vStride;
    const yStride: usize = (<usize>KT << 4) + SKEW;
    const mw = yb + <usize>XI * yStride;
    const ldc: usize = <usize>Cg8 << 2;
    const mwStride: usize = <usize>MR * ldc + <usize>SKEW;
    const tile = mw + <usize>XI * mwStride;
    const tmp = tile + TILE_BYTES;
    const plane: usize = <usize>H * <usize>W << 2;
    const oPlane: usize = <usize>OH * <usize>OW << 2;
    memory.fill(dw, 0, <usize>(OC * Cg * RR) << 2);
    if (dbias) memory.fill(dbias, 0, <usize>OC << 2);
    for (let g = 0; g < G; g++) {
      for (let t0 = 0; t0 < total; t0 += kcMax) {
        const kc = min(kcMax, total - t0);
        const panelBytes: usize = <usize>kc << 5;
        // V for every channel of the block's tiles.
        let b = t0 / perImage;
        let rest = t0 - b * perImage;
        let ty = rest / TW;
        let tx = rest - ty * TW;
        for (let t = 0; t < kc; t++) {
          const xb = x + (<usize>(b * C + g * Cg)) * plane;
          for (let cq = 0; cq < Cg8; cq += 4) {
            const dst = v + <usize>(cq >> 3) * panelBytes + (<usize>t << 5) + (<usize>(cq & 4) << 2);
            patchV(dst, vStride, xb + <usize>cq * plane, plane, min(4, Cg - cq), 2 * ty - PH, 2 * tx - PW, H, W, r, tmp);
          }
          if (++tx == TW) {
            tx = 0;
            if (++ty == TH) {
              ty = 0;
              b++;
            }
          }
        }
        for (let ir = 0; ir < OCg; ir += MR) {
          const mr = min(MR, OCg - ir);
          const oc0 = g * OCg + ir;
          // Ȳ of the block's tiles for output channels oc0 .. oc0 + mr, and their dy sums.
          b = t0 / perImage;
          rest = t0 - b * perImage;
          ty = rest / TW;
          tx = rest - ty * TW;
          let sums = f32x4.splat(0);
          for (let t = 0; t < kc; t++) {
            const dyc = dy + (<usize>(b * OC + oc0)) * oPlane;
            sums = f32x4.add(sums, patchYbarOC(yb + (<usize>t << 4), yStride, dyc, oPlane, mr, 2 * ty, 2 * tx, OH, OW, r, tmp));
            if (++tx == TW) {
              tx = 0;
              if (++ty == TH) {
                ty = 0;
                b++;
              }
            }
          }
          if (dbias) {
            const p = dbias + (<usize>oc0 << 2);
            if (mr > 0) store<f32>(p, load<f32>(p) + f32x4.extract_lane(sums, 0));
            if (mr > 1) store<f32>(p, load<f32>(p, 4) + f32x4.extract_lane(sums, 1), 4);
            if (mr > 2) store<f32>(p, load<f32>(p, 8) + f32x4.extract_lane(sums, 2), 8);
            if (mr > 3) store<f32>(p, load<f32>(p, 12) + f32x4.extract_lane(sums, 3), 12);
          }
          for (let xi = 0; xi < XI; xi++) {
            const ax = yb + <usize>xi * yStride;
            const bx = v + <usize>xi * vStride;
            const cx = mw + <usize>xi * mwStride;
            for (let j = 0; j * NR < Cg; j++) {
              micro4x8(ax, bx + <usize>j * panelBytes, kc, cx + (<usize>j << 5), ldc, 1, 0, MR, NR, tile, 0, 0);
            }
          }
          // dw[oc, c] += Gᵀ Mw G, four input channels (lanes) at a time.
          const zt = tmp + S2;
          const ot = tmp + S3;
          const rowZ: usize = <usize>A << 4;
          for (let i = 0; i < mr; i++) {
            for (let cq = 0; cq < Cg; cq += 4) {
              const m = mw + <usize>i * ldc + (<usize>cq << 2);
              // Z = Gᵀ M: column j → Z[p][j] at zt + (p·A + j)·16.
              for (let j = 0; j < A; j++) gT(zt + (<usize>j << 4), rowZ, m + <usize>j * mwStride, <usize>A * mwStride, r);
              // dW = Z G: row p → dW[p][q] at ot + (p·r + q)·16.
              for (let p = 0; p < r; p++) gT(ot + <usize>(p * r << 4), 16, zt + <usize>p * rowZ, 16, r);
              const lanes = min(4, Cg - cq);
              for (let l = 0; l < lanes; l++) {
                const dwp = dw + (<usize>(((oc0 + i) * Cg + cq + l) * RR) << 2);
                const src = ot + (<usize>l << 2);
                for (let q = 0; q < RR; q++) {
                  const a = dwp + (<usize>q << 2);
                  store<f32>(a, load<f32>(a) + load<f32>(src + (<usize>q << 4)));
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Data gradient. Tiles numbered as in the forward (tx padded to groups of 4, lanes = tiles).

// Ȳ of a 4-tile group (dy tiles (ty, tx .. tx+3), lanes = tiles) of one dy plane; α² vectors at
// dst + ξ·stride.
function groupYbar(dst: usize, stride: usize, dyc: usize, oh: i32, ow: i32, OH: i32, OW: i32, r: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const s = tmp + S1;
    const two = oh + 1 < OH;
    const p = dyc + (<usize>(oh * OW + ow) << 2);
    const q = p + (<usize>OW << 2);
    if (ow + 8 <= OW) {
      const a0 = v128.load(p), a1 = v128.load(p, 16);
      v128.store(s, f32x4.shuffle(a0, a1, 0, 2, 4, 6));
      v128.store(s, f32x4.shuffle(a0, a1, 1, 3, 5, 7), 16);
      if (two) {
        const b0 = v128.load(q), b1 = v128.load(q, 16);
        v128.store(s, f32x4.shuffle(b0, b1, 0, 2, 4, 6), 32);
        v128.store(s, f32x4.shuffle(b0, b1, 1, 3, 5, 7), 48);
      } else {
        v128.store(s, f32x4.splat(0), 32);
        v128.store(s, f32x4.splat(0), 48);
      }
    } else {
      for (let k = 0; k < 4; k++) v128.store(s + (<usize>k << 4), f32x4.splat(0));
      const n = OW - ow; // columns left in the row (may be ≤ 0 for padding tiles)
      for (let c = 0; c < n && c < 8; c++) {
        const d = s + (<usize>(c & 1) << 4) + (<usize>(c >> 1) << 2);
        store<f32>(d, load<f32>(p + (<usize>c << 2)));
        if (two) store<f32>(d, load<f32>(q + (<usize>c << 2)), 32);
      }
    }
    tileYbar(dst, stride, s, tmp + S2, r);
  }
}

// dx plane += B P Bᵀ of a 4-tile group (P: α² vectors at m + ξ·mStride, lanes = tiles), the patch
// of tile l at rows ih.., columns iw + 2l.., clipped to H × W.
function groupScatter(dxc: usize, m: usize, mStride: usize, ih: i32, iw: i32, H: i32, W: i32, r: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    const A = r + 1;
    const rowB: usize = <usize>A << 4;
    const e = tmp + S2;
    const o = tmp + S3;
    // B P by columns (into S2 as rows i), then Bᵀ by rows.
    for (let j = 0; j < A; j++) bB(e + (<usize>j << 4), rowB, m + <usize>j * mStride, <usize>A * mStride, r);
    for (let i = 0; i < A; i++) bB(o + <usize>i * rowB, 16, e + <usize>i * rowB, 16, r);
    // Row i: the 4 tiles' α columns overlap (tile l starts at 2l): position s = 2l + j gets
    // P[j] lane l. Even positions from even j, odd from odd j, each a sum of lane-shifted
    // vectors, then interleaved into α + 6 consecutive floats at acc.
    const acc = tmp + S1;
    const n = A + 6;
    const z = f32x4.splat(0);
    for (let i = 0; i < A; i++) {
      const h = ih + i;
      if (<u32>h >= <u32>H) continue;
      const pr = o + <usize>i * rowB;
      const p0 = v128.load(pr), p1 = v128.load(pr, 16), p2 = v128.load(pr, 32), p3 = v128.load(pr, 48);
      // Shifted up by one lane: [0, v0, v1, v2], and the lane pushed out: [v3, 0, 0, 0].
      let eLo = f32x4.add(p0, f32x4.shuffle(z, p2, 3, 4, 5, 6));
      let eHi = f32x4.shuffle(p2, z, 3, 4, 4, 4);
      let oLo = f32x4.add(p1, f32x4.shuffle(z, p3, 3, 4, 5, 6));
      let oHi = f32x4.shuffle(p3, z, 3, 4, 4, 4);
      if (A == 6) {
        const p4 = v128.load(pr, 64), p5 = v128.load(pr, 80);
        // Shifted up by two lanes: [0, 0, v0, v1], pushed out: [v2, v3, 0, 0].
        eLo = f32x4.add(eLo, f32x4.shuffle(z, p4, 2, 3, 4, 5));
        eHi = f32x4.add(eHi, f32x4.shuffle(p4, z, 2, 3, 4, 4));
        oLo = f32x4.add(oLo, f32x4.shuffle(z, p5, 2, 3, 4, 5));
        oHi = f32x4.add(oHi, f32x4.shuffle(p5, z, 2, 3, 4, 4));
      }
      v128.store(acc, f32x4.shuffle(eLo, oLo, 0, 4, 1, 5));
      v128.store(acc, f32x4.shuffle(eLo, oLo, 2, 6, 3, 7), 16);
      v128.store(acc, f32x4.shuffle(eHi, oHi, 0, 4, 1, 5), 32);
      const row = dxc + (<usize>(h * W + iw) << 2);
      if (iw >= 0 && iw + n <= W) {
        let k = 0;
        for (; k + 4 <= n; k += 4) {
          const q = row + (<usize>k << 2);
          v128.store(q, f32x4.add(v128.load(q), v128.load(acc + (<usize>k << 2))));
        }
        for (; k < n; k++) {
          const q = row + (<usize>k << 2);
          store<f32>(q, load<f32>(q) + load<f32>(acc + (<usize>k << 2)));
        }
      } else {
        const lo = max(0, -iw), hi = min(n, W - iw);
        for (let k = lo; k < hi; k++) {
          const q = row + (<usize>k << 2);
          store<f32>(q, load<f32>(q) + load<f32>(acc + (<usize>k << 2)));
        }
      }
    }
  }
}

/**
 * dx += the data gradient of an r×r stride-1 undilated conv (dx zeroed by the caller), by the
 * transposed Winograd F(2×2, r×r): per block of NT dy tiles and chunk of OCB output channels,
 * Ȳ of every channel; per 4 input channels U panels and α² GEMMs U_ξᵀ·Ȳ_ξ into dX̄; then every
 * channel's patches B dX̄ Bᵀ overlap-added onto dx.
 */
export function convBwdDataWinograd(
  dx: usize, dy: usize, w: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, r: i32, PH: i32, PW: i32, G: i32, OH: i32, OW: i32,
  scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const Cg = C / G;
    const OCg = OC / G;
    const A = r + 1;
    const XI = A * A;
    const RR = r * r;
    const Cg4 = (Cg + 3) & ~3;
    const NT = dxTiles(Cg, A);
    const TH = (OH + 1) >> 1;
    const TW4 = ((OW + 1) >> 1) + 3 & ~3;
    const perImage = TH * TW4;
    const total = B * perImage;
    // Scratch: Ȳ [XI][NT/8 panels][OCB][8], U [Cg4/4][XI][OCB][4], dX̄ [XI][Cg4][NT], tile, temporaries.
    const yStride: usize = (<usize>(OCB * NT) << 2) + SKEW;
    const yb = scratch;
    const u = yb + <usize>XI * yStride;
    const uStride: usize = (OCB << 4) + SKEW;
    const uQuad: usize = <usize>XI * uStride;
    const quads = uQuads(Cg, A);
    const dbar = u + <usize>quads * uQuad;
    const cached = OCg <= OCB && quads > 1; // every quad's U kept for the whole group
    const ldd: usize = <usize>NT << 2;
    const dStride: usize = <usize>Cg4 * ldd + SKEW;
    const tile = dbar + <usize>XI * dStride;
    const tmp = tile + TILE_BYTES;
    const plane: usize = <usize>H * <usize>W << 2;
    const oPlane: usize = <usize>OH * <usize>OW << 2;
    const ocStride: usize = <usize>(Cg * RR) << 2;
    for (let g = 0; g < G; g++) {
      const wg = w + <usize>(g * OCg) * ocStride;
      for (let t0 = 0; t0 < total; t0 += NT) {
        const nt = min(NT, total - t0);
        const np = (nt + NR - 1) / NR;
        for (let oc0 = 0; oc0 < OCg; oc0 += OCB) {
          const ocn = min(OCB, OCg - oc0);
          const panelBytes: usize = <usize>ocn << 5;
          // Ȳ of every output channel of the chunk, group by group (consecutive channels are
          // consecutive rows of a panel).
          let b = t0 / perImage;
          const rest = t0 - b * perImage;
          let ty = rest / TW4;
          let tx = rest - ty * TW4;
          for (let t = 0; t < nt; t += 4) {
            const dyb = dy + (<usize>(b * OC + g * OCg + oc0)) * oPlane;
            const dst = yb + <usize>(t >> 3) * panelBytes + (<usize>(t & 4) << 2);
            for (let o = 0; o < ocn; o++) {
              groupYbar(dst + (<usize>o << 5), yStride, dyb + <usize>o * oPlane, 2 * ty, 2 * tx, OH, OW, r, tmp);
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
            zeroHalfPanel(yb + <usize>(nt >> 3) * panelBytes, ocn, XI, yStride);
          }
          const bet: f32 = oc0 == 0 ? 0 : 1;
          for (let ic = 0; ic < Cg; ic += MR) {
            const mc = min(MR, Cg - ic);
            // U panels of these 4 input channels: computed once per group when one chunk covers
            // every output channel and they fit, else for each use.
            const uq = cached ? u + <usize>(ic >> 2) * uQuad : u;
            if (t0 == 0 || !cached) {
              filterPanels(uq, uStride, wg + <usize>oc0 * ocStride + (<usize>(ic * RR) << 2), ocStride, <usize>RR << 2, mc, ocn, r, tmp);
            }
            for (let xi = 0; xi < XI; xi++) {
              const ax = uq + <usize>xi * uStride;
              const bx = yb + <usize>xi * yStride;
              const cx = dbar + <usize>xi * dStride + <usize>ic * ldd;
              for (let j = 0; j < np; j++) {
                micro4x8(ax, bx + <usize>j * panelBytes, ocn, cx + (<usize>j << 5), ldd, 1, bet, MR, NR, tile, 0, 0);
              }
            }
          }
        }
        // Patches of every input channel, overlap-added onto dx.
        for (let c = 0; c < Cg; c++) {
          let b = t0 / perImage;
          const rest = t0 - b * perImage;
          let ty = rest / TW4;
          let tx = rest - ty * TW4;
          const mc = dbar + <usize>c * ldd;
          for (let t = 0; t < nt; t += 4) {
            const dxc = dx + (<usize>(b * C + g * Cg + c)) * plane;
            groupScatter(dxc, mc + (<usize>t << 2), dStride, 2 * ty - PH, 2 * tx - PW, H, W, r, tmp);
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
