// What group-lasso training drove under ε comes out afterwards: units whose filter or channel
// norm is under ε are removed structurally (at least one stays per group), filter shapes under ε
// are masked (a kernel position no filter uses any more; structured sparsity).

import type { Model } from '../../nn/model.js';
import type { ChannelGroup } from '../../graph/dependency.js';
import { removeUnits } from '../surgery.js';
import { groupNorms, lassoGroups, type LassoGroupKind } from './group-lasso.js';

/** Returns the model with the units removed (the same model when none are), the units removed per group and the shapes masked. */
export function removeLassoGroups(model: Model, groups: readonly ChannelGroup[], epsilon: number, kinds: readonly LassoGroupKind[]): { model: Model; units: number[]; shapes: number } {
  let shapes = 0;
  if (kinds.includes('shape')) {
    const v = model.params.values.f32();
    let mask: Float32Array | undefined;
    for (const g of groups) {
      for (const idx of lassoGroups(model, g, 'shape')) {
        if (Math.sqrt(idx.reduce((s, i) => s + v[i] * v[i], 0)) >= epsilon) continue;
        mask ??= model.params.enableMask().f32();
        for (const i of idx) { mask[i] = 0; v[i] = 0; }
        shapes++;
      }
    }
  }
  const cuts = groups.map((g) => {
    const under = (kind: LassoGroupKind) => {
      const n = kinds.includes(kind) ? groupNorms(model, g, kind) : new Float64Array(0);
      return (u: number) => n.length === g.units && n[u] < epsilon;
    };
    const [filter, channel] = [under('filter'), under('channel')];
    const units = Array.from({ length: g.units }, (_, u) => u).filter((u) => filter(u) || channel(u));
    // A group with every unit gone would cut the network in two: the strongest filter stays.
    if (units.length === g.units) {
      const norms = groupNorms(model, g, 'filter');
      units.splice(units.indexOf(norms.indexOf(Math.max(...norms))), 1);
    }
    return { group: g, units };
  });
  const units = cuts.map((c) => c.units.length);
  if (units.every((n) => n === 0)) return { model, units, shapes };
  return { model: removeUnits(model, cuts.filter((c) => c.units.length > 0)).model, units, shapes };
}
