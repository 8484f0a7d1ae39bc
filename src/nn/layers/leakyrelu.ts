// LeakyRelu (ONNX LeakyRelu): y = x > 0 ? x : slope·x; the gradient is dy or slope·dy likewise.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { known, number, sizeOf } from './options.js';

export interface LeakyReluOptions {
  /** Slope for x ≤ 0; default 0.01 (ONNX's alpha). */
  slope?: number;
}

export class LeakyRelu extends Layer {
  readonly op = 'LeakyRelu';
  readonly slope: number;

  constructor(options: LeakyReluOptions = {}) {
    super();
    this.slope = number('LeakyRelu', 'slope', known('LeakyRelu', options, ['slope']).slope ?? 0.01);
  }

  outputShape([x]: Shape[]): Shape {
    return x;
  }

  /** A comparison and a multiply per element. */
  flops([x]: Shape[]): number {
    return 2 * sizeOf(x);
  }

  forward({ k, inputs: [x], output: y }: ForwardPass): void {
    k.wasm.f32_leaky_relu_fwd(y.offset, x.offset, this.slope, y.size);
  }

  backward({ k, inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (dx) k.wasm.f32_leaky_relu_bwd(dx.offset, dy.offset, x.offset, this.slope, dy.size);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { slope: this.slope };
  }
}
