// 2-D convolution kernels: im2col, its adjoint col2im, and the forward conv (all in wasm, one call
// for the whole batch). Spec: src/kernels/reference/conv.ts (a direct loop). No validation here.
// The forward picks a path (ABI.md, "Convolution paths"): in the SIMD build a direct conv
// (conv_direct.ts) for C/G ≤ 4, Winograd (winograd.ts) for 3×3/5×5 stride-1 convs, else packed
// panels (conv_panels.ts); depthwise planes accumulated tap by tap where the direct conv does not
// fit (and in the scalar build); in the scalar build im2col + gemm per image. im2col/col2im SIMD:
// contiguous (stride 1) and stride-2 rows; other strides and the col2im scatter at stride > 1 are
// scalar.

import { gemm, f32_gemm_scratch_bytes } from './gemm';
import { EPI_BIAS_ROWS, EPI_RELU, reluF32 } from './gemm_tile';
import { convFwdPanels, PANEL_SCRATCH_BYTES } from './conv_panels';
import { convFwdDirect, directFits, DIRECT_SCRATCH_BYTES } from './conv_direct';
import { convFwdWinograd, winogradSize, winogradSafe, winogradScratchBytes, WINOGRAD_MIN_OUT } from './winograd';
import { outSize, firstIn, endIn, align16, zeroF32, fillF32, addScalarF32, pointwise, colBytes } from './window';

// Convs with one input channel per group and at most this many outputs per group skip the gemm.
const DEPTHWISE_MAX_OUT = 4;

// ---------------------------------------------------------------------------------------------
// Row copies of im2col / col2im: `n` elements, source stride SW (elements), destination contiguous.

// dst[i] = src[i·SW], i < n. The SW = 2 vector path reads one float past its last tap, so the
// caller says whether that float is inside the row (`spare`).
// @ts-ignore: decorator
@inline
function gatherRow(dst: usize, src: usize, n: i32, SW: i32, spare: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (SW == 1) {
      if (n >= 4) {
        for (; i + 4 <= n; i += 4) {
          const o = <usize>i << 2;
          v128.store(dst + o, v128.load(src + o));
        }
        // The tail as one vector overlapping the last full one (copies the same values again).
        if (i < n) {
          const o = <usize>(n - 4) << 2;
          v128.store(dst + o, v128.load(src + o));
        }
        return;
      }
    } else if (SW == 2) {
      // Vector i..i+3 reads src[2i .. 2i+7]; 2i+7 ≤ 2(n−1) (+1 with a spare) keeps it in the row.
      const end = spare ? n : n - 1;
      for (; i + 4 <= end; i += 4) {
        const s = src + (<usize>i << 3);
        v128.store(dst + (<usize>i << 2), f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
      }
    }
  }
  const step = <usize>SW << 2;
  let s = src + <usize>i * step;
  for (; i < n; i++) {
    store<f32>(dst + (<usize>i << 2), load<f32>(s));
    s += step;
  }
}

// dst[i·SW] += src[i], i < n. Vectorised for SW = 1 only (a strided scatter has no v128 form).
// @ts-ignore: decorator
@inline
function scatterAddRow(dst: usize, src: usize, n: i32, SW: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (SW == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
    }
  }
  const step = <usize>SW << 2;
  let d = dst + <usize>i * step;
  for (; i < n; i++) {
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>i << 2)));
    d += step;
  }
}

// dst[i] += wv·src[i·SW], i < n; `spare` as for gatherRow.
// @ts-ignore: decorator
@inline
function axpyRow(dst: usize, src: usize, wv: f32, n: i32, SW: i32, spare: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vw = f32x4.splat(wv);
    if (SW == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(vw, v128.load(src + o))));
      }
    } else if (SW == 2) {
      const end = spare ? n : n - 1;
      for (; i + 4 <= end; i += 4) {
        const s = src + (<usize>i << 3);
        const d = dst + (<usize>i << 2);
        const v = f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6);
        v128.store(d, f32x4.add(v128.load(d), f32x4.mul(vw, v)));
      }
    }
  }
  const step = <usize>SW << 2;
  let s = src + <usize>i * step;
  for (; i < n; i++) {
    const d = dst + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + wv * load<f32>(s));
    s += step;
  }
}

// ---------------------------------------------------------------------------------------------

function im2col(
  col: usize, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, OH: i32, OW: i32,
): void {
  const rowBytes: usize = <usize>OW << 2;
  let dst = col;
  for (let c = 0; c < C; c++) {
    const xc = x + (<usize>c * <usize>H * <usize>W << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        // Output columns [lo, hi) read inside the image for this tap; the rest is padding.
        const off = kw * DW - PW;
        const lo = firstIn(off, SW, OW);
        const hi = endIn(off, SW, W, OW);
        const spare = hi > lo && (hi - 1) * SW + off + 1 < W;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= H) {
            zeroF32(dst, OW);
          } else {
            if (lo > 0) zeroF32(dst, lo);
            gatherRow(dst + (<usize>lo << 2), xc + (<usize>(ih * W + lo * SW + off) << 2), hi - lo, SW, spare);
            if (hi < OW) zeroF32(dst + (<usize>hi << 2), OW - hi);
          }
          dst += rowBytes;
        }
      }
    }
  }
}

