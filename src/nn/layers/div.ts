// Div (ONNX Div): y = a / b, between two inputs of one rank with numpy broadcasting, or between an input and a
// constant operand stored as a non-trainable parameter. A thin wrapper over binary.ts.

import { Binary, type BinaryOptions } from './binary.js';

export class Div extends Binary {
  readonly op = 'Div';
  readonly kind = 'div';

  constructor(options: BinaryOptions = {}) {
    super('Div', options);
  }
}
