// Sub (ONNX Sub): y = a − b, between two inputs of one rank with numpy broadcasting, or between an input and a
// constant operand stored as a non-trainable parameter. A thin wrapper over binary.ts.

import { Binary, type BinaryOptions } from './binary.js';

export class Sub extends Binary {
  readonly op = 'Sub';
  readonly kind = 'sub';

  constructor(options: BinaryOptions = {}) {
    super('Sub', options);
  }
}
