// Weight-norm criteria (Li et al. 2016): the L1 or L2 norm of each unit's filters across the
// group's producers. No data pass.

import type { ChannelGroup } from '../../graph/dependency.js';
import type { Model } from '../../nn/model.js';
import type { Criterion } from './criterion.js';
import { checkModel, checkOptions } from '../../nn/check.js';

/** Σ|w| of each unit's output slices in the group's producers (weights only, biases excluded). */
export function l1Scores(model: Model, group: ChannelGroup): Float64Array {
  checkModel('l1Scores', 'model', model);
  checkOptions('l1Scores', 'group', group);
  return normScores(model, group, 1);
}

/** sqrt(Σ w²) of each unit's output slices in the group's producers (weights only). */
export function l2Scores(model: Model, group: ChannelGroup): Float64Array {
  checkModel('l2Scores', 'model', model);
  checkOptions('l2Scores', 'group', group);
  return normScores(model, group, 2);
}

function normScores(model: Model, group: ChannelGroup, p: 1 | 2): Float64Array {
  const scores = new Float64Array(group.units);
  const values = model.params.values.f32();
  for (const name of group.producers) {
    const e = model.params.entry(name, 'weight');
    // The filters lie along the weight's `cut.out` axis: 0 for Dense and Conv2d, 1 for ConvTranspose2d.
    const axis = model.graph.node(name).params.find((q) => q.name === 'weight')?.cut?.out ?? 0;
    const inner = e.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const channels = e.shape[axis];
    for (let i = 0; i < e.size; i++) {
      const v = values[e.start + i];
      scores[Math.floor((Math.floor(i / inner) % channels) / group.unit)] += p === 1 ? Math.abs(v) : v * v;
    }
  }
  if (p === 2) for (let u = 0; u < scores.length; u++) scores[u] = Math.sqrt(scores[u]);
  return scores;
}

export const l1: Criterion = { name: 'l1', source: 'Li et al. 2016', score: (model, group) => l1Scores(model, group) };
export const l2: Criterion = { name: 'l2', source: 'Li et al. 2016', score: (model, group) => l2Scores(model, group) };
