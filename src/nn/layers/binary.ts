// The shared body of the broadcasting arithmetic layers (BroadcastAdd, Sub, Mul, Div): numpy /
// ONNX broadcasting over per-sample shapes, between two inputs of the same rank or between one
// input and a constant operand (a non-trainable parameter, right-aligned). Not a layer on its own.
//   add: y = a + b      da = dy          db = dy
//   sub: y = a − b      da = dy          db = −dy
//   mul: y = a · b      da = dy·b        db = dy·a
//   div: y = a / b      da = dy / b      db = −dy·a / b²
// with da, db summed over the axes they were broadcast along.

import { Layer, type BackwardPass, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import type { Tensor } from '../../kernels/tensor.js';
import { bool, describe, known, sizeOf } from './options.js';

export type BinaryKind = 'add' | 'sub' | 'mul' | 'div';

export interface BinaryOptions {
  /** Shape of a constant operand (parameter 'operand'); absent: the layer takes two inputs. */
  operand?: readonly number[];
  /** The constant is the left operand (c − x, c / x); default false (x − c, x / c). */
  operandFirst?: boolean;
}

/** The broadcast of two shapes (right-aligned, each dimension equal or 1); throws naming both. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new RangeError(`${op}: shapes [${a}] and [${b}] do not broadcast (axis ${i}: ${da} vs ${db})`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides of `shape` read as if it had the (right-aligned, broadcast) shape `out`: 0 where it repeats. */
function strides(shape: readonly number[], out: readonly number[]): number[] {
  const s = new Array<number>(out.length).fill(0);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = out.length - shape.length + i;
    s[j] = shape[i] === 1 ? 0 : step;
    step *= shape[i];
  }
  return s;
}

/** Calls fn(outputIndex, aIndex, bIndex) over every element of `out`. */
function each(out: readonly number[], a: readonly number[], b: readonly number[], fn: (o: number, ia: number, ib: number) => void): void {
  const sa = strides(a, out);
  const sb = strides(b, out);
  const rank = out.length;
  const index = new Array<number>(rank).fill(0);
  const total = sizeOf(out);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o++) {
    fn(o, ia, ib);
    for (let i = rank - 1; i >= 0; i--) {
      ia += sa[i];
      ib += sb[i];
      if (++index[i] < out[i]) break;
      ia -= sa[i] * out[i];
      ib -= sb[i] * out[i];
      index[i] = 0;
    }
  }
}

export abstract class Binary extends Layer {
  abstract readonly kind: BinaryKind;
  readonly operand: readonly number[] | undefined;
  readonly operandFirst: boolean;

  constructor(op: string, options: BinaryOptions) {
    super();
    const o = known(op, options, ['operand', 'operandFirst']);
    if (o.operand !== undefined) {
      if (!Array.isArray(o.operand) || !o.operand.every((d) => Number.isInteger(d) && d >= 1)) {
        throw new RangeError(`${op}: 'operand' must be a shape (integers ≥ 1), got ${describe(o.operand)}`);
      }
      this.operand = [...o.operand];
    }
    this.operandFirst = bool(op, 'operandFirst', o.operandFirst ?? false);
    if (this.operandFirst && !this.operand) throw new TypeError(`${op}: 'operandFirst' needs an 'operand'`);
  }

  override arity(): { min: number; max: number } {
    return this.operand ? { min: 1, max: 1 } : { min: 2, max: 2 };
  }

  outputShape(inputs: Shape[]): Shape {
    const [x, y] = inputs;
    if (this.operand) {
      if (this.operand.length > x.length) {
        throw new RangeError(`${this.op}: the constant operand [${this.operand}] has a higher rank than the per-sample input [${x}]`);
      }
      return broadcastShapes(this.op, x, this.operand);
    }
    if (x.length !== y.length) {
      throw new RangeError(`${this.op}: per-sample inputs [${x}] and [${y}] differ in rank (broadcasting them would mix the batch axis in)`);
    }
    return broadcastShapes(this.op, x, y);
  }

