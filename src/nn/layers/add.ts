// Add (ONNX Add without broadcasting): the sum of 2 to 8 inputs of one shape (residual joins).

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { known, sizeOf } from './options.js';

export class Add extends Layer {
  readonly op = 'Add';

  constructor(options: Record<string, never> = {}) {
    super();
    known('Add', options, []);
  }

  override arity(): { min: number; max: number } {
    return { min: 2, max: 8 };
  }

  outputShape(inputs: Shape[]): Shape {
    const [first] = inputs;
    inputs.forEach((x, i) => {
      if (x.length !== first.length || x.some((d, j) => d !== first[j])) {
        throw new RangeError(`Add needs inputs of one shape: input ${i} is [${x}], input 0 is [${first}]`);
      }
    });
    return first;
  }

  /** One addition per value per input after the first. */
  flops(inputs: Shape[]): number {
    return (inputs.length - 1) * sizeOf(inputs[0]);
  }

  forward({ k, inputs, output: y }: ForwardPass): void {
    k.wasm.f32_add(y.offset, inputs[0].offset, inputs[1].offset, y.size);
    for (let i = 2; i < inputs.length; i++) k.wasm.f32_add(y.offset, y.offset, inputs[i].offset, y.size);
  }

  /**
   * Every input's gradient is dy. NOTE: a value added m times (Add(x, x)) has one slot for all m
   * readings, so it gets m·dy.
   */
  backward({ k, dOutput: dy, dInputs }: BackwardPass): void {
    const times = new Map<number, number>();
    for (const dx of dInputs) if (dx) times.set(dx.offset, (times.get(dx.offset) ?? 0) + 1);
    for (const [offset, m] of times) k.wasm.f32_scale(offset, dy.offset, m, dy.size);
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
