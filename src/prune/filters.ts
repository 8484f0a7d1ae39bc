// Structured pruning by filter importance: one score per unit of a dependency group, the lowest
// cut; the scores come from a criterion (src/prune/criteria/, L1 norm by default).

import { dependencyGroups, removableUnits, unitBudget, type ChannelGroup } from '../graph/dependency.js';
import type { Model } from '../nn/model.js';
import { removeUnits, type Cut, type Surgery } from './surgery.js';
import { lowest, type Criterion } from './criteria/criterion.js';
import { l1Scores } from './criteria/norms.js';
import type { PassStats } from '../workers/hooks.js';
import { checkArray, checkModel, checkOptions, describe } from '../nn/check.js';

export interface FilterPruning {
  /** Share of each group's units to remove, in [0, 1): a number for every group, or per producer name. */
  ratio: number | Record<string, number>;
  /** Which groups: the ones produced by these layers (default every prunable group whose producers are all of `ops`). */
  layers?: string[];
  /** Producer ops to consider by default (default ['Conv2d']). */
  ops?: string[];
  score?: (model: Model, group: ChannelGroup) => ArrayLike<number>;
  /** Scores from a criterion (src/prune/criteria/) and its pass statistics, in place of `score`. */
  criterion?: Criterion;
  stats?: PassStats;
  /**
   * 'layer' (default): each group loses its own share. 'global': as many units in all as the
   * shares add up to, the lowest scores across the groups (relative to their layer's mean score
   * unless the criterion is `comparable`).
   */
  scope?: 'layer' | 'global';
  /** Units to remove per group (by producer name), overriding `ratio`: what a pipeline step asks for. */
  counts?: Record<string, number>;
}

/** Removes the lowest-scoring share of units from each chosen group; returns the smaller model. */
export function pruneFilters(model: Model, options: FilterPruning): Surgery & { cuts: Cut[] } {
  checkModel('pruneFilters', 'model', model);
  checkOptions('pruneFilters', 'options', options);
  if (typeof options.ratio !== 'number' && (typeof options.ratio !== 'object' || options.ratio === null || Array.isArray(options.ratio))) {
    throw new TypeError(`pruneFilters: 'options.ratio' must be a number or a map of layer name → number, got ${describe(options.ratio)}`);
  }
  if (options.layers !== undefined) checkArray('pruneFilters', 'options.layers', options.layers);
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
  const c = options.criterion;
  const score = options.score ?? (c ? (m: Model, g: ChannelGroup) => c.score(m, g, options.stats ?? {}) : l1Scores);
  const counts = chosen.map((g) => {
    const named = options.counts?.[g.producers[0]];
    if (named !== undefined) return Math.min(g.units - 1, named);
    const ratio = typeof options.ratio === 'number' ? options.ratio : options.ratio[g.producers.find((p) => p in (options.ratio as object))!] ?? 0;
    if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`filter pruning: ratio for '${g.producers[0]}' must be in [0, 1), got ${ratio}`);
    return Math.min(g.units - 1, Math.round(ratio * g.units));
  });
  const cuts: Cut[] = [];
  if (options.scope === 'global') {
    // Scores that do not compare across layers (weight norms of differently sized filters) are
    // divided by their layer's mean first, so a layer's units rank by their share of its total.
    const relative = !c?.comparable;
    const all = chosen.flatMap((g, gi) => {
      const v = Array.from(score(model, g));
      const m = relative ? v.reduce((x, y) => x + y, 0) / v.length || 1 : 1;
      return v.map((s, u) => ({ s: s / m, gi, u }));
    });
    all.sort((a, b) => a.s - b.s || a.gi - b.gi || a.u - b.u);
    let left = counts.reduce((a, b) => a + b, 0);
    const picked: number[][] = chosen.map(() => []);
    const budgets = chosen.map(unitBudget);
    for (const x of all) {
      if (left === 0) break;
      if (!budgets[x.gi](x.u)) continue;
      picked[x.gi].push(x.u);
      left--;
    }
    chosen.forEach((g, gi) => { if (picked[gi].length) cuts.push({ group: g, units: picked[gi] }); });
  } else {
    chosen.forEach((g, gi) => { if (counts[gi] > 0) cuts.push({ group: g, units: removableUnits(g, lowest(score(model, g), g.units), counts[gi]) }); });
  }
  return { ...removeUnits(model, cuts), cuts };
}
