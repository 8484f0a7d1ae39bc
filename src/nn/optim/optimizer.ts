// SGD (momentum, Nesterov) and Adam over a model's whole trainable block in one wasm call,
// with L2 weight decay, an L1 penalty and the parameter store's mask (pruned weights stay 0).

import type { Tensor } from '../../kernels/tensor.js';
import { gather, type ParamStore } from '../params.js';

export interface Penalties {
  /** L2 weight decay added to the gradient (default 0). */
  weightDecay?: number;
  /** L1 penalty: l1·sign(w) added to the gradient (default 0). */
  l1?: number;
}

export type OptimizerOptions =
  | ({ kind: 'sgd'; lr: number; momentum?: number; nesterov?: boolean } & Penalties)
  | ({ kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number } & Penalties);

export class Optimizer {
  private readonly state: Tensor[] = [];
  private t = 0;
  readonly options: Required<Penalties> & OptimizerOptions;

  constructor(readonly params: ParamStore, options: OptimizerOptions) {
    const o = checkOptimizer(options);
    this.options = o;
    const n = params.trainableSize;
    const slots = o.kind === 'adam' ? 2 : (o.momentum ?? 0) > 0 ? 1 : 0;
    for (let i = 0; i < slots; i++) this.state.push(params.k.tensor([n]));
  }

  /** Current penalties; pruning schedules switch L1 off and L2 on between phases. */
  setPenalties(p: Penalties): void {
    Object.assign(this.options, p);
  }

  /** One update from the gradients in params.grads, at learning rate `lr` (default the configured one). */
  step(lr = this.options.lr): void {
    const { k, values, grads, trainableSize: n } = this.params;
    const mask = this.params.mask;
    const o = this.options;
    const maskPtr = mask ? mask.offset : 0;
    if (o.kind === 'sgd') {
      const mu = o.momentum ?? 0;
      const v = this.state[0]?.offset ?? 0;
      k.wasm.f32_sgd_step(values.offset, grads.offset, v, maskPtr, lr, mu, o.weightDecay, o.l1, o.nesterov ? 1 : 0, mask ? 1 : 0, n);
    } else {
      this.t++;
      const b1 = o.beta1 ?? 0.9;
      const b2 = o.beta2 ?? 0.999;
      k.wasm.f32_adam_step(values.offset, grads.offset, this.state[0].offset, this.state[1].offset, maskPtr,
        lr, b1, b2, o.eps ?? 1e-8, o.weightDecay, o.l1, 1 - b1 ** this.t, 1 - b2 ** this.t, mask ? 1 : 0, n);
    }
  }

  /**
   * The same optimiser for a structurally pruned copy of the model: momentum and moment
   * estimates follow their weights through `keep` (new element → old element, from removeUnits).
   */
  rebind(params: ParamStore, keep: Int32Array): Optimizer {
    const next = new Optimizer(params, this.options);
    next.t = this.t;
    const trainable = keep.subarray(0, params.trainableSize);
    this.state.forEach((s, i) => next.state[i].f32().set(gather(s.f32(), trainable)));
    return next;
  }

  dispose(): void {
    for (const t of this.state) t.dispose();
    this.state.length = 0;
  }
}

/** Validates optimiser options (before any work) and fills the penalty defaults. */
export function checkOptimizer(options: OptimizerOptions): Required<Penalties> & OptimizerOptions {
  const o = { weightDecay: 0, l1: 0, ...options };
  const inRange = (name: string, v: number | undefined, max = Infinity) => {
    if (v !== undefined && !(v >= 0 && v < max)) {
      throw new RangeError(`optimizer ${o.kind}: '${name}' must be in [0, ${max === Infinity ? '∞' : max}), got ${v}`);
    }
  };
  if (o.kind !== 'sgd' && o.kind !== 'adam') throw new RangeError(`optimizer: kind must be 'sgd' or 'adam', got '${(o as { kind: string }).kind}'`);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new RangeError(`optimizer ${o.kind}: 'lr' must be a finite number > 0, got ${o.lr}`);
  inRange('weightDecay', o.weightDecay);
  inRange('l1', o.l1);
  if (o.kind === 'sgd') inRange('momentum', o.momentum, 1);
  else {
    inRange('beta1', o.beta1, 1);
    inRange('beta2', o.beta2, 1);
  }
  return o;
}
