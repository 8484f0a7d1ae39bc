// ReLU: y = max(x, 0); the gradient passes where x > 0.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';

export class Relu extends Layer {
  readonly op = 'Relu';

  outputShape([x]: Shape[]): Shape {
    return x;
  }

  flops([x]: Shape[]): number {
    return x.reduce((a, b) => a * b, 1);
  }

  forward({ k, inputs: [x], output: y }: ForwardPass): void {
    k.wasm.f32_relu_fwd(y.offset, x.offset, y.size);
  }

  backward({ k, inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (dx) k.wasm.f32_relu_bwd(dx.offset, dy.offset, x.offset, dy.size);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}