/**
 * One image x[C,H,W] → col[C·KH·KW, OH·OW]: row (c·KH + kh)·KW + kw, column oh·OW + ow holds
 * x[c, oh·SH − PH + kh·DH, ow·SW − PW + kw·DW], or 0 where that is padding.
 */
export function f32_im2col(
  col: usize, // [C·KH·KW, OH·OW]
  x: usize, // [C, H, W]
  C: i32, H: i32, W: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32,
): void {
  const OH = outSize(H, KH, SH, PH, DH);
  const OW = outSize(W, KW, SW, PW, DW);
  if (OH <= 0 || OW <= 0) return;
  im2col(col, x, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW);
}

/**
 * Adjoint of im2col: x[C,H,W] is overwritten with the sum of every col entry into the pixel it
 * was read from (entries that came from padding are dropped).
 */
export function f32_col2im(
  x: usize, // [C, H, W]
  col: usize, // [C·KH·KW, OH·OW]
  C: i32, H: i32, W: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32,
): void {
  zeroF32(x, C * H * W);
  const OH = outSize(H, KH, SH, PH, DH);
  const OW = outSize(W, KW, SW, PW, DW);
  if (OH <= 0 || OW <= 0) return;
  const rowBytes: usize = <usize>OW << 2;
  let src = col;
  for (let c = 0; c < C; c++) {
    const xc = x + (<usize>c * <usize>H * <usize>W << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const off = kw * DW - PW;
        const lo = firstIn(off, SW, OW);
        const hi = endIn(off, SW, W, OW);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih >= 0 && ih < H) {
            scatterAddRow(xc + (<usize>(ih * W + lo * SW + off) << 2), src + (<usize>lo << 2), hi - lo, SW);
          }
          src += rowBytes;
        }
      }
    }
  }
}



// One output plane of a conv whose filter sees a single input channel (depthwise, C/G = 1):
// y[OH,OW] = Σ over taps of w[kh,kw]·x[ih, iw], accumulated tap by tap on the plane, no gemm.
// NOTE: padding must act as 0·w, which is NaN for a non-finite w: such a tap NaNs the outputs
// whose window reads padding, as the im2col path does.
function depthwisePlane(
  yp: usize, xp: usize, wp: usize, H: i32, W: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, OH: i32, OW: i32,
): void {
  const rowBytes: usize = <usize>OW << 2;
  zeroF32(yp, OH * OW);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const wv = load<f32>(wp + (<usize>(kh * KW + kw) << 2));
      const poison = wv * 0;
      const nanPad = poison != poison;
      const off = kw * DW - PW;
      const lo = firstIn(off, SW, OW);
      const hi = endIn(off, SW, W, OW);
      const spare = hi > lo && (hi - 1) * SW + off + 1 < W;
      let yr = yp;
      for (let oh = 0; oh < OH; oh++) {
        const ih = oh * SH - PH + kh * DH;
        if (ih < 0 || ih >= H) {
          if (nanPad) fillF32(yr, poison, OW);
        } else {
          axpyRow(yr + (<usize>lo << 2), xp + (<usize>(ih * W + lo * SW + off) << 2), wv, hi - lo, SW, spare);
          if (nanPad) {
            fillF32(yr, poison, lo);
            fillF32(yr + (<usize>hi << 2), poison, OW - hi);
          }
        }
        yr += rowBytes;
      }
    }
  }
}

/**
 * Bytes of scratch f32_conv2d_fwd needs. SIMD build: the direct conv's strip and taps (fixed)
 * when it takes the conv, else the packed-panel blocks (fixed), or the Winograd blocks when the
 * geometry qualifies (they depend on C/G). Scalar build: one group of
 * one image's col, (C/G)·KH·KW × OH·OW floats rounded up to 16 bytes (0 for a 1×1 stride-1
 * unpadded conv), then f32_gemm's scratch.
 */
export function f32_conv2d_scratch_bytes(
  C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32,
): i32 {
  if (ASC_FEATURE_SIMD) {
    if (directFits(C / G, KH, KW, SH, SW, PH, PW, DH, DW, outSize(W, KW, SW, PW, DW))) return DIRECT_SCRATCH_BYTES;
    const r = winogradSize(KH, KW, SH, SW, DH, DW, C / G);
    return r ? max(PANEL_SCRATCH_BYTES, winogradScratchBytes(r, C / G)) : PANEL_SCRATCH_BYTES;
  }
  return colBytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G) + align16(f32_gemm_scratch_bytes());
}

