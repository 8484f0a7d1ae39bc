// Every importance criterion by the name settings and the CLI's --method use.

import type { Criterion } from './criterion.js';
import { l1, l2 } from './norms.js';
import { apoz } from './apoz.js';
import { taylor } from './taylor.js';
import { randomCriterion } from './random.js';
import { groupLasso } from './group-lasso.js';

/** The criteria that score units of dependency groups; maxout and correlation cut otherwise (maxout.ts, correlation.ts). */
export const UNIT_CRITERIA = ['l1', 'l2', 'apoz', 'taylor', 'group-lasso', 'random'] as const;
export type UnitCriterionName = (typeof UNIT_CRITERIA)[number];

/** The criterion named `name`; `seed` seeds the random one. */
export function criterion(name: UnitCriterionName, seed = 0): Criterion {
  switch (name) {
    case 'l1': return l1;
    case 'l2': return l2;
    case 'apoz': return apoz;
    case 'taylor': return taylor;
    case 'group-lasso': return groupLasso;
    case 'random': return randomCriterion(seed);
    default: throw new RangeError(`unknown criterion '${name as string}' (known: ${UNIT_CRITERIA.join(', ')})`);
  }
}
