// APoZ (Hu et al. 2016): the share of zeros in each channel's post-ReLU output over a dataset
// (every sample and position). The channels with the highest APoZ go: the score is 1 − APoZ.

import type { Criterion } from './criterion.js';
import { activationOf, perUnit } from './activations.js';

export const apoz: Criterion = {
  name: 'apoz', source: 'Hu et al. 2016', comparable: true,
  hooks(model, groups) {
    return Object.fromEntries(groups.map((g) => {
      const at = activationOf(model.graph, g);
      if (!at.relu) throw new RangeError(`APoZ: no ReLU follows '${g.producers[0]}' in model '${model.graph.name}': the share of zeros needs one`);
      return [`apoz:${g.producers[0]}`, { kind: 'zeros', node: at.node }];
    }));
  },
  score(_model, group, stats) {
    const r = stats[`apoz:${group.producers[0]}`];
    const entries = r.samples * (r.perSample as number) * group.unit;
    return perUnit(group, r.zeros as Float64Array).map((z) => 1 - z / entries);
  },
};
