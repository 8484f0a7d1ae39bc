// Unstructured pruning state: which weights are prunable, their masks, and sparsity per layer
// and in total. Masks live in the parameter store (one 0/1 per trainable element); optimisers
// keep masked weights at exactly zero.

import type { Model } from '../nn/model.js';
import type { ParamEntry } from '../nn/params.js';
import { checkModel } from '../nn/check.js';

/** The weight tensors connection pruning acts on: Dense and Conv2d weights (biases are left alone). */
export function prunableWeights(model: Model): ParamEntry[] {
  checkModel('prunableWeights', 'model', model);
  return model.params.entries.filter((e) => e.trainable && e.name === 'weight' && ['Dense', 'Conv2d'].includes(model.graph.node(e.node).layer.op));
}

export interface Sparsity {
  /** Zero weights over prunable weights. */
  total: number;
  zeros: number;
  weights: number;
  layers: Record<string, { zeros: number; weights: number; sparsity: number }>;
}

/** Counts exact zeros in the prunable weights (masked or not). */
export function sparsity(model: Model): Sparsity {
  checkModel('sparsity', 'model', model);
  const values = model.params.values.f32();
  const layers: Sparsity['layers'] = {};
  let zeros = 0;
  let weights = 0;
  for (const e of prunableWeights(model)) {
    let z = 0;
    for (let i = e.start; i < e.start + e.size; i++) if (values[i] === 0) z++;
    layers[e.node] = { zeros: z, weights: e.size, sparsity: z / e.size };
    zeros += z;
    weights += e.size;
  }
  return { total: weights ? zeros / weights : 0, zeros, weights, layers };
}

/** Non-zero parameters of the whole model (biases and batch-norm state included). */
export function nonzeroParams(model: Model): number {
  checkModel('nonzeroParams', 'model', model);
  const values = model.params.values.f32();
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

/** Makes the masked zeros permanent and drops the mask (training no longer keeps them at zero). */
export function bakeMask(model: Model): void {
  checkModel('bakeMask', 'model', model);
  model.params.applyMask();
  clearMask(model);
}

/** Drops the mask without touching the weights. */
export function clearMask(model: Model): void {
  checkModel('clearMask', 'model', model);
  model.params.mask?.dispose();
  model.params.mask = null;
}
