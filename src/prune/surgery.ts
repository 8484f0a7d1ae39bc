// Structural removal: cutting units of dependency groups out of a model. Every tensor involved
// shrinks — weights, biases, batch-norm statistics, the mask, optimiser state — and the result
// is a new, smaller Model whose forward pass really does less work.

import { Graph } from '../graph/graph.js';
import { memberEntries, type ChannelGroup } from '../graph/dependency.js';
import { Model } from '../nn/model.js';
import { gather } from '../nn/params.js';
import type { Layer } from '../nn/layer.js';
import { checkArray, checkModel, checkOptions, describe } from '../nn/check.js';

export interface Cut {
  group: ChannelGroup;
  /** Units of the group to remove (any order; checked: integers in range, unique, not all). */
  units: readonly number[];
}

export interface Surgery {
  model: Model;
  /** For each element of the new parameter store, its index in the old one (Optimizer.rebind takes it). */
  keep: Int32Array;
}

/** Checks a cut before any work, with errors that name the group and the bad index. */
export function checkCut(cut: Cut): number[] {
  checkOptions('checkCut', 'cut', cut);
  const { group } = cut;
  if (!(typeof group === 'object' && group !== null && typeof group.units === 'number' && Array.isArray(group.members) && Array.isArray(group.ranges))) {
    throw new TypeError(`checkCut: 'cut.group' must be a ChannelGroup (from dependencyGroups), got ${describe(group)}`);
  }
  checkArray('checkCut', 'cut.units', cut.units);
  const name = `group ${group.id} (${group.producers.join(', ')})`;
  if (!group.prunable) throw new Error(`${name} cannot be pruned: ${group.reason}`);
  const units = [...cut.units].sort((a, b) => a - b);
  units.forEach((u, i) => {
    if (!Number.isInteger(u) || u < 0 || u >= group.units) throw new RangeError(`${name}: unit ${u} is not in [0, ${group.units})`);
    if (i > 0 && units[i - 1] === u) throw new RangeError(`${name}: unit ${u} is listed twice`);
  });
  if (units.length >= group.units) throw new RangeError(`${name}: removing ${units.length} of ${group.units} units would leave none`);
  for (const r of group.ranges) {
    if (units.filter((u) => u >= r.first && u < r.first + r.count).length === r.count) {
      throw new RangeError(`${name}: the cut removes all of units [${r.first}, ${r.first + r.count}), which '${r.node}' sees alone; it would be left with no channels`);
    }
  }
  return units;
}

/**
 * A new model without the cut units; `model` is left as it was. `layers` swaps nodes' layers for
 * others with the same parameters (a Maxout with a smaller k, after cutting neurons inside units).
 */
export function removeUnits(model: Model, cuts: readonly Cut[], layers?: ReadonlyMap<string, Layer>): Surgery {
  checkModel('removeUnits', 'model', model);
  checkArray('removeUnits', 'cuts', cuts);
  const outRemoved = new Map<string, Set<number>>();
  const inRemoved = new Map<string, Set<number>>();
  const seen = new Set<number>();
  for (const cut of cuts) {
    if (seen.has(cut.group.id)) throw new Error(`group ${cut.group.id} is cut twice in one surgery`);
    seen.add(cut.group.id);
    const units = checkCut(cut);
    for (const m of cut.group.members) {
      const key = m.side === 'out' ? m.node : `${m.node}#${m.input}`;
      const map = m.side === 'out' ? outRemoved : inRemoved;
      const set = map.get(key) ?? new Set<number>();
      for (const e of memberEntries(m, units)) set.add(e);
      map.set(key, set);
    }
  }

  const old = model.graph;
  const graph = new Graph({
    name: old.name,
    inputs: old.inputs.map((i) => ({ name: i.name, shape: i.shape })),
    outputs: [...old.outputs],
    nodes: old.nodes.map((n) => {
      const removed = outRemoved.get(n.name)?.size ?? 0;
      let layer = layers?.get(n.name) ?? n.layer;
      if (removed) layer = layer.withChannels(n.outputShape[0] - removed);
      const removedIn = inRemoved.get(`${n.name}#0`);
      if (removedIn) layer = layer.withInputsCut(removedIn);
      return { name: n.name, inputs: n.inputs, layer };
    }),
  });
  const next = new Model(graph, model.k);
  const keep = new Int32Array(next.params.size);
  for (const e of next.params.entries) {
    const before = model.params.entry(e.node, e.name);
    const spec = old.node(e.node).params.find((p) => p.name === e.name)!;
    const kept = before.shape.map((d, axis) => {
      const drop = axis === spec.cut?.out ? outRemoved.get(e.node) : axis === spec.cut?.in ? inRemoved.get(`${e.node}#0`) : undefined;
      return Int32Array.from({ length: d }, (_, i) => i).filter((i) => !drop?.has(i));
    });
    kept.forEach((k, axis) => {
      if (k.length !== e.shape[axis]) {
        throw new Error(`surgery: ${e.node}.${e.name} axis ${axis} keeps ${k.length} entries but the pruned layer needs ${e.shape[axis]}`);
      }
    });
    gatherIndices(keep, e.start, before.start, before.shape, kept);
  }
  next.params.values.f32().set(gather(model.params.values.f32(), keep));
  if (model.params.mask) {
    next.params.enableMask().f32().set(gather(model.params.mask.f32(), keep.subarray(0, next.params.trainableSize)));
  }
  return { model: next, keep };
}

/** Writes, row-major over the kept index lists, the old flat indices of each new element. */
function gatherIndices(keep: Int32Array, newStart: number, oldStart: number, oldShape: readonly number[], kept: Int32Array[]): void {
  const strides = oldShape.map((_, axis) => oldShape.slice(axis + 1).reduce((a, b) => a * b, 1));
  let at = newStart;
  const walk = (axis: number, base: number) => {
    if (axis === kept.length) {
      keep[at++] = oldStart + base;
      return;
    }
    for (const i of kept[axis]) walk(axis + 1, base + i * strides[axis]);
  };
  walk(0, 0);
}

/** The same model with some layers swapped for ones with identical parameters (a dropout rate, say). */
export function replaceLayers(model: Model, layers: ReadonlyMap<string, Layer>): Model {
  checkModel('replaceLayers', 'model', model);
  if (!(layers instanceof Map)) throw new TypeError(`replaceLayers: 'layers' must be a Map of node name → Layer, got ${describe(layers)}`);
  const old = model.graph;
  const next = new Model(new Graph({
    name: old.name,
    inputs: old.inputs.map((i) => ({ name: i.name, shape: i.shape })),
    outputs: [...old.outputs],
    nodes: old.nodes.map((n) => ({ name: n.name, inputs: n.inputs, layer: layers.get(n.name) ?? n.layer })),
  }), model.k);
  if (next.params.size !== model.params.size) throw new Error('replaceLayers: the new layers change the parameters');
  next.params.values.f32().set(model.params.values.f32());
  if (model.params.mask) next.params.enableMask().f32().set(model.params.mask.f32());
  return next;
}
