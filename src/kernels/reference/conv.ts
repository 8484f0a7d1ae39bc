// Plain-TypeScript twins of the wasm conv kernels (assembly/conv.ts): the executable spec.
// f32_conv2d_fwd here is a direct convolution loop, an independent check of im2col + gemm.

import { windowOutSize } from './window.js';

/**
 * One image x[C,H,W] → col[C·KH·KW, OH·OW]: row (c·KH + kh)·KW + kw, column oh·OW + ow holds
 * x[c, oh·SH − PH + kh·DH, ow·SW − PW + kw·DW], or 0 where that is padding.
 */
export function f32_im2col(
  col: Float32Array, // [C·KH·KW, OH·OW]
  x: Float32Array, // [C, H, W]
  C: number, H: number, W: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number, DH: number, DW: number,
): void {
  const OH = windowOutSize(H, KH, SH, PH, DH);
  const OW = windowOutSize(W, KW, SW, PW, DW);
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = (c * KH + kh) * KW + kw;
        for (let oh = 0; oh < OH; oh++) {
          for (let ow = 0; ow < OW; ow++) {
            const ih = oh * SH - PH + kh * DH;
            const iw = ow * SW - PW + kw * DW;
            const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
            col[row * OH * OW + oh * OW + ow] = inside ? x[(c * H + ih) * W + iw] : 0;
          }
        }
      }
    }
  }
}

/**
 * Adjoint of im2col: x[C,H,W] is overwritten with the sum of every col entry into the pixel it
 * was read from; entries that came from padding are dropped.
 */
export function f32_col2im(
  x: Float32Array, // [C, H, W]
  col: Float32Array, // [C·KH·KW, OH·OW]
  C: number, H: number, W: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number, DH: number, DW: number,
): void {
  const OH = windowOutSize(H, KH, SH, PH, DH);
  const OW = windowOutSize(W, KW, SW, PW, DW);
  // NOTE: accumulate in f64 and round once, so the twin is the exact sum.
  const acc = new Float64Array(C * H * W);
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = (c * KH + kh) * KW + kw;
        for (let oh = 0; oh < OH; oh++) {
          for (let ow = 0; ow < OW; ow++) {
            const ih = oh * SH - PH + kh * DH;
            const iw = ow * SW - PW + kw * DW;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
              acc[(c * H + ih) * W + iw] += col[row * OH * OW + oh * OW + ow];
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < C * H * W; i++) x[i] = acc[i];
}

/**
 * y[B,OC,OH,OW] = Σ over c in the group of oc, kh, kw of w[oc, c, kh, kw]·x[b, c, ih, iw] (+ bias[oc])
 * (then max(·, 0) with epilogue & 4),
 * with ih = oh·SH − PH + kh·DH and iw = ow·SW − PW + kw·DW; w is [OC, C/G, KH, KW] and output
 * channel oc sees input channels g·C/G … (g+1)·C/G − 1 of its group g = floor(oc / (OC/G)).
 * NOTE: padding takes part as explicit zeros: 0·w is added, so a non-finite weight over padding
 * gives NaN, as it would on a zero-padded input. The sum is in f64, bias added after it.
 */
export function f32_conv2d_fwd(
  y: Float32Array, // [B, OC, OH, OW]
  x: Float32Array, // [B, C, H, W]
  w: Float32Array, // [OC, C/G, KH, KW]
  bias: Float32Array, // [OC], read only when epilogue & 1
  B: number, C: number, H: number, W: number, OC: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number, DH: number, DW: number, G: number,
  epilogue: number, // 1: + bias; 4: then max(·, 0) (f32_gemm_epilogue's flags; 2 does not apply)
): void {
  const hasBias = epilogue & 1;
  const relu = epilogue & 4;
  const OH = windowOutSize(H, KH, SH, PH, DH);
  const OW = windowOutSize(W, KW, SW, PW, DW);
  const Cg = C / G;
  const OCg = OC / G;
  for (let b = 0; b < B; b++) {
    for (let oc = 0; oc < OC; oc++) {
      const g = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let acc = 0;
          for (let ci = 0; ci < Cg; ci++) {
            const c = g * Cg + ci;
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * SH - PH + kh * DH;
                const iw = ow * SW - PW + kw * DW;
                const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
                const xv = inside ? x[((b * C + c) * H + ih) * W + iw] : 0;
                acc += w[((oc * Cg + ci) * KH + kh) * KW + kw] * xv;
              }
            }
          }
          const v = hasBias ? Math.fround(Math.fround(acc) + bias[oc]) : Math.fround(acc);
          // NOTE: Math.max propagates NaN: relu(NaN) = NaN.
          y[((b * OC + oc) * OH + oh) * OW + ow] = relu ? Math.max(v, 0) : v;
        }
      }
    }
  }
}
