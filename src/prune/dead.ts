// Removing neurons and channels that connection pruning left dead (Han et al. 2015): a unit with
// no outgoing connection is cut outright; a unit with no incoming connection outputs a constant,
// which is folded into the biases of the Dense layers reading it before the unit is cut.

import { dependencyGroups, memberEntries, removableUnits, type ChannelGroup, type GroupMember } from '../graph/dependency.js';
import type { Model } from '../nn/model.js';
import { removeUnits, type Cut } from './surgery.js';
import { checkModel } from '../nn/check.js';

export interface DeadUnits {
  model: Model;
  /** Units removed per group, by the group's first producer. */
  removed: Record<string, number>;
}

/** A new model without dead units (the old one is left as it was); `removed` is empty if none were found. */
export function removeDeadUnits(model: Model): DeadUnits {
  checkModel('removeDeadUnits', 'model', model);
  const groups = dependencyGroups(model.graph).filter((g) => g.prunable);
  const values = model.params.values.f32();
  const weightsAlong = (m: GroupMember, side: 'in' | 'out') =>
    model.graph.node(m.node).params.filter((p) => (side === 'in' ? p.cut?.in : p.name === 'weight' ? p.cut?.out : undefined) !== undefined)
      .map((p) => ({ entry: model.params.entry(m.node, p.name), axis: side === 'in' ? p.cut!.in! : p.cut!.out! }));
  const allZero = (m: GroupMember, side: 'in' | 'out', unit: number) =>
    weightsAlong(m, side).every(({ entry, axis }) => {
      const inner = entry.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const outer = entry.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      for (const e of memberEntries(m, [unit])) {
        for (let o = 0; o < outer; o++) {
          const at = entry.start + (o * entry.shape[axis] + e) * inner;
          for (let i = 0; i < inner; i++) if (values[at + i] !== 0) return false;
        }
      }
      return true;
    });

  const cuts: Cut[] = [];
  const folds: { group: ChannelGroup; unit: number }[] = [];
  for (const group of groups) {
    const readers = group.members.filter((m) => m.side === 'in');
    const makers = group.members.filter((m) => m.side === 'out' && group.producers.includes(m.node));
    const dead: number[] = [];
    for (let u = 0; u < group.units; u++) {
      if (readers.every((m) => allZero(m, 'in', u))) dead.push(u);
      else if (makers.every((m) => allZero(m, 'out', u)) && foldable(model, group)) {
        dead.push(u);
        folds.push({ group, unit: u });
      }
    }
    // Never down to zero units (nor a Slice's share of them): the first dead ones are the ones kept.
    const units = removableUnits(group, dead.reverse(), dead.length);
    if (units.length) cuts.push({ group, units: units.reverse() });
  }
  if (cuts.length === 0) return { model, removed: {} };
  foldConstants(model, folds.filter((f) => cuts.some((c) => c.group === f.group && c.units.includes(f.unit))));
  const { model: next } = removeUnits(model, cuts);
  return { model: next, removed: Object.fromEntries(cuts.map((c) => [c.group.producers[0], c.units.length])) };
}

/** A constant unit can be folded when every producer is Dense (one value per unit) and every reader is a Dense with a bias. */
function foldable(model: Model, group: ChannelGroup): boolean {
  const op = (name: string) => model.graph.node(name).layer;
  return group.producers.every((p) => op(p).op === 'Dense') &&
    group.members.filter((m) => m.side === 'in').every((m) => op(m.node).op === 'Dense' && model.graph.node(m.node).params.some((p) => p.name === 'bias'));
}

/**
 * Adds each constant unit's contribution to its readers' biases: bias_r += W_r[:, e] · a_e, with
 * a_e the unit's activation at the reader's input (the same for every input, so one forward
 * pass of a zero sample measures it).
 */
function foldConstants(model: Model, folds: { group: ChannelGroup; unit: number }[]): void {
  if (folds.length === 0) return;
  model.input(1).fill(0);
  model.forward(1, { training: false });
  for (const { group, unit } of folds) {
    for (const m of group.members.filter((x) => x.side === 'in')) {
      const node = model.graph.node(m.node);
      const a = model.activation(node.inputs[m.input]).f32();
      const w = model.params.value(m.node, 'weight');
      const [rows, cols] = w.shape;
      const wv = w.f32();
      const bias = model.params.value(m.node, 'bias').f32();
      for (const e of memberEntries(m, [unit])) for (let r = 0; r < rows; r++) bias[r] += wv[r * cols + e] * a[e];
    }
  }
}
