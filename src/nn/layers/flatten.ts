// Flatten: [C, H, W] → [C·H·W] per sample (ONNX Flatten with axis 1); a copy, no arithmetic.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';

export class Flatten extends Layer {
  readonly op = 'Flatten';

  outputShape([x]: Shape[]): Shape {
    return [x.reduce((a, b) => a * b, 1)];
  }

  flops(): number {
    return 0;
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    y.f32().set(x.f32());
  }

  backward({ dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (dx) dx.f32().set(dy.f32());
  }

  channelFlow([x]: Shape[]): ChannelFlow {
    return x.length === 1 ? { kind: 'elementwise' } : { kind: 'flatten' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}
