// Slice (ONNX Slice; Split imports as one Slice per output): the entries start, start + step, …
// (< end) of some per-sample axes. Starts and ends are resolved and in range; steps ≥ 1. Plain
// TypeScript: a copy. A unit-step slice of the channel axis passes the channels it keeps on, so
// pruning runs through it and moves its bounds; a stepped one ties channels to positions (a barrier).

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { describe, known, sizeOf } from './options.js';

export interface SliceOptions {
  /** Per-sample axes, each once. */
  axes: readonly number[];
  /** Per axis: first index (≥ 0), end (exclusive, > start) and step (≥ 1). */
  starts: readonly number[];
  ends: readonly number[];
  steps?: readonly number[];
}

export class Slice extends Layer {
  readonly op = 'Slice';
  readonly axes: readonly number[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly steps: readonly number[];

  constructor(options: SliceOptions) {
    super();
    const o = known('Slice', options, ['axes', 'starts', 'ends', 'steps']);
    const ints = (name: string, v: unknown, lo: number): number[] => {
      if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && d >= lo)) throw new RangeError(`Slice: '${name}' must be a list of integers ≥ ${lo}, got ${describe(v)}`);
      return [...v];
    };
    this.axes = ints('axes', o.axes, 0);
    if (this.axes.length === 0 || new Set(this.axes).size !== this.axes.length) throw new RangeError(`Slice: 'axes' must list each axis once, at least one, got ${describe(o.axes)}`);
    this.starts = ints('starts', o.starts, 0);
    this.ends = ints('ends', o.ends, 1);
    this.steps = ints('steps', o.steps ?? this.axes.map(() => 1), 1);
    for (const [name, v] of [['starts', this.starts], ['ends', this.ends], ['steps', this.steps]] as const) {
      if (v.length !== this.axes.length) throw new RangeError(`Slice: '${name}' has ${v.length} values for ${this.axes.length} axes`);
    }
    this.axes.forEach((a, i) => {
      if (this.ends[i] <= this.starts[i]) throw new RangeError(`Slice: axis ${a} is sliced [${this.starts[i]}, ${this.ends[i]}), which is empty`);
    });
  }

  outputShape([x]: Shape[]): Shape {
    const y = [...x];
    this.axes.forEach((a, i) => {
      if (a >= x.length) throw new RangeError(`Slice: axis ${a} is outside a per-sample shape of rank ${x.length} ([${x}])`);
      if (this.ends[i] > x[a]) throw new RangeError(`Slice: axis ${a} of [${x}] has ${x[a]} entries; the slice ends at ${this.ends[i]}`);
      y[a] = Math.ceil((this.ends[i] - this.starts[i]) / this.steps[i]);
    });
    return y;
  }

  flops(): number {
    return 0;
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const yv = y.f32();
    this.walk(x.shape, (o, i) => { yv[o] = xv[i]; });
  }

  backward({ inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const dxv = dx.f32();
    const dyv = dy.f32();
    dxv.fill(0);
    this.walk(x.shape, (o, i) => { dxv[i] = dyv[o]; });
  }

  channelFlow(): ChannelFlow {
    const a = this.axes.indexOf(0);
    if (a < 0) return { kind: 'elementwise' };
    if (this.steps[a] !== 1) return { kind: 'fixed', reason: `slicing the channel axis with step ${this.steps[a]} ties the channels to their positions` };
    return { kind: 'slice', start: this.starts[a], end: this.ends[a] };
  }

  withChannels(): Layer {
    return this;
  }

  /** The same slice once input channels `removed` are gone: each bound moves down by the removed channels below it. */
  override withInputsCut(removed: ReadonlySet<number>): Layer {
    const a = this.axes.indexOf(0);
    if (a < 0 || removed.size === 0) return this;
    const below = (bound: number) => bound - [...removed].filter((c) => c < bound).length;
    const starts = [...this.starts];
    const ends = [...this.ends];
    [starts[a], ends[a]] = [below(starts[a]), below(ends[a])];
    return new Slice({ axes: this.axes, starts, ends, steps: this.steps });
  }

  attrs(): Record<string, unknown> {
    return { axes: [...this.axes], starts: [...this.starts], ends: [...this.ends], steps: [...this.steps] };
  }

  /** fn(outputIndex, inputIndex) for every output value of a run-time input of `shape` [B, ...]. */
  private walk(shape: readonly number[], fn: (o: number, i: number) => void): void {
    const rank = shape.length;
    const out = [shape[0], ...this.outputShape([shape.slice(1)])];
    const start = new Array<number>(rank).fill(0);
    const step = new Array<number>(rank).fill(1);
    this.axes.forEach((a, j) => { start[a + 1] = this.starts[j]; step[a + 1] = this.steps[j]; });
    const stride = new Array<number>(rank).fill(1);
    for (let a = rank - 2; a >= 0; a--) stride[a] = stride[a + 1] * shape[a + 1];
    const index = new Array<number>(rank).fill(0);
    let i = 0;
    for (let a = 0; a < rank; a++) i += start[a] * stride[a];
    const total = sizeOf(out);
    for (let o = 0; o < total; o++) {
      fn(o, i);
      for (let a = rank - 1; a >= 0; a--) {
        i += step[a] * stride[a];
        if (++index[a] < out[a]) break;
        i -= step[a] * stride[a] * out[a];
        index[a] = 0;
      }
    }
  }
}
