// Twin of assembly/conv_backward.ts: the convolution's gradients by direct loops over every
// (image, output channel, output pixel, input channel, tap).

export function f32_conv2d_bwd(
  dx: Float32Array, dw: Float32Array, dbias: Float32Array, dy: Float32Array, x: Float32Array, w: Float32Array,
  B: number, C: number, H: number, W: number, OC: number, KH: number, KW: number,
  SH: number, SW: number, PH: number, PW: number, DH: number, DW: number, G: number,
  hasBias: number, needDx: number,
): void {
  const OH = Math.max(0, Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1);
  const OW = Math.max(0, Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1);
  const Cg = C / G;
  const OCg = OC / G;
  const gw = new Float64Array(OC * Cg * KH * KW);
  const gx = new Float64Array(B * C * H * W);
  const gb = new Float64Array(OC);
  for (let b = 0; b < B; b++) {
    for (let oc = 0; oc < OC; oc++) {
      const g = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const d = dy[((b * OC + oc) * OH + oh) * OW + ow];
          gb[oc] += d;
          for (let c = 0; c < Cg; c++) {
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * SW - PW + kw * DW;
                if (iw < 0 || iw >= W) continue;
                const xi = ((b * C + g * Cg + c) * H + ih) * W + iw;
                const wi = ((oc * Cg + c) * KH + kh) * KW + kw;
                gw[wi] += d * x[xi];
                gx[xi] += d * w[wi];
              }
            }
          }
        }
      }
    }
  }
  dw.set(gw);
  if (hasBias) dbias.set(gb);
  if (needDx) dx.set(gx);
}
