// Softmax + cross-entropy on a model's logits [B, K], fused in wasm: the loss, and the gradient
// w.r.t. the logits ready for Model.backward.

import type { Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../kernels/tensor.js';

export class SoftmaxCrossEntropy {
  private probs: Tensor | undefined;
  private grad: Tensor | undefined;
  private labels: Tensor | undefined;

  constructor(readonly k: Kernels) {}

  /**
   * Mean loss over the batch; remembers the probabilities for `backward`. Labels are checked
   * against [0, K) before any work.
   */
  forward(logits: Tensor, labels: ArrayLike<number>): number {
    const [B, K] = logits.shape;
    if (logits.shape.length !== 2) throw new RangeError(`softmax cross-entropy: logits must be [batch, classes], got [${logits.shape}]`);
    if (labels.length !== B) throw new RangeError(`softmax cross-entropy: ${labels.length} labels for a batch of ${B}`);
    for (let i = 0; i < B; i++) {
      const y = labels[i];
      if (!Number.isInteger(y) || y < 0 || y >= K) {
        throw new RangeError(`softmax cross-entropy: label ${i} is ${y}, expected an integer in [0, ${K})`);
      }
    }
    this.ensure(B, K);
    this.labels!.set(labels);
    return this.k.wasm.f32_softmax_xent_fwd(this.probs!.offset, logits.offset, this.labels!.offset, B, K);
  }

  /** dLoss/dlogits = (softmax − onehot)/B for the last forward. */
  backward(): Tensor {
    if (!this.probs || !this.grad || !this.labels) throw new Error('softmax cross-entropy: backward before forward');
    const [B, K] = this.probs.shape;
    this.k.wasm.f32_softmax_xent_bwd(this.grad.offset, this.probs.offset, this.labels.offset, B, K);
    return this.grad;
  }

  /** Probabilities from the last forward ([B, K], valid until the next one). */
  probabilities(): Tensor {
    if (!this.probs) throw new Error('softmax cross-entropy: no forward yet');
    return this.probs;
  }

  dispose(): void {
    for (const t of [this.probs, this.grad, this.labels]) t?.dispose();
    this.probs = this.grad = this.labels = undefined;
  }

  private ensure(B: number, K: number): void {
    if (this.probs && this.probs.shape[0] === B && this.probs.shape[1] === K) return;
    this.dispose();
    this.probs = this.k.tensor([B, K]);
    this.grad = this.k.tensor([B, K]);
    this.labels = this.k.tensor([B], 'i32');
  }
}
