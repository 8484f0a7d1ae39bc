// Structured pruning by filter importance: one score per unit of a dependency group, the lowest
// cut. L1-norm (Li et al. 2016): s_j = Σ|F_j| over the producers' slices of unit j.

import { dependencyGroups, type ChannelGroup } from '../graph/dependency.js';
import type { Model } from '../nn/model.js';
import { removeUnits, type Cut, type Surgery } from './surgery.js';

/** Σ|w| of each unit's output slices in the group's producers (weights only, biases excluded). */
export function l1Scores(model: Model, group: ChannelGroup): Float64Array {
  const scores = new Float64Array(group.units);
  const values = model.params.values.f32();
  for (const name of group.producers) {
    const e = model.params.entry(name, 'weight');
    // The filters lie along the weight's `cut.out` axis: 0 for Dense and Conv2d, 1 for ConvTranspose2d.
    const node = model.graph.node(name);
    const axis = node.params.find((p) => p.name === 'weight')?.cut?.out ?? 0;
    const inner = e.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const channels = e.shape[axis];
    for (let i = 0; i < e.size; i++) {
      const c = Math.floor(i / inner) % channels;
      scores[Math.floor(c / group.unit)] += Math.abs(values[e.start + i]);
    }
  }
  return scores;
}

/** The `count` lowest-scoring units (ties: lower index first). */
export function lowest(scores: ArrayLike<number>, count: number): number[] {
  return Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, count).map(([, i]) => i);
}

export interface FilterPruning {
  /** Share of each group's units to remove, in [0, 1): a number for every group, or per producer name. */
  ratio: number | Record<string, number>;
  /** Which groups: the ones produced by these layers (default every prunable group whose producers are all of `ops`). */
  layers?: string[];
  /** Producer ops to consider by default (default ['Conv2d']). */
  ops?: string[];
  score?: (model: Model, group: ChannelGroup) => ArrayLike<number>;
}

/** Removes the lowest-scoring share of units from each chosen group; returns the smaller model. */
export function pruneFilters(model: Model, options: FilterPruning): Surgery & { cuts: Cut[] } {
  const groups = dependencyGroups(model.graph);
  const ops = options.ops ?? ['Conv2d'];
  const named = options.layers ?? (typeof options.ratio === 'object' ? Object.keys(options.ratio) : undefined);
  const chosen = named
    ? named.map((name) => {
        const g = groups.find((x) => x.producers.includes(name));
        if (!g) throw new RangeError(`filter pruning: no layer '${name}' produces channels (layers: ${groups.flatMap((x) => x.producers).join(', ')})`);
        if (!g.prunable) throw new RangeError(`filter pruning: '${name}' cannot be pruned: ${g.reason}`);
        return g;
      })
    : groups.filter((g) => g.prunable && g.producers.every((p) => ops.includes(model.graph.node(p).layer.op)));
  const score = options.score ?? l1Scores;
  const cuts: Cut[] = [];
  for (const g of chosen) {
    const ratio = typeof options.ratio === 'number' ? options.ratio : options.ratio[g.producers.find((p) => p in (options.ratio as object))!] ?? 0;
    if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`filter pruning: ratio for '${g.producers[0]}' must be in [0, 1), got ${ratio}`);
    const count = Math.min(g.units - 1, Math.round(ratio * g.units));
    if (count > 0) cuts.push({ group: g, units: lowest(score(model, g), count) });
  }
  return { ...removeUnits(model, cuts), cuts };
}
