// AvgPool2d (ONNX AveragePool, 2-d, floor mode): the mean of each KH×KW window of [C, H, W]. The
// divisor is the in-image count by default (ONNX), or KH·KW with countIncludePad (PyTorch's default).
// A dilated window (ONNX's dilations, opset 19) runs in plain TypeScript both ways, as MaxPool2d's.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { bool, known, pair, poolShape, poolWindow, unpair, type Pair, type PoolWindow } from './options.js';

export interface AvgPool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel (non-overlapping windows). */
  stride?: Pair;
  /** Per side, < the (dilated) window's span; default 0. */
  padding?: Pair;
  /** Count padded positions in the divisor (default false, as ONNX's count_include_pad = 0). */
  countIncludePad?: boolean;
  /** Spacing of the window's taps; default 1. */
  dilation?: Pair;
}

export class AvgPool2d extends Layer {
  readonly op = 'AvgPool2d';
  readonly window: PoolWindow;
  readonly countIncludePad: boolean;
  readonly dilation: [number, number];

  constructor(options: AvgPool2dOptions) {
    super();
    const o = known('AvgPool2d', options, ['kernel', 'stride', 'padding', 'countIncludePad', 'dilation']);
    this.dilation = pair('AvgPool2d', 'dilation', o.dilation ?? 1, 1);
    const kernel = pair('AvgPool2d', 'kernel', o.kernel, 1);
    const span = kernel.map((k, i) => this.dilation[i] * (k - 1) + 1) as [number, number];
    this.window = { ...poolWindow('AvgPool2d', { ...o, kernel: span, stride: o.stride ?? o.kernel }), kernel };
    this.countIncludePad = bool('AvgPool2d', 'countIncludePad', o.countIncludePad ?? false);
  }

  private get dilated(): boolean {
    return this.dilation[0] !== 1 || this.dilation[1] !== 1;
  }

  /** The window as the output size sees it: dilated taps span d·(k − 1) + 1. */
  private get span(): PoolWindow {
    const [[DH, DW], [KH, KW]] = [this.dilation, this.window.kernel];
    return { ...this.window, kernel: [DH * (KH - 1) + 1, DW * (KW - 1) + 1] };
  }

  outputShape([x]: Shape[]): Shape {
    const [C, , , OH, OW] = poolShape(this.op, x, this.span);
    return [C, OH, OW];
  }

  /** KH·KW − 1 additions and one division per output. */
  flops([x]: Shape[]): number {
    const [C, , , OH, OW] = poolShape(this.op, x, this.span);
    return C * OH * OW * this.window.kernel[0] * this.window.kernel[1];
  }

  forward({ k, batch, inputs: [x], output: y }: ForwardPass): void {
    if (!this.dilated) {
      k.wasm.f32_avgpool2d_fwd(y.offset, x.offset, ...this.args(batch, x.shape));
      return;
    }
    const [xv, yv] = [x.f32(), y.f32()];
    this.taps(batch, x.shape, y.shape, (o, i, scale) => { yv[o] += xv[i] * scale; }, () => yv.fill(0));
  }

  backward({ k, batch, inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    if (!this.dilated) {
      k.wasm.f32_avgpool2d_bwd(dx.offset, dy.offset, ...this.args(batch, x.shape));
      return;
    }
    const [dxv, dyv] = [dx.f32(), dy.f32()];
    this.taps(batch, x.shape, dy.shape, (o, i, scale) => { dxv[i] += dyv[o] * scale; }, () => dxv.fill(0));
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    const { kernel, stride, padding } = this.window;
    return {
      kernel: unpair(kernel), stride: unpair(stride), padding: unpair(padding), countIncludePad: this.countIncludePad,
      ...(this.dilated ? { dilation: unpair(this.dilation) } : {}),
    };
  }

  /**
   * The divisor of each output position [OH·OW] for a per-sample input [C, H, W]: the window's taps
   * on the image, or all KH·KW with countIncludePad (padded taps are zeros, counted or not).
   */
  divisorMap([, H, W]: Shape): Float32Array {
    const [, OH, OW] = this.outputShape([[1, H, W]]);
    const { kernel: [KH, KW], stride: [SH, SW], padding: [PH, PW] } = this.window;
    const [DH, DW] = this.dilation;
    const inside = (start: number, K: number, D: number, L: number) => {
      let n = 0;
      for (let t = 0; t < K; t++) if (start + t * D >= 0 && start + t * D < L) n++;
      return n;
    };
    return Float32Array.from({ length: OH * OW }, (_, i) => (this.countIncludePad ? KH * KW
      : inside(Math.floor(i / OW) * SH - PH, KH, DH, H) * inside((i % OW) * SW - PW, KW, DW, W)));
  }

  /** fn(output index, input index, 1 / divisor) for every in-image tap of every dilated window, after `clear`. */
  private taps(batch: number, [, C, H, W]: readonly number[], [, , OH, OW]: readonly number[], fn: (o: number, i: number, scale: number) => void, clear: () => void): void {
    clear();
    const { kernel: [KH, KW], stride: [SH, SW], padding: [PH, PW] } = this.window;
    const [DH, DW] = this.dilation;
    const divisor = this.divisorMap([C, H, W]);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * SH - PH;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * SW - PW;
        const scale = 1 / divisor[oh * OW + ow];
        for (let p = 0; p < batch * C; p++) {
          const o = (p * OH + oh) * OW + ow;
          for (let kh = 0; kh < KH; kh++) {
            const h = h0 + kh * DH;
            if (h < 0 || h >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const w = w0 + kw * DW;
              if (w >= 0 && w < W) fn(o, (p * H + h) * W + w, scale);
            }
          }
        }
      }
    }
  }

  /** B, C, H, W, KH, KW, SH, SW, PH, PW, countPad: the kernels' arguments after the pointers. */
  private args(batch: number, [, C, H, W]: readonly number[]): [number, number, number, number, number, number, number, number, number, number, number] {
    const { kernel: [KH, KW], stride: [SH, SW], padding: [PH, PW] } = this.window;
    return [batch, C, H, W, KH, KW, SH, SW, PH, PW, this.countIncludePad ? 1 : 0];
  }
}
