// Maxout (Goodfellow et al. 2013): the maximum over k adjacent units of the channel axis,
// [C·k, ...] → [C, ...] for [units] or [C, H, W] per sample. Backward routes to the winner.

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { channels, int, known, planes } from './options.js';

export interface MaxoutOptions {
  /** Units per group. */
  k: number;
}

const SHAPES = '[units], [C, L] or [C, H, W]';

export class Maxout extends Layer {
  readonly op = 'Maxout';
  readonly k: number;

  constructor(options: MaxoutOptions) {
    super();
    this.k = int('Maxout', 'k', known('Maxout', options, ['k']).k, 1);
  }

  outputShape([x]: Shape[]): Shape {
    const [C] = channels(this.op, x, 1, 3, SHAPES);
    if (C % this.k !== 0) {
      throw new RangeError(`Maxout: the input's ${C} channels (shape [${x}]) are not divisible by 'k' = ${this.k}`);
    }
    return [C / this.k, ...x.slice(1)];
  }

  /** k − 1 comparisons per output. */
  flops([x]: Shape[]): number {
    const [C, S] = channels(this.op, x, 1, 3, SHAPES);
    return (C / this.k) * S * (this.k - 1);
  }

  /** The winner j ∈ [0, k) of every output. */
  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [{ name: 'argmax', shape: [batch, ...this.outputShape([x])], dtype: 'i32' }];
  }

  forward({ k, batch, output: y, inputs: [x], buffers }: ForwardPass): void {
    const [C, S] = planes(y.shape);
    k.wasm.f32_maxout_fwd(y.offset, buffers.argmax.offset, x.offset, batch, C, this.k, S);
  }

  backward({ k, batch, dOutput: dy, dInputs: [dx], buffers }: BackwardPass): void {
    if (!dx) return;
    const [C, S] = planes(dy.shape);
    k.wasm.f32_maxout_bwd(dx.offset, dy.offset, buffers.argmax.offset, batch, C, this.k, S);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'group', size: this.k };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { k: this.k };
  }
}