  override params([x]: Shape[]): ParamSpec[] {
    if (!this.operand) return [];
    const perChannel = this.operand.length === x.length && this.operand[0] === x[0];
    const init = this.kind === 'mul' || this.kind === 'div' ? { kind: 'ones' } as const : { kind: 'zeros' } as const;
    return [{ name: 'operand', shape: this.operand, init, trainable: false, ...(perChannel ? { cut: { out: 0 } } : {}) }];
  }

  flops(inputs: Shape[]): number {
    return sizeOf(this.outputShape(inputs));
  }

  forward({ inputs, output: y, params }: ForwardPass): void {
    const [a, b] = this.sides(inputs, params);
    const av = a.f32();
    const bv = b.f32();
    const yv = y.f32();
    const f = this.kind === 'add' ? (p: number, q: number) => p + q
      : this.kind === 'sub' ? (p: number, q: number) => p - q
      : this.kind === 'mul' ? (p: number, q: number) => p * q
      : (p: number, q: number) => p / q;
    each(y.shape, a.shape, b.shape, (o, ia, ib) => { yv[o] = f(av[ia], bv[ib]); });
  }

  backward({ inputs, params, dOutput: dy, dInputs }: BackwardPass): void {
    const [a, b] = this.sides(inputs, params);
    const av = a.f32();
    const bv = b.f32();
    const dyv = dy.f32();
    const da = new Float64Array(a.size);
    const db = new Float64Array(b.size);
    const kind = this.kind;
    each(dy.shape, a.shape, b.shape, (o, ia, ib) => {
      const g = dyv[o];
      if (kind === 'add') { da[ia] += g; db[ib] += g; }
      else if (kind === 'sub') { da[ia] += g; db[ib] -= g; }
      else if (kind === 'mul') { da[ia] += g * bv[ib]; db[ib] += g * av[ia]; }
      else { da[ia] += g / bv[ib]; db[ib] -= (g * av[ia]) / (bv[ib] * bv[ib]); }
    });
    // The input side(s): with a constant operand only one; Mul(x, x) gets both sums in one slot.
    const grads: [Tensor | null, Float64Array][] = this.operand
      ? [[dInputs[0], this.operandFirst ? db : da]]
      : [[dInputs[0], da], [dInputs[1], db]];
    const written = new Set<number>();
    for (const [dx, g] of grads) {
      if (!dx) continue;
      const v = dx.f32();
      if (written.has(dx.offset)) for (let i = 0; i < v.length; i++) v[i] += g[i];
      else v.set(g);
      written.add(dx.offset);
    }
  }

  channelFlow(inputs: Shape[]): ChannelFlow {
    const y = this.outputShape(inputs);
    const [x, other] = inputs;
    if (this.operand) {
      return y[0] === x[0] ? { kind: 'elementwise' } : { kind: 'fixed', reason: `the constant [${this.operand}] broadcasts [${x}] across channels` };
    }
    return x[0] === other[0] ? { kind: 'elementwise' } : { kind: 'fixed', reason: `inputs [${x}] and [${other}] broadcast across channels` };
  }

  /** Called when pruning cuts a per-channel operand (its `cut`): the operand's channel axis follows. */
  withChannels(channels: number): Layer {
    if (!this.operand) return this;
    const make = this.constructor as new (o: BinaryOptions) => Layer;
    return new make({ operand: [channels, ...this.operand.slice(1)], operandFirst: this.operandFirst });
  }

  attrs(): Record<string, unknown> {
    return this.operand ? { operand: [...this.operand], operandFirst: this.operandFirst } : {};
  }

  /** The left and right operands, the constant (shape [...operand], no batch axis) in its place. */
  private sides(inputs: Tensor[], params: Record<string, Tensor>): [Tensor, Tensor] {
    if (!this.operand) return [inputs[0], inputs[1]];
    return this.operandFirst ? [params.operand, inputs[0]] : [inputs[0], params.operand];
  }
}
