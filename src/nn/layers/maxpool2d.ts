// MaxPool2d (ONNX MaxPool, 2-d, floor mode): the maximum of each KH×KW window of [C, H, W]; padding
// is never the maximum. The backward pass routes each gradient to its window's winner (argmax).
// A dilated window (rare: ONNX's dilations) runs its forward pass in plain TypeScript, writing the
// same argmax, so the backward kernel serves both.

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { known, pair, poolShape, poolWindow, unpair, type Pair, type PoolWindow } from './options.js';

export interface MaxPool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel (non-overlapping windows). */
  stride?: Pair;
  /** Per side, < kernel; default 0. */
  padding?: Pair;
  /** Spacing of the window's taps; default 1. */
  dilation?: Pair;
}

export class MaxPool2d extends Layer {
  readonly op = 'MaxPool2d';
  readonly window: PoolWindow;
  readonly dilation: [number, number];

  constructor(options: MaxPool2dOptions) {
    super();
    const o = known('MaxPool2d', options, ['kernel', 'stride', 'padding', 'dilation']);
    this.dilation = pair('MaxPool2d', 'dilation', o.dilation ?? 1, 1);
    // Padding must stay below the dilated window's span, so that every window holds a real value.
    const span = pair('MaxPool2d', 'kernel', o.kernel, 1).map((k, i) => this.dilation[i] * (k - 1) + 1) as [number, number];
    const checked = poolWindow('MaxPool2d', { ...o, kernel: span, stride: o.stride ?? o.kernel });
    this.window = { ...checked, kernel: pair('MaxPool2d', 'kernel', o.kernel, 1) };
  }

  /** The window as the output size sees it: dilated taps span d·(k − 1) + 1. */
  private get span(): PoolWindow {
    const [DH, DW] = this.dilation;
    const [KH, KW] = this.window.kernel;
    return { ...this.window, kernel: [DH * (KH - 1) + 1, DW * (KW - 1) + 1] };
  }

  outputShape([x]: Shape[]): Shape {
    const [C, , , OH, OW] = poolShape(this.op, x, this.span);
    return [C, OH, OW];
  }

  /** One comparison per window element after the first. */
  flops([x]: Shape[]): number {
    const [C, , , OH, OW] = poolShape(this.op, x, this.span);
    return C * OH * OW * (this.window.kernel[0] * this.window.kernel[1] - 1);
  }

  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [{ name: 'argmax', shape: [batch, ...this.outputShape([x])], dtype: 'i32' }];
  }

  forward({ k, batch, inputs: [x], output: y, buffers }: ForwardPass): void {
    const [, C, H, W] = x.shape;
    const { kernel: [KH, KW], stride: [SH, SW], padding: [PH, PW] } = this.window;
    if (this.dilation[0] === 1 && this.dilation[1] === 1) {
      k.wasm.f32_maxpool2d_fwd(y.offset, buffers.argmax.offset, x.offset, batch, C, H, W, KH, KW, SH, SW, PH, PW);
      return;
    }
    const [DH, DW] = this.dilation;
    const [, , OH, OW] = y.shape;
    const xv = x.f32();
    const yv = y.f32();
    const argmax = buffers.argmax.i32();
    for (let p = 0; p < batch * C; p++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let best = -Infinity;
          let at = -1;
          for (let kh = 0; kh < KH; kh++) {
            const h = oh * SH - PH + kh * DH;
            if (h < 0 || h >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const w = ow * SW - PW + kw * DW;
              if (w < 0 || w >= W) continue;
              const v = xv[(p * H + h) * W + w];
              if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) { best = v; at = h * W + w; }
            }
          }
          const o = (p * OH + oh) * OW + ow;
          yv[o] = best;
          argmax[o] = at;
        }
      }
    }
  }

  backward({ k, batch, inputs: [x], dOutput: dy, dInputs: [dx], buffers }: BackwardPass): void {
    if (!dx) return;
    const [, C, H, W] = x.shape;
    const [, , OH, OW] = dy.shape;
    k.wasm.f32_maxpool2d_bwd(dx.offset, dy.offset, buffers.argmax.offset, batch, C, H, W, OH, OW);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    const { kernel, stride, padding } = this.window;
    const dilated = this.dilation[0] !== 1 || this.dilation[1] !== 1;
    return { kernel: unpair(kernel), stride: unpair(stride), padding: unpair(padding), ...(dilated ? { dilation: unpair(this.dilation) } : {}) };
  }
}
