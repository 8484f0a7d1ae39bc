// GlobalAvgPool (ONNX GlobalAveragePool): the mean of each channel's plane, [C, H, W] → [C, 1, 1]
// (or [C, L] → [C, 1]). Computed as one average-pooling window covering the whole plane.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { channels, known, planes } from './options.js';

export class GlobalAvgPool extends Layer {
  readonly op = 'GlobalAvgPool';

  constructor(options: Record<string, never> = {}) {
    super();
    known('GlobalAvgPool', options, []);
  }

  outputShape([x]: Shape[]): Shape {
    channels(this.op, x, 2, 3, '[C, L] or [C, H, W]');
    return [x[0], ...x.slice(1).map(() => 1)];
  }

  /** S − 1 additions and one division per channel. */
  flops([x]: Shape[]): number {
    const [C, S] = channels(this.op, x, 2, 3, '[C, L] or [C, H, W]');
    return C * S;
  }

  // NOTE: the plane is passed as 1×S with a 1×S window, which covers any rank in one call.
  forward({ k, batch, inputs: [x], output: y }: ForwardPass): void {
    const [C, S] = planes(x.shape);
    k.wasm.f32_avgpool2d_fwd(y.offset, x.offset, batch, C, 1, S, 1, S, 1, S, 0, 0, 0);
  }

  backward({ k, batch, inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const [C, S] = planes(x.shape);
    k.wasm.f32_avgpool2d_bwd(dx.offset, dy.offset, batch, C, 1, S, 1, S, 1, S, 0, 0, 0);
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
