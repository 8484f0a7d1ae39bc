// SGD (momentum, Nesterov) and Adam over a model's whole trainable block (or one contiguous range
// of it) in one wasm call, with L2 weight decay, an L1 penalty and the parameter store's mask
// (pruned weights stay 0).

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

/** Elements [start, end) of a store's trainable block. */
export interface ParamRange {
  start: number;
  end: number;
}

export class Optimizer {
  private readonly state: Tensor[] = [];
  /** Steps taken so far (Adam's bias correction depends on it). */
  steps = 0;
  readonly options: Required<Penalties> & OptimizerOptions;
  /** The elements this optimiser updates: all trainable ones, or one worker's share (src/workers/). */
  readonly range: ParamRange;

  constructor(readonly params: ParamStore, options: OptimizerOptions, range: ParamRange = { start: 0, end: params.trainableSize }) {
    const o = checkOptimizer(options);
    if (!(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end <= params.trainableSize)) {
      throw new RangeError(`optimizer: range [${range.start}, ${range.end}) is not within the ${params.trainableSize} trainable parameters`);
    }
    this.options = o;
    this.range = { start: range.start, end: range.end };
    const slots = o.kind === 'adam' ? 2 : (o.momentum ?? 0) > 0 ? 1 : 0;
    for (let i = 0; i < slots; i++) this.state.push(params.k.tensor([range.end - range.start]));
  }

  /**
   * Views of the per-element state over the range (SGD's velocity, or Adam's two moments), to
   * carry it between threads. Valid until the wasm memory grows.
   */
  buffers(): Float32Array[] {
    return this.state.map((t) => t.f32());
  }

  /** Current penalties; pruning schedules switch L1 off and L2 on between phases. */
  setPenalties(p: Penalties): void {
    Object.assign(this.options, p);
  }

  /** One update from the gradients in params.grads, at learning rate `lr` (default the configured one). */
  step(lr = this.options.lr): void {
    const { k, values, grads } = this.params;
    const mask = this.params.mask;
    const o = this.options;
    const at = this.range.start * 4;
    const n = this.range.end - this.range.start;
    const maskPtr = mask ? mask.offset + at : 0;
    if (o.kind === 'sgd') {
      const mu = o.momentum ?? 0;
      const v = this.state[0]?.offset ?? 0;
      k.wasm.f32_sgd_step(values.offset + at, grads.offset + at, v, maskPtr, lr, mu, o.weightDecay, o.l1, o.nesterov ? 1 : 0, mask ? 1 : 0, n);
    } else {
      this.steps++;
      const b1 = o.beta1 ?? 0.9;
      const b2 = o.beta2 ?? 0.999;
      k.wasm.f32_adam_step(values.offset + at, grads.offset + at, this.state[0].offset, this.state[1].offset, maskPtr,
        lr, b1, b2, o.eps ?? 1e-8, o.weightDecay, o.l1, 1 - b1 ** this.steps, 1 - b2 ** this.steps, mask ? 1 : 0, n);
    }
  }

  /**
   * The same optimiser for a structurally pruned copy of the model: momentum and moment
   * estimates follow their weights through `keep` (new element → old element, from removeUnits).
   */
  rebind(params: ParamStore, keep: Int32Array): Optimizer {
    if (this.range.start !== 0 || this.range.end !== this.params.trainableSize) throw new Error('optimizer: rebind needs an optimiser over all trainable parameters');
    const next = new Optimizer(params, this.options);
    next.steps = this.steps;
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
