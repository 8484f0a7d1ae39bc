// Element-wise math (ONNX Exp, Log, Sqrt, Neg, Abs, Reciprocal, Erf, and Pow with a constant
// exponent), each y_i = f(x_i) with its derivative. Plain TypeScript (unary.ts): these ops are rare
// in CNNs and light next to the convolutions around them. Outside a function's domain the result
// is what IEEE arithmetic gives (Log(−1) = NaN, Reciprocal(0) = ∞), as in onnxruntime.

import { Unary } from './unary.js';
import { known, number } from './options.js';

/** erf(x): its Taylor series for |x| < 0.5, Abramowitz & Stegun 7.1.26 above (|error| < 1.5e-7, below float32's step near 1). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a > 6) return s;
  const t = 1 / (1 + 0.3275911 * a);
  let y = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-a * a);
  // NOTE: 7.1.26's absolute error would be a large relative error for small |x|: the series keeps those exact.
  if (a < 0.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 30; n++) {
      term *= (-a * a) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17) break;
    }
    y = (2 / Math.sqrt(Math.PI)) * sum;
  }
  return s * y;
}

abstract class Plain extends Unary {
  constructor(options: Record<string, never> = {}) {
    super();
    known(new.target.name, options, []);
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}

export class Exp extends Plain {
  readonly op = 'Exp';
  protected f(x: number): number { return Math.exp(x); }
  protected df(_x: number, y: number): number { return y; }
}

export class Log extends Plain {
  readonly op = 'Log';
  protected f(x: number): number { return Math.log(x); }
  protected df(x: number): number { return 1 / x; }
}

export class Sqrt extends Plain {
  readonly op = 'Sqrt';
  protected f(x: number): number { return Math.sqrt(x); }
  protected df(_x: number, y: number): number { return 0.5 / y; }
}

export class Neg extends Plain {
  readonly op = 'Neg';
  protected f(x: number): number { return -x; }
  protected df(): number { return -1; }
}

export class Abs extends Plain {
  readonly op = 'Abs';
  protected f(x: number): number { return Math.abs(x); }
  protected df(x: number): number { return x > 0 ? 1 : x < 0 ? -1 : 0; }
}

export class Reciprocal extends Plain {
  readonly op = 'Reciprocal';
  protected f(x: number): number { return 1 / x; }
  protected df(_x: number, y: number): number { return -y * y; }
}

export class Erf extends Plain {
  readonly op = 'Erf';
  protected override readonly cost = 10;
  protected f(x: number): number { return erf(x); }
  protected df(x: number): number { return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x); }
}

export interface PowOptions {
  /** The constant exponent. */
  exponent: number;
}

/** x^p for a constant p (ONNX Pow with a constant scalar exponent). */
export class Pow extends Unary {
  readonly op = 'Pow';
  protected override readonly cost = 4;
  readonly exponent: number;

  constructor(options: PowOptions) {
    super();
    this.exponent = number('Pow', 'exponent', known('Pow', options, ['exponent']).exponent);
  }

  protected f(x: number): number {
    return this.exponent === 2 ? x * x : x ** this.exponent;
  }

  protected df(x: number): number {
    const p = this.exponent;
    return p === 0 ? 0 : p === 1 ? 1 : p * x ** (p - 1);
  }

  attrs(): Record<string, unknown> {
    return { exponent: this.exponent };
  }
}
