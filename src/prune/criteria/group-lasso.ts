// Group sparsity (Lebedev & Lempitsky 2016; Wen et al. 2016, SSL): the penalty λ·Σ_g ‖w_g‖₂ over
// filter groups — each unit's weights and bias in the group's producers — applied while training
// by its proximal step (w_g shrinks towards 0 by step·λ, exactly 0 once ‖w_g‖ ≤ step·λ), then the
// groups whose norm is under ε are removed structurally. The score is the group's norm.

import type { Model } from '../../nn/model.js';
import type { ChannelGroup } from '../../graph/dependency.js';
import type { Criterion } from './criterion.js';

/** [start, length) ranges of unit u's weights and biases in the group's producers. */
function slices(model: Model, group: ChannelGroup, u: number): [number, number][] {
  const out: [number, number][] = [];
  for (const p of group.producers) {
    for (const name of ['weight', 'bias']) {
      const e = model.params.entries.find((x) => x.node === p && x.name === name);
      if (!e) continue;
      const per = e.size / e.shape[0];
      out.push([e.start + u * group.unit * per, group.unit * per]);
    }
  }
  return out;
}

/** ‖w_g‖₂ of every unit of the group. */
export function groupNorms(model: Model, group: ChannelGroup): Float64Array {
  const v = model.params.values.f32();
  return Float64Array.from({ length: group.units }, (_, u) => {
    let s = 0;
    for (const [start, n] of slices(model, group, u)) for (let i = start; i < start + n; i++) s += v[i] * v[i];
    return Math.sqrt(s);
  });
}

/** λ·Σ_g ‖w_g‖₂ over the units of `groups`. */
export function groupLassoPenalty(model: Model, groups: readonly ChannelGroup[], lambda: number): number {
  let s = 0;
  for (const g of groups) for (const n of groupNorms(model, g)) s += n;
  return lambda * s;
}

/** Adds the penalty's gradient λ·w_g/‖w_g‖ (0 for a zero group) into `grads` (laid out like the params). */
export function groupLassoGradient(model: Model, groups: readonly ChannelGroup[], lambda: number, grads: Float32Array | Float64Array): void {
  const v = model.params.values.f32();
  for (const g of groups) {
    const norms = groupNorms(model, g);
    for (let u = 0; u < g.units; u++) {
      if (norms[u] === 0) continue;
      for (const [start, n] of slices(model, g, u)) for (let i = start; i < start + n; i++) grads[i] += lambda * v[i] / norms[u];
    }
  }
}

/** The proximal step of step·λ·Σ‖w_g‖: w_g ← w_g·max(0, 1 − step·λ/‖w_g‖). Returns how many groups became 0. */
export function groupLassoProx(model: Model, groups: readonly ChannelGroup[], lambda: number, step: number): number {
  const v = model.params.values.f32();
  const t = lambda * step;
  let zeroed = 0;
  for (const g of groups) {
    const norms = groupNorms(model, g);
    for (let u = 0; u < g.units; u++) {
      const f = norms[u] > t ? 1 - t / norms[u] : 0;
      if (f === 0 && norms[u] > 0) zeroed++;
      for (const [start, n] of slices(model, g, u)) for (let i = start; i < start + n; i++) v[i] *= f;
    }
  }
  return zeroed;
}

export const groupLasso: Criterion = { name: 'group-lasso', source: 'Wen et al. 2016', score: (model, group) => groupNorms(model, group) };
