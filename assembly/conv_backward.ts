// Backward of the 2-D convolution, fused in wasm for the whole batch: dW = dY·colᵀ and dcol = Wᵀ·dY
// folded back by col2im; dbias sums dY. SIMD build: transposed Winograd (winograd_backward.ts) for
// the convs the forward runs by Winograd, else packed-panel GEMMs over the whole batch
// (conv_panels.ts); scalar build: per image and group. Spec: src/kernels/reference/conv_backward.ts
// (direct loops).

import { f32_im2col, f32_col2im } from './conv';
import { f32_gemm, f32_gemm_scratch_bytes } from './gemm';
import { f32_bias_grad } from './bias';
import { outSize, align16, pointwise, colBytes } from './window';
import { convBwdWeightPanels, convBwdDataPanels, PANEL_DX_SCRATCH_BYTES } from './conv_panels';
import { winogradSize, WINOGRAD_MIN_OUT } from './winograd';
import { convBwdWeightWinograd, convBwdDataWinograd, winogradBwdSafe, winogradBwdScratchBytes } from './winograd_backward';



/**
 * Scratch of f32_conv2d_bwd. SIMD build: the packed-panel blocks plus a dcol block (fixed), or the
 * Winograd blocks when the geometry qualifies. Scalar build: a col and a dcol buffer of one group
 * of one image, then f32_gemm's scratch.
 */
export function f32_conv2d_bwd_scratch_bytes(
  C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32,
): i32 {
  if (ASC_FEATURE_SIMD) {
    const r = winogradSize(KH, KW, SH, SW, DH, DW, C / G);
    return r ? max(PANEL_DX_SCRATCH_BYTES, winogradBwdScratchBytes(r, C / G)) : PANEL_DX_SCRATCH_BYTES;
  }
  return 2 * colBytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G) + align16(f32_gemm_scratch_bytes());
}

/**
 * Gradients of y = conv(x, w) + bias: dw [OC, C/G, KH, KW] and dbias [OC] overwritten; dx
 * [B, C, H, W] overwritten when needDx (skipped for a first layer, whose input needs none).
 */
export function f32_conv2d_bwd(
  dx: usize, // [B, C, H, W], written when needDx
  dw: usize, // [OC, C/G, KH, KW]
  dbias: usize, // [OC], written when hasBias
  dy: usize, // [B, OC, OH, OW]
  x: usize, // [B, C, H, W]
  w: usize, // [OC, C/G, KH, KW]
  B: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32,
  hasBias: i32,
  needDx: i32,
  scratch: usize, // f32_conv2d_bwd_scratch_bytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G)
): void {
  const OH = outSize(H, KH, SH, PH, DH);
  const OW = outSize(W, KW, SW, PW, DW);
  const Cg = C / G;
  const OCg = OC / G;
  const K = Cg * KH * KW;
  const N = OH * OW;
  memory.fill(dw, 0, <usize>OC * <usize>K << 2);
  if (hasBias) memory.fill(dbias, 0, <usize>OC << 2);
  if (needDx) memory.fill(dx, 0, <usize>B * <usize>C * <usize>H * <usize>W << 2);
  if (B <= 0 || OC <= 0 || OH <= 0 || OW <= 0 || G <= 0) return;
  if (ASC_FEATURE_SIMD) {
    const r = winogradSize(KH, KW, SH, SW, DH, DW, Cg);
    if (r && OCg >= WINOGRAD_MIN_OUT &&
      winogradBwdSafe(x, B * C * H * W, w, OC * K, dy, B * OC * N, B * N + OC)) {
      convBwdWeightWinograd(dw, hasBias ? dbias : 0, dy, x, B, C, H, W, OC, r, PH, PW, G, OH, OW, scratch);
      if (needDx) convBwdDataWinograd(dx, dy, w, B, C, H, W, OC, r, PH, PW, G, OH, OW, scratch);
      return;
    }
    if (pointwise(KH, KW, SH, SW, PH, PW)) {
      // Each plane as one row: panels never wrap a row.
      convBwdWeightPanels(dw, hasBias ? dbias : 0, dy, x, B, C, 1, N, OC, 1, 1, 1, 1, 0, 0, 1, 1, G, 1, N, scratch);
      if (needDx) convBwdDataPanels(dx, dy, w, B, C, 1, N, OC, 1, 1, 1, 1, 0, 0, 1, 1, G, 1, N, scratch);
      return;
    }
    convBwdWeightPanels(dw, hasBias ? dbias : 0, dy, x, B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G, OH, OW, scratch);
    if (needDx) convBwdDataPanels(dx, dy, w, B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G, OH, OW, scratch);
    return;
  }
  const direct = pointwise(KH, KW, SH, SW, PH, PW);
  const cb = <usize>colBytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G);
  const col = scratch;
  const dcol = scratch + cb;
  const gemmScratch = scratch + 2 * cb;
  const xImage: usize = <usize>C * <usize>H * <usize>W << 2;
  const xGroup: usize = <usize>Cg * <usize>H * <usize>W << 2;
  const yImage: usize = <usize>OC * <usize>N << 2;
  const yGroup: usize = <usize>OCg * <usize>N << 2;
  const wGroup: usize = <usize>OCg * <usize>K << 2;
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < G; g++) {
      const xg = x + <usize>b * xImage + <usize>g * xGroup;
      const dyg = dy + <usize>b * yImage + <usize>g * yGroup;
      const wg = w + <usize>g * wGroup;
      let src = xg;
      if (!direct) {
        f32_im2col(col, xg, Cg, H, W, KH, KW, SH, SW, PH, PW, DH, DW);
        src = col;
      }
      // dW_g[OCg, K] += dY_g[OCg, N] · col[K, N]ᵀ
      f32_gemm(dw + <usize>g * wGroup, dyg, src, 1, 1, OCg, K, N, 0, 1, gemmScratch);
      if (needDx) {
        const dxg = dx + <usize>b * xImage + <usize>g * xGroup;
        // dcol[K, N] = W_g[OCg, K]ᵀ · dY_g[OCg, N], folded back onto the image.
        if (direct) {
          f32_gemm(dxg, wg, dyg, 1, 0, K, N, OCg, 1, 0, gemmScratch);
        } else {
          f32_gemm(dcol, wg, dyg, 1, 0, K, N, OCg, 1, 0, gemmScratch);
          f32_col2im(dxg, dcol, Cg, H, W, KH, KW, SH, SW, PH, PW, DH, DW);
        }
      }
    }
  }
  if (hasBias) f32_bias_grad(dbias, dy, B, OC, N);
}
