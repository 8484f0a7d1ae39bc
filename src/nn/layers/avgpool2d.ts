// AvgPool2d (ONNX AveragePool, 2-d, floor mode): the mean of each KH×KW window of [C, H, W]. The
// divisor is the in-image count by default (ONNX), or KH·KW with countIncludePad (PyTorch's default).

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { bool, known, poolShape, poolWindow, unpair, type Pair, type PoolWindow } from './options.js';

export interface AvgPool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel (non-overlapping windows). */
  stride?: Pair;
  /** Per side, < kernel; default 0. */
  padding?: Pair;
  /** Count padded positions in the divisor (default false, as ONNX's count_include_pad = 0). */
  countIncludePad?: boolean;
}

export class AvgPool2d extends Layer {
  readonly op = 'AvgPool2d';
  readonly window: PoolWindow;
  readonly countIncludePad: boolean;

  constructor(options: AvgPool2dOptions) {
    super();
    const o = known('AvgPool2d', options, ['kernel', 'stride', 'padding', 'countIncludePad']);
    this.window = poolWindow('AvgPool2d', o);
    this.countIncludePad = bool('AvgPool2d', 'countIncludePad', o.countIncludePad ?? false);
  }

  outputShape([x]: Shape[]): Shape {
    const [C, , , OH, OW] = poolShape(this.op, x, this.window);
    return [C, OH, OW];
  }

  /** KH·KW − 1 additions and one division per output. */
  flops([x]: Shape[]): number {
    const [C, , , OH, OW] = poolShape(this.op, x, this.window);
    return C * OH * OW * this.window.kernel[0] * this.window.kernel[1];
  }

  forward({ k, batch, inputs: [x], output: y }: ForwardPass): void {
    k.wasm.f32_avgpool2d_fwd(y.offset, x.offset, ...this.args(batch, x.shape));
  }

  backward({ k, batch, inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (dx) k.wasm.f32_avgpool2d_bwd(dx.offset, dy.offset, ...this.args(batch, x.shape));
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    const { kernel, stride, padding } = this.window;
    return { kernel: unpair(kernel), stride: unpair(stride), padding: unpair(padding), countIncludePad: this.countIncludePad };
  }

  /** B, C, H, W, KH, KW, SH, SW, PH, PW, countPad: the kernels' arguments after the pointers. */
  private args(batch: number, [, C, H, W]: readonly number[]): [number, number, number, number, number, number, number, number, number, number, number] {
    const { kernel: [KH, KW], stride: [SH, SW], padding: [PH, PW] } = this.window;
    return [batch, C, H, W, KH, KW, SH, SW, PH, PW, this.countIncludePad ? 1 : 0];
  }
}
