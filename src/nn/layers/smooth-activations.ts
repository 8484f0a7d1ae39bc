// The smooth activations of ONNX: Elu, Selu, Softplus and Gelu (exact, with erf, or the tanh
// approximation), each y_i = f(x_i) with its derivative. Plain TypeScript (unary.ts).

import { Unary } from './unary.js';
import { erf } from './math.js';
import { known, number } from './options.js';

export interface EluOptions {
  /** Default 1. */
  alpha?: number;
}

/** x for x > 0, α(eˣ − 1) below. */
export class Elu extends Unary {
  readonly op = 'Elu';
  protected override readonly cost = 3;
  readonly alpha: number;

  constructor(options: EluOptions = {}) {
    super();
    this.alpha = number('Elu', 'alpha', known('Elu', options, ['alpha']).alpha ?? 1);
  }

  protected f(x: number): number { return x > 0 ? x : this.alpha * Math.expm1(x); }
  protected df(x: number, y: number): number { return x > 0 ? 1 : y + this.alpha; }
  attrs(): Record<string, unknown> { return { alpha: this.alpha }; }
}

export interface SeluOptions {
  /** Defaults are ONNX's (and the SELU paper's): α ≈ 1.6733, γ ≈ 1.0507. */
  alpha?: number;
  gamma?: number;
}

/** γ·x for x > 0, γ·α(eˣ − 1) below. */
export class Selu extends Unary {
  readonly op = 'Selu';
  protected override readonly cost = 4;
  readonly alpha: number;
  readonly gamma: number;

  constructor(options: SeluOptions = {}) {
    super();
    const o = known('Selu', options, ['alpha', 'gamma']);
    this.alpha = number('Selu', 'alpha', o.alpha ?? 1.67326319217681884765625);
    this.gamma = number('Selu', 'gamma', o.gamma ?? 1.05070102214813232421875);
  }

  protected f(x: number): number { return this.gamma * (x > 0 ? x : this.alpha * Math.expm1(x)); }
  protected df(x: number): number { return this.gamma * (x > 0 ? 1 : this.alpha * Math.exp(x)); }
  attrs(): Record<string, unknown> { return { alpha: this.alpha, gamma: this.gamma }; }
}

/** log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it never overflows; the derivative is the sigmoid. */
export class Softplus extends Unary {
  readonly op = 'Softplus';
  protected override readonly cost = 4;

  constructor(options: Record<string, never> = {}) {
    super();
    known('Softplus', options, []);
  }

  protected f(x: number): number { return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))); }
  protected df(x: number): number { return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)); }
  attrs(): Record<string, unknown> { return {}; }
}

export interface GeluOptions {
  /** 'none' (exact, x·Φ(x)) or 'tanh' (the tanh approximation); default 'none', as ONNX. */
  approximate?: 'none' | 'tanh';
}

const SQRT_2_PI = Math.sqrt(2 / Math.PI);

/** GELU of x, exact (x·Φ(x)) or by the tanh approximation. */
export function gelu(x: number, approximate: 'none' | 'tanh'): number {
  if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export class Gelu extends Unary {
  readonly op = 'Gelu';
  protected override readonly cost = 12;
  readonly approximate: 'none' | 'tanh';

  constructor(options: GeluOptions = {}) {
    super();
    const a = known('Gelu', options, ['approximate']).approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new RangeError(`Gelu: 'approximate' must be 'none' or 'tanh', got ${JSON.stringify(a)}`);
    this.approximate = a;
  }

  protected f(x: number): number {
    return gelu(x, this.approximate);
  }

  protected df(x: number): number {
    if (this.approximate === 'tanh') {
      const t = Math.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_PI * (1 + 3 * 0.044715 * x * x);
    }
    return 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
  }

  attrs(): Record<string, unknown> {
    return { approximate: this.approximate };
  }
}
