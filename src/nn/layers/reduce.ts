// The reductions of ONNX over some per-sample axes — ReduceMean, ReduceSum, ReduceMax, ReduceMin,
// ReduceL2 — keeping them as size-1 axes or dropping them. Reducing over the channels mixes them
// (a pruning barrier); over other axes it does not. Max and Min pass the gradient to the first
// winner. Plain TypeScript.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { bool, describe, known, sizeOf } from './options.js';

export interface ReduceOptions {
  /** Per-sample axes (negative counts from the end); at least one. */
  axes: readonly number[];
  /** Keep the reduced axes with size 1 (default true, as ONNX). */
  keepdims?: boolean;
}

export abstract class Reduce extends Layer {
  readonly axes: readonly number[];
  readonly keepdims: boolean;

  constructor(options: ReduceOptions) {
    super();
    const op = new.target.name;
    const o = known(op, options, ['axes', 'keepdims']);
    const axes = o.axes;
    if (!Array.isArray(axes) || axes.length === 0 || !axes.every((a) => Number.isInteger(a))) {
      throw new RangeError(`${op}: 'axes' must be a non-empty list of integers, got ${describe(axes)}`);
    }
    this.axes = [...axes];
    this.keepdims = bool(op, 'keepdims', o.keepdims ?? true);
  }

  outputShape([x]: Shape[]): Shape {
    const axes = this.axesFor(x);
    const y = this.keepdims ? x.map((d, i) => (axes.has(i) ? 1 : d)) : x.filter((_, i) => !axes.has(i));
    if (y.length === 0) throw new RangeError(`${this.op}: reducing every axis of [${x}] without keepdims leaves a per-sample scalar; keep the dims`);
    return y;
  }

  /** One operation per input value, one per output. */
  flops([x]: Shape[]): number {
    return sizeOf(x) + sizeOf(this.outputShape([x]));
  }

  channelFlow([x]: Shape[]): ChannelFlow {
    return this.axesFor(x).has(0) ? { kind: 'fixed', reason: 'reducing over the channel axis mixes the channels' } : { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { axes: [...this.axes], keepdims: this.keepdims };
  }

  /** The reduced axes in [0, rank), checked. */
  axesFor(x: Shape): Set<number> {
    const out = new Set<number>();
    for (const a of this.axes) {
      const b = a < 0 ? a + x.length : a;
      if (b < 0 || b >= x.length) throw new RangeError(`${this.op}: axis ${a} is outside a per-sample shape of rank ${x.length} ([${x}])`);
      if (out.has(b)) throw new RangeError(`${this.op}: axis ${a} is listed twice in [${this.axes}]`);
      out.add(b);
    }
    return out;
  }

  /** Calls fn(inputIndex, outputIndex) for every value of a run-time tensor [B, ...x]. */
  protected walk(shape: readonly number[], fn: (i: number, o: number) => void): void {
    const axes = this.axesFor(shape.slice(1));
    const rank = shape.length;
    // Output stride of each input axis (0 for the reduced ones).
    const stride = new Array<number>(rank).fill(0);
    let s = 1;
    for (let i = rank - 1; i >= 0; i--) {
      if (i > 0 && axes.has(i - 1)) continue;
      stride[i] = s;
      s *= shape[i];
    }
    const index = new Array<number>(rank).fill(0);
    const total = sizeOf(shape);
    let o = 0;
    for (let i = 0; i < total; i++) {
      fn(i, o);
      for (let a = rank - 1; a >= 0; a--) {
        o += stride[a];
        if (++index[a] < shape[a]) break;
        o -= stride[a] * shape[a];
        index[a] = 0;
      }
    }
  }
}

export type ReduceMeanOptions = ReduceOptions;

export class ReduceMean extends Reduce {
  readonly op = 'ReduceMean';

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const sums = new Float64Array(y.size);
    this.walk(x.shape, (i, o) => { sums[o] += xv[i]; });
    const n = sizeOf(x.shape) / y.size;
    const yv = y.f32();
    for (let o = 0; o < sums.length; o++) yv[o] = sums[o] / n;
  }

  backward({ inputs: [x], output: y, dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const dxv = dx.f32();
    const dyv = dy.f32();
    const n = sizeOf(x.shape) / y.size;
    this.walk(x.shape, (i, o) => { dxv[i] = dyv[o] / n; });
  }
}

export class ReduceSum extends Reduce {
  readonly op = 'ReduceSum';

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const sums = new Float64Array(y.size);
    this.walk(x.shape, (i, o) => { sums[o] += xv[i]; });
    y.f32().set(sums);
  }

  backward({ inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const dxv = dx.f32();
    const dyv = dy.f32();
    this.walk(x.shape, (i, o) => { dxv[i] = dyv[o]; });
  }
}

/** √(Σ x²); the gradient x / y (0 where y = 0). */
export class ReduceL2 extends Reduce {
  readonly op = 'ReduceL2';

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const sums = new Float64Array(y.size);
    this.walk(x.shape, (i, o) => { sums[o] += xv[i] * xv[i]; });
    const yv = y.f32();
    for (let o = 0; o < sums.length; o++) yv[o] = Math.sqrt(sums[o]);
  }

  backward({ inputs: [x], output: y, dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const xv = x.f32();
    const yv = y.f32();
    const dxv = dx.f32();
    const dyv = dy.f32();
    this.walk(x.shape, (i, o) => { dxv[i] = yv[o] > 0 ? (dyv[o] * xv[i]) / yv[o] : 0; });
  }
}

abstract class Extremum extends Reduce {
  protected abstract better(a: number, b: number): boolean;

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const yv = y.f32();
    const seen = new Uint8Array(y.size);
    this.walk(x.shape, (i, o) => {
      if (!seen[o] || this.better(xv[i], yv[o])) { yv[o] = xv[i]; seen[o] = 1; }
    });
  }

  backward({ inputs: [x], output: y, dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const xv = x.f32();
    const yv = y.f32();
    const dxv = dx.f32();
    const dyv = dy.f32();
    const routed = new Uint8Array(y.size);
    this.walk(x.shape, (i, o) => {
      if (!routed[o] && xv[i] === yv[o]) { dxv[i] = dyv[o]; routed[o] = 1; } else dxv[i] = 0;
    });
  }
}

export class ReduceMax extends Extremum {
  readonly op = 'ReduceMax';
  protected better(a: number, b: number): boolean { return a > b; }
}

export class ReduceMin extends Extremum {
  readonly op = 'ReduceMin';
  protected better(a: number, b: number): boolean { return a < b; }
}
