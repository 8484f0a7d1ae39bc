// Random scores: the baseline every criterion is compared against. Seeded, so a run repeats.

import { Rng } from '../../nn/random.js';
import type { Criterion } from './criterion.js';

export function randomCriterion(seed = 0): Criterion {
  return {
    name: 'random', source: 'baseline', comparable: true,
    score(_model, group) {
      const rng = new Rng((seed ^ Math.imul(group.channels, 0x9e3779b1) ^ group.id) >>> 0);
      return Float64Array.from({ length: group.units }, () => rng.next());
    },
  };
}
