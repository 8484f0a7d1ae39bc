// ThiNet as a criterion: one score per unit of a group, the unit's place in the greedy removal
// order run to the end. Greedy choices do not depend on how many are asked for, so the `count`
// lowest scores are exactly the set ThiNet removes at that count (without the reweighting).

import type { ChannelGroup } from '../../graph/dependency.js';
import type { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { sampleContributions, type SampleOptions } from './sample.js';
import { selectUnits } from './select.js';

/** score[u] = the step at which greedy ThiNet removes unit u (0 first); the last unit scores units − 1. */
export function thinetScores(model: Model, group: ChannelGroup, data: Dataset, options: SampleOptions = {}): Float64Array {
  const samples = sampleContributions(model, group, data, options);
  const { remove, keep } = selectUnits(model.k, samples, group.units - 1, { leastSquares: false });
  const scores = new Float64Array(group.units);
  remove.forEach((u, step) => { scores[u] = step; });
  scores[keep[0]] = group.units - 1;
  return scores;
}
