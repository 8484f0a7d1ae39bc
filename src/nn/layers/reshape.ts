// Reshape (ONNX Reshape; Squeeze and Unsqueeze import as this): the per-sample values in the same
// order under a new per-sample shape. One entry may be −1, inferred from the size.
// NOTE: −1 on axis 0 is how the channel count follows its input, which lets pruning pass through:
// [−1] after [C, H, W] is a Flatten, [−1, ...rest] keeping each channel's block is element-wise.
// A literal channel count fixes the channels (a pruning barrier).

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { describe, known, sizeOf } from './options.js';

export interface ReshapeOptions {
  /** Per-sample target shape: integers ≥ 1 and at most one −1. */
  shape: readonly number[];
}

export class Reshape extends Layer {
  readonly op = 'Reshape';
  readonly shape: readonly number[];

  constructor(options: ReshapeOptions) {
    super();
    const { shape } = known('Reshape', options, ['shape']);
    const ok = Array.isArray(shape) && shape.length >= 1 &&
      shape.every((d) => Number.isInteger(d) && (d >= 1 || d === -1)) && shape.filter((d) => d === -1).length <= 1;
    if (!ok) throw new RangeError(`Reshape: 'shape' must be a non-empty list of integers ≥ 1 with at most one −1, got ${describe(shape)}`);
    this.shape = [...shape!];
  }

  outputShape([x]: Shape[]): Shape {
    const size = sizeOf(x);
    const known = sizeOf(this.shape.filter((d) => d !== -1));
    const free = this.shape.indexOf(-1);
    if (free < 0 ? known !== size : size % known !== 0) {
      throw new RangeError(`Reshape: [${x}] (${size} values per sample) cannot take the shape [${this.shape}]`);
    }
    return this.shape.map((d) => (d === -1 ? size / known : d));
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
    const y = this.outputShape([x]);
    if (this.shape[0] === -1 && y.length === 1) return x.length === 1 ? { kind: 'elementwise' } : { kind: 'flatten' };
    if (this.shape[0] === -1 && y[0] === x[0]) return { kind: 'elementwise' };
    return { kind: 'fixed', reason: `reshaping [${x}] to [${y}] regroups the channels` };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { shape: [...this.shape] };
  }
}
