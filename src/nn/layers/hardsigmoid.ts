// HardSigmoid (ONNX HardSigmoid): y = max(0, min(1, alpha·x + beta)); the gradient is alpha inside
// (0, 1) and 0 where the output is clamped.

import { Unary } from './unary.js';
import { known, number } from './options.js';

export interface HardSigmoidOptions {
  /** Default 0.2 (ONNX's). */
  alpha?: number;
  /** Default 0.5. */
  beta?: number;
}

export class HardSigmoid extends Unary {
  readonly op = 'HardSigmoid';
  protected override readonly cost = 3;
  readonly alpha: number;
  readonly beta: number;

  constructor(options: HardSigmoidOptions = {}) {
    super();
    const o = known('HardSigmoid', options, ['alpha', 'beta']);
    this.alpha = number('HardSigmoid', 'alpha', o.alpha ?? 0.2);
    this.beta = number('HardSigmoid', 'beta', o.beta ?? 0.5);
  }

  protected f(x: number): number {
    return Math.max(0, Math.min(1, this.alpha * x + this.beta));
  }

  protected df(x: number): number {
    const t = this.alpha * x + this.beta;
    return t > 0 && t < 1 ? this.alpha : 0;
  }

  attrs(): Record<string, unknown> {
    return { alpha: this.alpha, beta: this.beta };
  }
}
