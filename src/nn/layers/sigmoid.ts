// Sigmoid (ONNX Sigmoid): y = 1 / (1 + e^(−x)), dy/dx = y·(1 − y).

import { Unary } from './unary.js';
import { known } from './options.js';

export class Sigmoid extends Unary {
  readonly op = 'Sigmoid';
  protected override readonly cost = 4;

  constructor(options: Record<string, never> = {}) {
    super();
    known('Sigmoid', options, []);
  }

  protected f(x: number): number {
    // NOTE: two branches so that e^(−x) never overflows for large negative x.
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  }

  protected df(_x: number, y: number): number {
    return y * (1 - y);
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}
