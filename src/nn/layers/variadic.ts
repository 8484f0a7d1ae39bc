// Max, Min and Mean of several inputs (ONNX Max, Min, Mean), element-wise with numpy broadcasting
// between per-sample inputs of one rank. Backward: Max and Min pass the gradient to the input that
// won (the first on ties), Mean shares it equally; each summed over the axes it was broadcast along.
// Plain TypeScript.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { broadcastShapes } from './binary.js';
import { known, sizeOf } from './options.js';

export type VariadicKind = 'max' | 'min' | 'mean';

/** Strides of run-time `shape` read as broadcast to `out` (same rank): 0 where it repeats. */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = new Array<number>(out.length).fill(0);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = shape[i] === 1 && out[i] !== 1 ? 0 : step;
    step *= shape[i];
  }
  return s;
}

abstract class Variadic extends Layer {
  abstract readonly kind: VariadicKind;

  constructor(options: Record<string, never> = {}) {
    super();
    known(new.target.name, options, []);
  }

  override arity(): { min: number; max: number } {
    return { min: 1, max: 16 };
  }

  outputShape(inputs: Shape[]): Shape {
    const rank = inputs[0].length;
    inputs.forEach((x, i) => {
      if (x.length !== rank) throw new RangeError(`${this.op}: per-sample inputs [${inputs[0]}] and [${x}] (input ${i}) differ in rank (broadcasting them would mix the batch axis in)`);
    });
    return inputs.reduce<number[]>((y, x) => broadcastShapes(this.op, y, x), [...inputs[0]]);
  }

  flops(inputs: Shape[]): number {
    return inputs.length * sizeOf(this.outputShape(inputs));
  }

  forward({ inputs, output: y }: ForwardPass): void {
    const xs = inputs.map((x) => x.f32());
    const yv = y.f32();
    const n = xs.length;
    this.walk(y.shape, inputs.map((x) => x.shape), (o, at) => {
      let v = xs[0][at[0]];
      for (let j = 1; j < n; j++) {
        const u = xs[j][at[j]];
        v = this.kind === 'max' ? (u > v ? u : v) : this.kind === 'min' ? (u < v ? u : v) : v + u;
      }
      yv[o] = this.kind === 'mean' ? v / n : v;
    });
  }

  backward({ inputs, dOutput: dy, dInputs }: BackwardPass): void {
    const xs = inputs.map((x) => x.f32());
    const dyv = dy.f32();
    const n = xs.length;
    const sums = inputs.map((x) => new Float64Array(x.size));
    this.walk(dy.shape, inputs.map((x) => x.shape), (o, at) => {
      if (this.kind === 'mean') {
        for (let j = 0; j < n; j++) sums[j][at[j]] += dyv[o] / n;
        return;
      }
      let best = 0;
      for (let j = 1; j < n; j++) {
        const u = xs[j][at[j]];
        const v = xs[best][at[best]];
        if (this.kind === 'max' ? u > v : u < v) best = j;
      }
      sums[best][at[best]] += dyv[o];
    });
    // One tensor may be several inputs (Max(x, x)): its gradient is the sum.
    const written = new Set<number>();
    dInputs.forEach((dx, j) => {
      if (!dx) return;
      const v = dx.f32();
      if (written.has(dx.offset)) for (let i = 0; i < v.length; i++) v[i] += sums[j][i];
      else v.set(sums[j]);
      written.add(dx.offset);
    });
  }

  channelFlow(inputs: Shape[]): ChannelFlow {
    const y = this.outputShape(inputs);
    return inputs.every((x) => x[0] === y[0]) ? { kind: 'elementwise' } : { kind: 'fixed', reason: `inputs ${inputs.map((x) => `[${x}]`).join(', ')} broadcast across channels` };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return {};
  }

  /** fn(outputIndex, inputIndices) over every element of the run-time output `out`. */
  private walk(out: readonly number[], shapes: (readonly number[])[], fn: (o: number, at: number[]) => void): void {
    const strides = shapes.map((s) => broadcastStrides(s, out));
    const rank = out.length;
    const index = new Array<number>(rank).fill(0);
    const at = shapes.map(() => 0);
    const total = sizeOf(out);
    for (let o = 0; o < total; o++) {
      fn(o, at);
      for (let a = rank - 1; a >= 0; a--) {
        for (let j = 0; j < at.length; j++) at[j] += strides[j][a];
        if (++index[a] < out[a]) break;
        for (let j = 0; j < at.length; j++) at[j] -= strides[j][a] * out[a];
        index[a] = 0;
      }
    }
  }
}

export class Max extends Variadic {
  readonly op = 'Max';
  readonly kind = 'max';
}

export class Min extends Variadic {
  readonly op = 'Min';
  readonly kind = 'min';
}

export class Mean extends Variadic {
  readonly op = 'Mean';
  readonly kind = 'mean';
}
