// Identity (ONNX Identity): y = x. Kept as a node where a graph needs a named copy of a value
// (an ONNX output that is another output or an input's alias).

import { Unary } from './unary.js';
import { known } from './options.js';

export class Identity extends Unary {
  readonly op = 'Identity';
  protected override readonly cost = 0;

  constructor(options: Record<string, never> = {}) {
    super();
    known('Identity', options, []);
  }

  protected f(x: number): number {
    return x;
  }

  protected df(): number {
    return 1;
  }

  attrs(): Record<string, unknown> {
    return {};
  }
}
