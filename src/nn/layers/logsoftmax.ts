// LogSoftmax (ONNX LogSoftmax, opset ≥ 13): log of Softmax along one per-sample axis, computed
// stably; a thin wrapper over the shared body in softmax.ts.

import { Normalise, type SoftmaxOptions } from './softmax.js';

export class LogSoftmax extends Normalise {
  readonly op = 'LogSoftmax';
  protected readonly log = true;

  constructor(options: SoftmaxOptions = {}) {
    super('LogSoftmax', options);
  }
}
