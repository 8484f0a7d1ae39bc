// The contract every importance criterion implements ("what to cut"): a criterion scores a
// dependency group, one score per unit, from the model and, when it asks for them, the
// statistics of one data pass (src/workers/pass.ts). The lowest-scoring units are cut.

import type { ChannelGroup } from '../../graph/dependency.js';
import type { Model } from '../../nn/model.js';
import type { HookSpec, PassStats } from '../../workers/hooks.js';

export interface Criterion {
  /** Its name in settings, histories and the CLI's --method. */
  readonly name: string;
  /** Who proposed it, for histories and reports ("Hu et al. 2016"). */
  readonly source: string;
  /**
   * The statistics to gather in one data pass before scoring these groups, by hook id (absent:
   * the criterion reads the model only). Ids must be unique across groups: prefix them.
   */
  hooks?(model: Model, groups: readonly ChannelGroup[]): Record<string, HookSpec>;
  /**
   * One score per unit of `group` (group.units entries, higher = more important); `stats` holds
   * the merged results of the hooks asked for (empty when none were).
   */
  score(model: Model, group: ChannelGroup, stats: PassStats): Float64Array;
  /**
   * Whether scores compare across groups (normalised per layer, or shares such as APoZ): a
   * global ranking needs it. Weight norms of differently sized layers do not.
   */
  readonly comparable?: boolean;
}

/** The `count` lowest-scoring units (ties: lower index first). */
export function lowest(scores: ArrayLike<number>, count: number): number[] {
  return Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, count).map(([, i]) => i);
}
