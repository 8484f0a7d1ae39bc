// A FLOPs target as a share of units: the one ratio that, removed from every chosen group, brings
// a model's FLOPs closest to 1/target of what they were. Which units go does not change the count.

import { removableUnits, type ChannelGroup } from '../graph/dependency.js';
import type { Model } from '../nn/model.js';
import { removeUnits } from './surgery.js';

/** The model's FLOPs with round(ratio · units) units (as many as the group's budget allows) removed from each group. */
export function flopsAfter(model: Model, groups: readonly ChannelGroup[], ratio: number): number {
  const cuts = groups
    .map((group) => ({ group, units: removableUnits(group, Array.from({ length: group.units }, (_, u) => u), Math.round(ratio * group.units)) }))
    .filter((c) => c.units.length > 0);
  if (cuts.length === 0) return model.graph.flops();
  const { model: cut } = removeUnits(model, cuts);
  const flops = cut.graph.flops();
  cut.dispose();
  return flops;
}

/**
 * The ratio in [0, 1) whose uniform removal from `groups` gives a FLOPs reduction (before/after)
 * closest to `target` (> 1); throws a RangeError when even the largest removal falls short.
 */
export function ratioForFlops(model: Model, groups: readonly ChannelGroup[], target: number): { ratio: number; flops: number } {
  if (!(typeof target === 'number' && target > 1 && Number.isFinite(target))) {
    throw new RangeError(`FLOPs target must be a reduction factor > 1 (2 for half the FLOPs), got ${target}`);
  }
  const before = model.graph.flops();
  const reduction = (r: number) => before / flopsAfter(model, groups, r);
  // FLOPs fall as the ratio grows: bisect for the first ratio that meets the target.
  let lo = 0, hi = 0.999;
  const most = reduction(hi);
  if (most < target) {
    throw new RangeError(`FLOPs target ${target}× is out of reach: removing all but one unit of each chosen group gives ${most.toFixed(2)}×`);
  }
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (reduction(mid) >= target) hi = mid;
    else lo = mid;
  }
  const [a, b] = [reduction(lo), reduction(hi)];
  const ratio = Math.abs(a - target) < Math.abs(b - target) ? lo : hi;
  return { ratio, flops: flopsAfter(model, groups, ratio) };
}