/**
 * y[B,OC,OH,OW] = conv(x[B,C,H,W], w[OC,C/G,KH,KW]) (+ bias[OC] when epilogue & 1, then
 * max(·, 0) when epilogue & 4): per group g, y[b, g·OC/G ..] = w_g[OC/G, C/G·KH·KW] ·
 * im2col(x[b, g·C/G ..]) + bias. Every path applies the ReLU as it stores (the gemm paths in the
 * micro-kernel's registers, Winograd in its output transform; the direct and depthwise paths as a
 * pass over the rows they have just written, still in cache). SIMD build: a direct
 * conv when C/G ≤ 4 (and not 1×1 stride-1 unpadded); Winograd for 3×3/5×5 stride-1 undilated
 * convs with C/G, OC/G ≥ 4 and safe data; else one packed gemm per group over the whole batch. A
 * conv with C/G = 1 and OC/G ≤ 4 (depthwise) that the direct conv does not take accumulates each
 * output plane directly (no gemm). Scalar build: that depthwise path, else im2col + gemm per
 * image and group (a 1×1 stride-1 unpadded conv runs the gemm on x itself).
 * NOTE: padding enters as explicit zeros, so a non-finite weight whose window covers padding
 * gives NaN there (0·Inf), exactly as convolving a zero-padded input would.
 */
export function f32_conv2d_fwd(
  y: usize, // [B, OC, OH, OW]
  x: usize, // [B, C, H, W]
  w: usize, // [OC, C/G, KH, KW]
  bias: usize, // [OC], read only when epilogue & 1
  B: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32,
  epilogue: i32, // 1: + bias; 4: then ReLU (f32_gemm_epilogue's flags)
  scratch: usize, // f32_conv2d_scratch_bytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G)
): void {
  // Only the bias per output channel (a row of w·col) and the ReLU apply to a conv.
  const epi = epilogue & (EPI_BIAS_ROWS | EPI_RELU);
  const hasBias = epi & EPI_BIAS_ROWS;
  const OH = outSize(H, KH, SH, PH, DH);
  const OW = outSize(W, KW, SW, PW, DW);
  if (B <= 0 || OC <= 0 || OH <= 0 || OW <= 0 || G <= 0) return;
  const Cg = C / G;
  const OCg = OC / G;
  const K = Cg * KH * KW;
  const N = OH * OW;
  const direct = pointwise(KH, KW, SH, SW, PH, PW);
  const col = scratch;
  const gemmScratch = scratch + <usize>colBytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G);
  const xImage: usize = <usize>C * <usize>H * <usize>W << 2;
  const xGroup: usize = <usize>Cg * <usize>H * <usize>W << 2;
  const yImage: usize = <usize>OC * <usize>N << 2;
  const yGroup: usize = <usize>OCg * <usize>N << 2;
  const wGroup: usize = <usize>OCg * <usize>K << 2;
  if (ASC_FEATURE_SIMD) {
    if (directFits(Cg, KH, KW, SH, SW, PH, PW, DH, DW, OW)) {
      convFwdDirect(y, x, w, bias, B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G, OH, OW, epi, scratch);
      return;
    }
  }
  if (Cg == 1 && OCg <= DEPTHWISE_MAX_OUT && !direct) {
    // Depthwise-like: a gemm with M = OC/G ≤ 4 and K = KH·KW would mostly pack; go direct
    // (in the SIMD build only for taps or rows too big for convFwdDirect's scratch).
    const plane: usize = <usize>H * <usize>W << 2;
    const filter: usize = <usize>(KH * KW) << 2;
    for (let b = 0; b < B; b++) {
      for (let oc = 0; oc < OC; oc++) {
        const yp = y + <usize>b * yImage + (<usize>oc * <usize>N << 2);
        const xp = x + <usize>b * xImage + <usize>(oc / OCg) * plane;
        depthwisePlane(yp, xp, w + <usize>oc * filter, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW);
        if (hasBias) addScalarF32(yp, load<f32>(bias + (<usize>oc << 2)), N);
        if (epi & EPI_RELU) reluF32(yp, N);
      }
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const r = winogradSize(KH, KW, SH, SW, DH, DW, Cg);
    if (r && OCg >= WINOGRAD_MIN_OUT && winogradSafe(x, B * C * H * W, w, OC * K, Cg)) {
      convFwdWinograd(y, x, w, bias, B, C, H, W, OC, r, PH, PW, G, OH, OW, epi, scratch);
      return;
    }
    // A pointwise conv sees each plane as one row: its panels never wrap a row.
    if (direct) convFwdPanels(y, x, w, bias, B, C, 1, N, OC, 1, 1, 1, 1, 0, 0, 1, 1, G, 1, N, epi, scratch);
    else convFwdPanels(y, x, w, bias, B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G, OH, OW, epi, scratch);
    return;
  }
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < G; g++) {
      const xg = x + <usize>b * xImage + <usize>g * xGroup;
      const yg = y + <usize>b * yImage + <usize>g * yGroup;
      let src = xg;
      if (!direct) {
        im2col(col, xg, Cg, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW);
        src = col;
      }
      gemm(yg, w + <usize>g * wGroup, src, bias + (<usize>(g * OCg) << 2), 1, 0, OCg, N, K, 0, 0, epi, gemmScratch);
    }
  }
}
