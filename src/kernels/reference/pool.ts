// Plain-TypeScript twins of the wasm pooling kernels (assembly/pool.ts): the executable spec.
// Windows are KH×KW with stride SH, SW and padding PH, PW; no dilation; floor output sizes.

import { windowOutSize } from './window.js';

/**
 * y[B,C,OH,OW] = max over each window; argmax = h·W + w of the winner in its input plane.
 * The window is scanned row-major and an element wins when it is greater than the best so far,
 * or NaN while the best is not: ties keep the first, the first NaN wins (NaN propagates).
 * NOTE: a window entirely in padding gives y = −Inf and argmax = −1.
 */
export function f32_maxpool2d_fwd(
  y: Float32Array, // [B, C, OH, OW]
  argmax: Int32Array, // [B, C, OH, OW]
  x: Float32Array, // [B, C, H, W]
  B: number, C: number, H: number, W: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number,
): void {
  const OH = windowOutSize(H, KH, SH, PH, 1);
  const OW = windowOutSize(W, KW, SW, PW, 1);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        let at = -1;
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const h = oh * SH - PH + kh;
            const w = ow * SW - PW + kw;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const v = x[(p * H + h) * W + w];
            if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              at = h * W + w;
            }
          }
        }
        const o = (p * OH + oh) * OW + ow;
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/**
 * dx[B,C,H,W] = 0, then dx[b, c, argmax] += dy for every output whose argmax is in [0, H·W).
 * NOTE: other entries (−1 from an all-padding window, or garbage) are skipped, never written.
 */
export function f32_maxpool2d_bwd(
  dx: Float32Array, // [B, C, H, W]
  dy: Float32Array, // [B, C, OH, OW]
  argmax: Int32Array, // [B, C, OH, OW]
  B: number, C: number, H: number, W: number, OH: number, OW: number,
): void {
  const acc = new Float64Array(B * C * H * W);
  for (let p = 0; p < B * C; p++) {
    for (let o = 0; o < OH * OW; o++) {
      const a = argmax[p * OH * OW + o];
      if (a >= 0 && a < H * W) acc[p * H * W + a] += dy[p * OH * OW + o];
    }
  }
  dx.set(acc);
}

/** The divisor of a window with `rows`×`cols` elements inside the image. */
function divisor(countPad: number, KH: number, KW: number, rows: number, cols: number): number {
  return countPad ? KH * KW : rows * cols;
}

/** The in-image part of the window of output (oh, ow): rows [hs, he), columns [ws, we). */
function clip(oh: number, ow: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number, PH: number, PW: number) {
  const h0 = oh * SH - PH;
  const w0 = ow * SW - PW;
  return { hs: Math.max(h0, 0), he: Math.min(h0 + KH, H), ws: Math.max(w0, 0), we: Math.min(w0 + KW, W) };
}

/**
 * y[B,C,OH,OW] = mean over each window: the sum of its in-image elements divided by KH·KW when
 * countPad ≠ 0, else by their count. NOTE: a window entirely in padding gives 0.
 */
export function f32_avgpool2d_fwd(
  y: Float32Array, // [B, C, OH, OW]
  x: Float32Array, // [B, C, H, W]
  B: number, C: number, H: number, W: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number, countPad: number,
): void {
  const OH = windowOutSize(H, KH, SH, PH, 1);
  const OW = windowOutSize(W, KW, SW, PW, 1);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const { hs, he, ws, we } = clip(oh, ow, H, W, KH, KW, SH, SW, PH, PW);
        let sum = 0;
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) sum += x[(p * H + h) * W + w];
        const empty = hs >= he || ws >= we;
        y[(p * OH + oh) * OW + ow] = empty ? 0 : sum / divisor(countPad, KH, KW, he - hs, we - ws);
      }
    }
  }
}

/** dx[B,C,H,W] overwritten with the adjoint of f32_avgpool2d_fwd: each dy spread over its window. */
export function f32_avgpool2d_bwd(
  dx: Float32Array, // [B, C, H, W]
  dy: Float32Array, // [B, C, OH, OW]
  B: number, C: number, H: number, W: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number, countPad: number,
): void {
  const OH = windowOutSize(H, KH, SH, PH, 1);
  const OW = windowOutSize(W, KW, SW, PW, 1);
  const acc = new Float64Array(B * C * H * W);
  for (let p = 0; p < B * C; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const { hs, he, ws, we } = clip(oh, ow, H, W, KH, KW, SH, SW, PH, PW);
        if (hs >= he || ws >= we) continue;
        const g = dy[(p * OH + oh) * OW + ow] / divisor(countPad, KH, KW, he - hs, we - ws);
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) acc[(p * H + h) * W + w] += g;
      }
    }
  }
  dx.set(acc);
}
