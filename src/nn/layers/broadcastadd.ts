// BroadcastAdd (ONNX Add where Add cannot: numpy broadcasting, or a constant operand stored as a
// non-trainable parameter): y = a + b. Same-shape sums of computed values use Add. A thin wrapper
// over binary.ts.

import { Binary, type BinaryOptions } from './binary.js';

export class BroadcastAdd extends Binary {
  readonly op = 'BroadcastAdd';
  readonly kind = 'add';

  constructor(options: BinaryOptions = {}) {
    super('BroadcastAdd', options);
  }
}
