// Clip (ONNX Clip; ReLU6 is Clip(0, 6)): y = min(max(x, min), max). The gradient passes where
// min ≤ x ≤ max (PyTorch's convention at the bounds). A missing bound is unbounded.

import { Unary } from './unary.js';
import { known, number } from './options.js';

export interface ClipOptions {
  /** Lower bound; default none (−∞). */
  min?: number;
  /** Upper bound; default none (+∞); ≥ min. */
  max?: number;
}

export class Clip extends Unary {
  readonly op = 'Clip';
  protected override readonly cost = 2;
  readonly min: number;
  readonly max: number;

  constructor(options: ClipOptions = {}) {
    super();
    const o = known('Clip', options, ['min', 'max']);
    // NOTE: saved attrs omit an unbounded side (JSON has no ∞); null reads as absent too.
    this.min = o.min === undefined || o.min === null ? -Infinity : number('Clip', 'min', o.min);
    this.max = o.max === undefined || o.max === null ? Infinity : number('Clip', 'max', o.max);
    if (this.min > this.max) throw new RangeError(`Clip: 'min' (${this.min}) must not exceed 'max' (${this.max})`);
  }

  protected f(x: number): number {
    return x < this.min ? this.min : x > this.max ? this.max : x;
  }

  protected df(x: number): number {
    return x >= this.min && x <= this.max ? 1 : 0;
  }

  attrs(): Record<string, unknown> {
    return { ...(this.min > -Infinity ? { min: this.min } : {}), ...(this.max < Infinity ? { max: this.max } : {}) };
  }
}
