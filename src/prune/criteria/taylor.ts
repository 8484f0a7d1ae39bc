// Taylor (Molchanov et al. 2016): Θ(c) = |mean over samples and positions of activation ×
// gradient of the loss w.r.t. it|, the first-order estimate of the loss change of removing the
// channel, normalised per layer by its L2 norm so layers compare.

import type { Criterion } from './criterion.js';
import { activationOf, perUnit } from './activations.js';

export const taylor: Criterion = {
  name: 'taylor', source: 'Molchanov et al. 2016', comparable: true,
  hooks(model, groups) {
    return Object.fromEntries(groups.map((g) => [`taylor:${g.producers[0]}`, { kind: 'taylor', node: activationOf(model.graph, g).node }]));
  },
  score(_model, group, stats) {
    const r = stats[`taylor:${group.producers[0]}`];
    const n = r.samples * (r.perSample as number);
    const theta = perUnit(group, Array.from(r.sum as Float64Array, (s) => Math.abs(s / n)));
    const norm = Math.sqrt(theta.reduce((a, t) => a + t * t, 0));
    return norm > 0 ? theta.map((t) => t / norm) : theta;
  },
};
