// Taylor (Molchanov et al. 2016): Θ(c) = the mean over samples of |mean over positions of
// activation × gradient of the loss w.r.t. it| — per example, as Molchanov et al. compute it —
// normalised per layer by its L2 norm so layers compare. NOTE: the dataset-wide |mean| (the
// hook's `sum`) is the first-order loss change, but it vanishes on a trained net (the loss is at
// a minimum in every channel's scale) and then ranks no better than chance: on LeNet-5 it did
// worse than random (experiments/results/criteria.json, `taylor-dataset-mean`).

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
    const theta = perUnit(group, Array.from(r.abs as Float64Array, (s) => s / n));
    const norm = Math.sqrt(theta.reduce((a, t) => a + t * t, 0));
    return norm > 0 ? theta.map((t) => t / norm) : theta;
  },
};
