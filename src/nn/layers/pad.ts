// Pad (ONNX Pad): each per-sample axis i grows by pads[i] before and pads[rank + i] after, filled
// with `value` (constant mode), the input mirrored without its edge (reflect) or its edge repeated
// (edge); negative pads crop. Backward sums each output's gradient into the input value it copies.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { describe, known } from './options.js';

export interface PadOptions {
  /** Per-sample [begin_0, …, begin_{r−1}, end_0, …, end_{r−1}], integers (negative crops). */
  pads: readonly number[];
  /** Fill value of constant mode; default 0. ±Infinity allowed (saved as the strings 'Infinity', '-Infinity'). */
  value?: number | 'Infinity' | '-Infinity';
  /** 'constant' (default), 'reflect' (pads < the axis size) or 'edge'. */
  mode?: PadMode;
}

export type PadMode = 'constant' | 'reflect' | 'edge';
const MODES: readonly PadMode[] = ['constant', 'reflect', 'edge'];

export class Pad extends Layer {
  readonly op = 'Pad';
  readonly pads: readonly number[];
  readonly value: number;
  readonly mode: PadMode;

  constructor(options: PadOptions) {
    super();
    const o = known('Pad', options, ['pads', 'value', 'mode']);
    const pads = o.pads;
    if (!Array.isArray(pads) || pads.length < 2 || pads.length % 2 !== 0 || !pads.every((p) => Number.isInteger(p))) {
      throw new RangeError(`Pad: 'pads' must be an even-length list of integers (begins, then ends), got ${describe(pads)}`);
    }
    this.pads = [...pads];
    const v = o.value ?? 0;
    const value = v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
    if (typeof value !== 'number' || Number.isNaN(value)) throw new RangeError(`Pad: 'value' must be a number, got ${describe(v)}`);
    this.value = value;
    this.mode = o.mode ?? 'constant';
    if (!MODES.includes(this.mode)) throw new RangeError(`Pad: 'mode' must be one of ${MODES.join(', ')}, got ${describe(o.mode)}`);
  }

  outputShape([x]: Shape[]): Shape {
    const r = this.pads.length / 2;
    if (x.length !== r) throw new RangeError(`Pad: 'pads' [${this.pads}] is for rank ${r}, the per-sample input is [${x}]`);
    const y = x.map((d, i) => d + this.pads[i] + this.pads[r + i]);
    if (y.some((d) => d < 1)) throw new RangeError(`Pad: pads [${this.pads}] leave [${y}] from [${x}]; every axis needs ≥ 1`);
    if (this.mode === 'reflect') {
      x.forEach((d, i) => {
        if (Math.max(this.pads[i], this.pads[r + i]) > d - 1) {
          throw new RangeError(`Pad: reflect pads [${this.pads}] need each pad < the axis size; axis ${i} of [${x}] has ${d}`);
        }
      });
    }
    return y;
  }

  flops(): number {
    return 0;
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const yv = y.f32();
    const xv = x.f32();
    if (this.mode === 'constant') {
      yv.fill(this.value);
      this.copy(x.shape, y.shape, (from, to, n) => yv.set(xv.subarray(from, from + n), to));
      return;
    }
    this.gather(x.shape, y.shape, (o, i) => { yv[o] = xv[i]; });
  }

  backward({ inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const dxv = dx.f32();
    const dyv = dy.f32();
    dxv.fill(0);
    if (this.mode === 'constant') this.copy(x.shape, dy.shape, (from, to, n) => dxv.set(dyv.subarray(to, to + n), from));
    else this.gather(x.shape, dy.shape, (o, i) => { dxv[i] += dyv[o]; });
  }

  /** Padding the channel axis adds channels no producer makes. */
  channelFlow(): ChannelFlow {
    const r = this.pads.length / 2;
    return this.pads[0] === 0 && this.pads[r] === 0 ? { kind: 'elementwise' } : { kind: 'fixed', reason: 'padding the channel axis adds or removes channels' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    const value = this.value === Infinity ? 'Infinity' : this.value === -Infinity ? '-Infinity' : this.value;
    return { pads: [...this.pads], value, mode: this.mode };
  }

  /**
   * Reflect and edge modes: calls fn(outputIndex, inputIndex) for every value of run-time tensors
   * `xs` = [B, ...x] and `ys` = [B, ...y], through one index map per axis.
   */
  private gather(xs: readonly number[], ys: readonly number[], fn: (o: number, i: number) => void): void {
    const rank = xs.length;
    const stride = new Array<number>(rank).fill(1);
    for (let a = rank - 2; a >= 0; a--) stride[a] = stride[a + 1] * xs[a + 1];
    // map[a][o]: the input offset along axis a of output position o.
    const map = ys.map((n, a) => Int32Array.from({ length: n }, (_, o) => {
      const d = xs[a];
      let i = a === 0 ? o : o - this.pads[a - 1];
      if (this.mode === 'edge') i = Math.min(d - 1, Math.max(0, i));
      else if (i < 0) i = -i;
      else if (i >= d) i = 2 * (d - 1) - i;
      return i * stride[a];
    }));
    const index = new Array<number>(rank).fill(0);
    const total = ys.reduce((p, q) => p * q, 1);
    const offset = map.map((m) => m[0]);
    let at = offset.reduce((p, q) => p + q, 0);
    for (let o = 0; o < total; o++) {
      fn(o, at);
      for (let a = rank - 1; a >= 0; a--) {
        at -= offset[a];
        if (++index[a] < ys[a]) { offset[a] = map[a][index[a]]; at += offset[a]; break; }
        index[a] = 0;
        offset[a] = map[a][0];
        at += offset[a];
      }
    }
  }

  /**
   * Calls `fn(inputOffset, outputOffset, n)` for each run of n kept values along the last axis,
   * between run-time tensors `xs` = [B, ...x] and `ys` = [B, ...y].
   */
  private copy(xs: readonly number[], ys: readonly number[], fn: (from: number, to: number, n: number) => void): void {
    const r = this.pads.length / 2;
    const begin = [0, ...this.pads.slice(0, r)];
    const rank = xs.length;
    // The kept input range per axis, in input coordinates.
    const lo = xs.map((_, i) => Math.max(0, -begin[i]));
    const hi = xs.map((d, i) => Math.min(d, ys[i] - begin[i]));
    if (lo.some((l, i) => l >= hi[i])) return;
    const xStride = new Array<number>(rank);
    const yStride = new Array<number>(rank);
    xStride[rank - 1] = 1;
    yStride[rank - 1] = 1;
    for (let i = rank - 2; i >= 0; i--) { xStride[i] = xStride[i + 1] * xs[i + 1]; yStride[i] = yStride[i + 1] * ys[i + 1]; }
    const n = hi[rank - 1] - lo[rank - 1];
    const walk = (axis: number, from: number, to: number): void => {
      if (axis === rank - 1) {
        fn(from + lo[axis], to + lo[axis] + begin[axis], n);
        return;
      }
      for (let i = lo[axis]; i < hi[axis]; i++) walk(axis + 1, from + i * xStride[axis], to + (i + begin[axis]) * yStride[axis]);
    };
    walk(0, 0, 0);
  }
}
