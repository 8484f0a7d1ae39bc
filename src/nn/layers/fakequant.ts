// FakeQuant (ONNX QuantizeLinear then DequantizeLinear): y = (saturate_int8(round(x/scale) + zp)
// − zp)·scale, the value int8 inference sees. Backward is the straight-through estimator: dy
// passes where x lies inside the int8 range, zero where it was clipped.

import { Unary } from './unary.js';
import { known, number, int } from './options.js';
import { saturateI8 } from '../../kernels/reference/int8.js';

export interface FakeQuantOptions {
  scale: number;
  zeroPoint?: number;
}

export class FakeQuant extends Unary {
  readonly op = 'FakeQuant';
  readonly scale: number;
  readonly zeroPoint: number;
  private readonly lo: number;
  private readonly hi: number;

  constructor(options: FakeQuantOptions) {
    super();
    known('FakeQuant', options, ['scale', 'zeroPoint']);
    // As an f32, since QuantizeLinear's scale is one: the same division as the int8 kernels.
    this.scale = Math.fround(number('FakeQuant', 'scale', options?.scale, 1e-30));
    this.zeroPoint = int('FakeQuant', 'zeroPoint', options.zeroPoint ?? 0, -128);
    if (this.zeroPoint > 127) throw new RangeError(`FakeQuant: 'zeroPoint' must be an integer in [-128, 127], got ${this.zeroPoint}`);
    this.lo = (-128 - this.zeroPoint) * this.scale;
    this.hi = (127 - this.zeroPoint) * this.scale;
  }

  protected f(x: number): number {
    return (saturateI8(Math.fround(x / this.scale), this.zeroPoint) - this.zeroPoint) * this.scale;
  }

  protected df(x: number): number {
    return x >= this.lo && x <= this.hi ? 1 : 0;
  }

  attrs(): Record<string, unknown> {
    return { scale: this.scale, zeroPoint: this.zeroPoint };
  }
}
