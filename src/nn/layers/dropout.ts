// Dropout (inverted, ONNX Dropout): in training each value is zeroed with probability 'rate' and
// the rest scaled by 1/(1 − rate), so inference is the identity. The mask comes from the model's
// seeded stream (pass.random) and is kept for the backward pass.

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { known, number } from './options.js';

export interface DropoutOptions {
  /** Probability of dropping a value, in [0, 1). */
  rate: number;
}

export class Dropout extends Layer {
  readonly op = 'Dropout';
  readonly rate: number;

  constructor(options: DropoutOptions) {
    super();
    this.rate = number('Dropout', 'rate', known('Dropout', options, ['rate']).rate, 0, 1);
  }

  outputShape([x]: Shape[]): Shape {
    return x;
  }

  /** None: inference is the identity. */
  flops(): number {
    return 0;
  }

  /** mask: 0 or 1/(1 − rate) per value; training: whether the last forward dropped anything (1) or copied (0). */
  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [
      { name: 'mask', shape: [batch, ...x], dtype: 'f32' },
      { name: 'training', shape: [1], dtype: 'i32' },
    ];
  }

  forward({ k, inputs: [x], output: y, buffers, training, random }: ForwardPass): void {
    const drop = training && this.rate > 0;
    buffers.training.i32()[0] = drop ? 1 : 0;
    if (!drop) {
      y.f32().set(x.f32());
      return;
    }
    const mask = buffers.mask.f32();
    const keep = 1 / (1 - this.rate);
    for (let i = 0; i < mask.length; i++) mask[i] = random() < this.rate ? 0 : keep;
    k.wasm.f32_mul(y.offset, x.offset, buffers.mask.offset, y.size);
  }

  backward({ k, dOutput: dy, dInputs: [dx], buffers }: BackwardPass): void {
    if (!dx) return;
    if (buffers.training.i32()[0] === 1) k.wasm.f32_mul(dx.offset, dy.offset, buffers.mask.offset, dy.size);
    else dx.f32().set(dy.f32());
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { rate: this.rate };
  }
}
