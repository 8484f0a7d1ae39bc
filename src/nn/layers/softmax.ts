// Softmax (ONNX Softmax, opset ≥ 13) along one axis of the per-sample shape (default the last),
// and the shared body of LogSoftmax. Each run of L values along the axis is normalised on its own:
//   softmax:    y = e^(x − m) / Σ e^(x − m),   dx = y ⊙ (dy − Σ dy·y)
//   logsoftmax: y = x − m − log Σ e^(x − m),   dx = dy − e^y · Σ dy
// with m the run's maximum. Plain TypeScript over the tensor views.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { int, known, sizeOf } from './options.js';

export interface SoftmaxOptions {
  /** Axis of the per-sample shape (0 = channels); negative counts from the end; default −1. */
  axis?: number;
}

/** Softmax and LogSoftmax: one implementation, `log` picks the output. */
export abstract class Normalise extends Layer {
  readonly axis: number;
  protected abstract readonly log: boolean;

  constructor(op: string, options: SoftmaxOptions) {
    super();
    this.axis = int(op, 'axis', known(op, options, ['axis']).axis ?? -1, -Infinity);
  }

  outputShape([x]: Shape[]): Shape {
    this.axisFor(x);
    return x;
  }

  /** Per value: a subtraction, an exponential, an addition and a division (or subtraction). */
  flops([x]: Shape[]): number {
    return 4 * sizeOf(x);
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const yv = y.f32();
    this.runs(x.shape, (at, L, step) => {
      let m = -Infinity;
      for (let i = 0; i < L; i++) m = Math.max(m, xv[at + i * step]);
      let s = 0;
      for (let i = 0; i < L; i++) s += Math.exp(xv[at + i * step] - m);
      if (this.log) {
        const shift = m + Math.log(s);
        for (let i = 0; i < L; i++) yv[at + i * step] = xv[at + i * step] - shift;
      } else {
        for (let i = 0; i < L; i++) yv[at + i * step] = Math.exp(xv[at + i * step] - m) / s;
      }
    });
  }

  backward({ inputs: [x], output: y, dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const yv = y.f32();
    const dyv = dy.f32();
    const dxv = dx.f32();
    this.runs(x.shape, (at, L, step) => {
      let s = 0;
      if (this.log) {
        for (let i = 0; i < L; i++) s += dyv[at + i * step];
        for (let i = 0; i < L; i++) dxv[at + i * step] = dyv[at + i * step] - Math.exp(yv[at + i * step]) * s;
      } else {
        for (let i = 0; i < L; i++) s += dyv[at + i * step] * yv[at + i * step];
        for (let i = 0; i < L; i++) dxv[at + i * step] = yv[at + i * step] * (dyv[at + i * step] - s);
      }
    });
  }

  /** Normalising over the channels ties them together; along any other axis each channel stays its own. */
  channelFlow([x]: Shape[]): ChannelFlow {
    return this.axisFor(x) === 0
      ? { kind: 'fixed', reason: `${this.op} over the channel axis normalises each channel by all the others` }
      : { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { axis: this.axis };
  }

  /** The axis in [0, rank) of a per-sample shape. */
  axisFor(x: Shape): number {
    const a = this.axis < 0 ? this.axis + x.length : this.axis;
    if (a < 0 || a >= x.length) throw new RangeError(`${this.op}: 'axis' ${this.axis} is outside a per-sample shape of rank ${x.length} ([${x}])`);
    return a;
  }

  /** Calls `fn(first, L, step)` for every run along the axis of a run-time tensor [B, ...x]. */
  private runs(shape: readonly number[], fn: (at: number, L: number, step: number) => void): void {
    const a = this.axisFor(shape.slice(1)) + 1;
    const L = shape[a];
    const inner = sizeOf(shape.slice(a + 1));
    const outer = sizeOf(shape.slice(0, a));
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) fn(o * L * inner + i, L, inner);
  }
}

export class Softmax extends Normalise {
  readonly op = 'Softmax';
  protected readonly log = false;

  constructor(options: SoftmaxOptions = {}) {
    super('Softmax', options);
  }
}
