// Group sparsity (Lebedev & Lempitsky 2016; Wen et al. 2016, SSL): the penalty λ·Σ_g ‖w_g‖₂ over
// groups of a dependency group's weights — filters (each unit's weights and bias in the producers),
// channels (each unit's input slice in the layers reading it) and filter shapes (each input
// position of a producer's kernel across all its filters) — applied while training by a proximal
// step after every optimiser step (src/nn/proximal.ts). Afterwards units whose filter or channel
// norm is under ε are removed structurally, and shapes under ε are masked. The score is the
// filter norm.

import type { Model } from '../../nn/model.js';
import type { ChannelGroup } from '../../graph/dependency.js';
import { memberEntries } from '../../graph/dependency.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { Dense } from '../../nn/layers/dense.js';
import { proximalGroups, applyProximal, type ProximalGroups } from '../../nn/proximal.js';
import type { Criterion } from './criterion.js';

export const LASSO_GROUPS = ['filter', 'channel', 'shape'] as const;
export type LassoGroupKind = (typeof LASSO_GROUPS)[number];

/** Parameter indices of every group of `kind` in `group`: one per unit (filter, channel), one per kernel position (shape). */
export function lassoGroups(model: Model, group: ChannelGroup, kind: LassoGroupKind): number[][] {
  const entry = (node: string, name: string) => model.params.entries.find((x) => x.node === node && x.name === name);
  if (kind === 'filter') {
    return Array.from({ length: group.units }, (_, u) => {
      const out: number[] = [];
      for (const p of group.producers) {
        for (const name of ['weight', 'bias']) {
          const e = entry(p, name);
          if (!e) continue;
          const per = e.size / e.shape[0];
          for (let i = 0; i < group.unit * per; i++) out.push(e.start + u * group.unit * per + i);
        }
      }
      return out;
    });
  }
  if (kind === 'channel') {
    const out = Array.from({ length: group.units }, () => [] as number[]);
    for (const m of group.members) {
      const layer = model.graph.node(m.node).layer;
      // The readers whose weight is [outputs, inputs, …]: an input channel is a slice of every output's row.
      if (m.side !== 'in' || !(layer instanceof Dense || (layer instanceof Conv2d && layer.groups === 1))) continue;
      const e = entry(m.node, 'weight')!;
      const [O, I] = e.shape;
      const R = e.size / (O * I);
      for (let u = 0; u < group.units; u++) {
        for (const c of memberEntries(m, [u])) for (let o = 0; o < O; o++) for (let r = 0; r < R; r++) out[u].push(e.start + (o * I + c) * R + r);
      }
    }
    // None when no reader has such a weight (units then have no channel group, rather than an empty one).
    return out.some((g) => g.length === 0) ? [] : out;
  }
  const out: number[][] = [];
  for (const p of group.producers) {
    const e = entry(p, 'weight');
    if (!e) continue;
    const per = e.size / e.shape[0];
    for (let j = 0; j < per; j++) out.push(Array.from({ length: e.shape[0] }, (_, f) => e.start + f * per + j));
  }
  return out;
}

const norm = (v: Float32Array, g: readonly number[]) => Math.sqrt(g.reduce((s, i) => s + v[i] * v[i], 0));

/** ‖w_g‖₂ of every group of `kind` (default: each unit's filter). */
export function groupNorms(model: Model, group: ChannelGroup, kind: LassoGroupKind = 'filter'): Float64Array {
  const v = model.params.values.f32();
  return Float64Array.from(lassoGroups(model, group, kind), (g) => norm(v, g));
}

/** λ·Σ_g ‖w_g‖₂ over the groups of `kinds` in `groups`. */
export function groupLassoPenalty(model: Model, groups: readonly ChannelGroup[], lambda: number, kinds: readonly LassoGroupKind[] = ['filter']): number {
  let s = 0;
  for (const g of groups) for (const kind of kinds) for (const n of groupNorms(model, g, kind)) s += n;
  return lambda * s;
}

/** Adds the penalty's gradient λ·w_g/‖w_g‖ (0 for a zero group) into `grads` (laid out like the params). */
export function groupLassoGradient(model: Model, groups: readonly ChannelGroup[], lambda: number, grads: Float32Array | Float64Array, kinds: readonly LassoGroupKind[] = ['filter']): void {
  const v = model.params.values.f32();
  for (const g of groups) {
    for (const kind of kinds) {
      for (const idx of lassoGroups(model, g, kind)) {
        const n = norm(v, idx);
        if (n > 0) for (const i of idx) grads[i] += lambda * v[i] / n;
      }
    }
  }
}

/** The groups of `kinds` over `groups` as the training loop's proximal step takes them (TrainOptions.proximal). */
export function groupLassoProximal(model: Model, groups: readonly ChannelGroup[], lambda: number, kinds: readonly LassoGroupKind[] = ['filter']): ProximalGroups {
  return proximalGroups(lambda, groups.flatMap((g) => kinds.flatMap((kind) => lassoGroups(model, g, kind))));
}

/** One proximal step of step·λ·Σ‖w_g‖ on the model's parameters. Returns how many groups became 0. */
export function groupLassoProx(model: Model, groups: readonly ChannelGroup[], lambda: number, step: number, kinds: readonly LassoGroupKind[] = ['filter']): number {
  return applyProximal(model.params.values.f32(), groupLassoProximal(model, groups, lambda, kinds), step);
}

export const groupLasso: Criterion = { name: 'group-lasso', source: 'Wen et al. 2016', score: (model, group) => groupNorms(model, group) };
