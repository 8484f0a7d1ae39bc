// MaxPool2d (ONNX MaxPool, 2-d, floor mode): the maximum of each KH×KW window of [C, H, W]; padding
// is never the maximum. The backward pass routes each gradient to its window's winner (argmax).

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { known, poolShape, poolWindow, unpair, type Pair, type PoolWindow } from './options.js';

export interface MaxPool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel (non-overlapping windows). */
  stride?: Pair;
  /** Per side, < kernel; default 0. */
  padding?: Pair;
}

export class MaxPool2d extends Layer {
  readonly op = 'MaxPool2d';
  readonly window: PoolWindow;

  constructor(options: MaxPool2dOptions) {
    super();
    this.window = poolWindow('MaxPool2d', known('MaxPool2d', options, ['kernel', 'stride', 'padding']));
  }

  outputShape([x]: Shape[]): Shape {
    const [C, , , OH, OW] = poolShape(this.op, x, this.window);
    return [C, OH, OW];
  }

  /** One comparison per window element after the first. */
  flops([x]: Shape[]): number {
    const [C, , , OH, OW] = poolShape(this.op, x, this.window);
    return C * OH * OW * (this.window.kernel[0] * this.window.kernel[1] - 1);
  }

  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [{ name: 'argmax', shape: [batch, ...this.outputShape([x])], dtype: 'i32' }];
  }

  forward({ k, batch, inputs: [x], output: y, buffers }: ForwardPass): void {
    const [, C, H, W] = x.shape;
    const { kernel: [KH, KW], stride: [SH, SW], padding: [PH, PW] } = this.window;
    k.wasm.f32_maxpool2d_fwd(y.offset, buffers.argmax.offset, x.offset, batch, C, H, W, KH, KW, SH, SW, PH, PW);
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
    return { kernel: unpair(kernel), stride: unpair(stride), padding: unpair(padding) };
  }
}
