// Tanh (ONNX Tanh): y = tanh(x), dy/dx = 1 − y².

import { Unary } from './unary.js';
import { known } from './options.js';

export class Tanh extends Unary {
  readonly op = 'Tanh';
  protected override readonly cost = 4;

  constructor(options: Record<string, never> = {}) {
    super();
    known('Tanh', options, []);
  }

  protected f(x: number): number {
    return Math.tanh(x);
  }

  protected df(_x: number, y: number): number {
    return 1 - y * y;
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}
