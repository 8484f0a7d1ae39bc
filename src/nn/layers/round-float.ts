// RoundFloat (ONNX Cast to float16 or bfloat16 and back, as lopper computes in float32): each value
// rounded to the nearest value of the narrower type, ties to even; float16 overflows to ±∞ past
// 65504 and goes subnormal below 2^−14. The backward pass is the identity (straight-through): the
// rounding's true derivative is zero almost everywhere, which would stop training. Plain TypeScript.

import { Unary } from './unary.js';
import { known } from './options.js';

export type NarrowFloat = 'float16' | 'bfloat16';

/** x rounded to the nearest float16 (ties to even). */
export function roundHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  // Halfway between 65504 and the next step (65536) and beyond rounds to infinity.
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // 10 fraction bits; subnormals share the spacing of the smallest normal exponent.
  const q = 2 ** (Math.max(e, -14) - 10);
  const t = a / q;
  const f = Math.floor(t);
  const d = t - f;
  const r = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * r * q;
}

const bits = new DataView(new ArrayBuffer(4));

/** x (a float32) rounded to the nearest bfloat16 (the top 16 bits of a float32, ties to even). */
export function roundBfloat(x: number): number {
  if (Number.isNaN(x)) return x;
  bits.setFloat32(0, x);
  const u = bits.getUint32(0);
  bits.setUint32(0, ((u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000) >>> 0);
  return bits.getFloat32(0);
}

export interface RoundFloatOptions {
  to: NarrowFloat;
}

export class RoundFloat extends Unary {
  readonly op = 'RoundFloat';
  readonly to: NarrowFloat;
  private readonly round: (x: number) => number;

  constructor(options: RoundFloatOptions) {
    super();
    const to = known('RoundFloat', options, ['to']).to;
    if (to !== 'float16' && to !== 'bfloat16') throw new RangeError(`RoundFloat: 'to' must be 'float16' or 'bfloat16', got ${JSON.stringify(to)}`);
    this.to = to;
    this.round = to === 'float16' ? roundHalf : roundBfloat;
  }

  protected f(x: number): number {
    return this.round(x);
  }

  protected df(): number {
    return 1;
  }

  attrs(): Record<string, unknown> {
    return { to: this.to };
  }
}
