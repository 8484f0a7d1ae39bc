// HardSwish (ONNX HardSwish, MobileNetV3): y = x · max(0, min(1, x/6 + 1/2)), so y = 0 for x ≤ −3,
// y = x for x ≥ 3 and x(x + 3)/6 between, where dy/dx = (2x + 3)/6.

import { Unary } from './unary.js';
import { known } from './options.js';

export class HardSwish extends Unary {
  readonly op = 'HardSwish';
  protected override readonly cost = 4;

  constructor(options: Record<string, never> = {}) {
    super();
    known('HardSwish', options, []);
  }

  protected f(x: number): number {
    return x * Math.max(0, Math.min(1, x / 6 + 0.5));
  }

  protected df(x: number): number {
    if (x <= -3) return 0;
    if (x >= 3) return 1;
    return (2 * x + 3) / 6;
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}
