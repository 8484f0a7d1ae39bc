// Concat (ONNX Concat): 2 or more inputs joined along one axis of the per-sample shape (0, the
// channels, by default; negative counts from the end); the other dimensions must agree. Copies only.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { int, known, sizeOf } from './options.js';

export interface ConcatOptions {
  /** Axis of the per-sample shape (0 = channels); default 0. */
  axis?: number;
}

export class Concat extends Layer {
  readonly op = 'Concat';
  readonly axis: number;

  constructor(options: ConcatOptions = {}) {
    super();
    this.axis = int('Concat', 'axis', known('Concat', options, ['axis']).axis ?? 0, -Infinity);
  }

  override arity(): { min: number; max: number } {
    return { min: 2, max: 64 };
  }

  outputShape(inputs: Shape[]): Shape {
    const [first] = inputs;
    const a = this.axisFor(first.length);
    inputs.forEach((x, i) => {
      if (x.length !== first.length || x.some((d, j) => j !== a && d !== first[j])) {
        throw new RangeError(`Concat along axis ${this.axis}: input ${i} is [${x}], input 0 is [${first}]; all dimensions but axis ${a} must agree`);
      }
    });
    const out = [...first];
    out[a] = inputs.reduce((n, x) => n + x[a], 0);
    return out;
  }

  flops(): number {
    return 0;
  }

  // NOTE: with outer = batch · (dims before the axis), each input i is `outer` blocks of inner_i
  // values, and output block o is the inputs' blocks o side by side.
  forward({ inputs, output: y }: ForwardPass): void {
    const { outer, inner, total } = this.blocks(inputs.map((x) => x.shape));
    const yv = y.f32();
    let at = 0;
    inputs.forEach((x, i) => {
      const xv = x.f32();
      const n = inner[i];
      for (let o = 0; o < outer; o++) yv.set(xv.subarray(o * n, o * n + n), o * total + at);
      at += n;
    });
  }

  /** Each dx is its slice of dy; a value concatenated twice (Concat(x, x)) sums its slices. */
  backward({ inputs, dOutput: dy, dInputs }: BackwardPass): void {
    const { outer, inner, total } = this.blocks(inputs.map((x) => x.shape));
    const dyv = dy.f32();
    const written = new Set<number>();
    let at = 0;
    dInputs.forEach((dx, i) => {
      const n = inner[i];
      const from = at;
      at += n;
      if (!dx) return;
      const dxv = dx.f32();
      if (!written.has(dx.offset)) {
        written.add(dx.offset);
        for (let o = 0; o < outer; o++) dxv.set(dyv.subarray(o * total + from, o * total + from + n), o * n);
      } else {
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < n; j++) dxv[o * n + j] += dyv[o * total + from + j];
        }
      }
    });
  }

  channelFlow(inputs: Shape[]): ChannelFlow {
    const axis = this.axis < 0 ? this.axis + inputs[0].length : this.axis;
    return axis === 0 ? { kind: 'concat' } : { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { axis: this.axis };
  }

  /** The axis in [0, rank) for a per-sample rank. */
  private axisFor(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) {
      throw new RangeError(`Concat: 'axis' ${this.axis} is outside a per-sample shape of rank ${rank}`);
    }
    return a;
  }

  /** Blocks of run-time tensors [B, ...shape]: outer count, values per block per input, and their sum. */
  private blocks(shapes: (readonly number[])[]): { outer: number; inner: number[]; total: number } {
    const a = this.axisFor(shapes[0].length - 1) + 1;
    const outer = sizeOf(shapes[0].slice(0, a));
    const inner = shapes.map((s) => sizeOf(s.slice(a)));
    return { outer, inner, total: inner.reduce((x, y) => x + y, 0) };
  }
}
