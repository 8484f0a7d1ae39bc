// Transpose (ONNX Transpose with the batch axis kept first): output axis i is per-sample input
// axis perm[i]. NHWC models import through it where their transposes do not cancel.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { describe, known } from './options.js';

export interface TransposeOptions {
  /** A permutation of the per-sample axes [0, rank). */
  perm: readonly number[];
}

export class Transpose extends Layer {
  readonly op = 'Transpose';
  readonly perm: readonly number[];

  constructor(options: TransposeOptions) {
    super();
    const { perm } = known('Transpose', options, ['perm']);
    const ok = Array.isArray(perm) && perm.length >= 1 && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
    if (!ok) throw new RangeError(`Transpose: 'perm' must be a permutation of 0…rank−1, got ${describe(perm)}`);
    this.perm = [...perm!];
  }

  outputShape([x]: Shape[]): Shape {
    if (x.length !== this.perm.length) throw new RangeError(`Transpose: 'perm' [${this.perm}] does not fit a per-sample shape of rank ${x.length} ([${x}])`);
    return this.perm.map((p) => x[p]);
  }

  flops(): number {
    return 0;
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    permute(y.f32(), x.f32(), x.shape, [0, ...this.perm.map((p) => p + 1)]);
  }

  backward({ dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const inverse = this.perm.map((_, i) => this.perm.indexOf(i));
    permute(dx.f32(), dy.f32(), dy.shape, [0, ...inverse.map((p) => p + 1)]);
  }

  channelFlow(): ChannelFlow {
    return this.perm[0] === 0 ? { kind: 'elementwise' } : { kind: 'fixed', reason: `transposing (perm [${this.perm}]) moves the channel axis` };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { perm: [...this.perm] };
  }
}

/** out = x transposed: out axis i is x axis perm[i] (x has `shape`, all axes, batch included). */
export function permute(out: Float32Array, x: Float32Array, shape: readonly number[], perm: readonly number[]): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
  const dims = perm.map((p) => shape[p]);
  const step = perm.map((p) => strides[p]);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[from];
    for (let i = rank - 1; i >= 0; i--) {
      from += step[i];
      if (++index[i] < dims[i]) break;
      from -= step[i] * dims[i];
      index[i] = 0;
    }
  }
}
