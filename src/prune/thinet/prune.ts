// ThiNet layer by layer: for each chosen layer i, sample what layer i+1 reads, remove the units
// whose contribution it misses least (and everything coupled to them), scale the kept input
// channels of layer i+1 by the least-squares ŵ, and fine-tune before going on to the next layer.

import { dependencyGroups, memberEntries, type ChannelGroup } from '../../graph/dependency.js';
import type { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { removeUnits } from '../surgery.js';
import { ratioForFlops } from '../flops-target.js';
import { consumersOf, sampleContributions, type ConsumerSamples, type SampleOptions } from './sample.js';
import { selectUnits, type Reweighting, type SelectOptions, type Selection } from './select.js';

export interface ThinetOptions extends SelectOptions, SampleOptions {
  /** Share of each chosen layer's units to remove, in [0, 1). */
  ratio?: number;
  /** Instead of `ratio`: a FLOPs reduction factor (2 = half the FLOPs), met by one ratio for every chosen layer. */
  flops?: number;
  /** Share per producing layer, by name; names the layers to prune, in graph order. Overrides `ratio`. */
  perLayer?: Record<string, number>;
  /** With `ratio`: the layers to prune (default every prunable group made only by `ops`). */
  layers?: string[];
  /** Producer ops pruned by default (default ['Conv2d']). */
  ops?: string[];
  /** Called after each layer is pruned, before the next is sampled (e.g. a short retraining). */
  fineTune?: (model: Model, layer: string) => unknown;
}

export interface ThinetLayer {
  /** The group's first producer, as named in `perLayer`. */
  layer: string;
  producers: string[];
  unitsBefore: number;
  /** The share asked for (units removed: round(ratio · unitsBefore), at most unitsBefore − 1). */
  ratio: number;
  /** Units removed, in the order the greedy search took them (indices before removal). */
  removed: number[];
  objective: number;
  reweighting: Reweighting[];
  /** The model's FLOPs and parameters after this layer (before fine-tuning changes nothing of either). */
  flops: number;
  params: number;
}

export interface ThinetResult {
  model: Model;
  layers: ThinetLayer[];
}

/**
 * Prunes `model` with ThiNet, one layer after another; returns a new model (`model` is left as
 * it was). Every argument is checked before any sampling starts.
 */
export async function thinetPrune(model: Model, data: Dataset, options: ThinetOptions): Promise<ThinetResult> {
  const plan = thinetPlan(model, data, options);
  const layers: ThinetLayer[] = [];
  let current = model;
  try {
    for (const [name, ratio] of plan) {
      const group = groupOf(current, name);
      const count = Math.min(group.units - 1, Math.round(ratio * group.units));
      if (count === 0) continue;
      const { model: next, selection } = thinetStep(current, group, data, count, { ...options, seed: (options.seed ?? 0) + layers.length * 104_729 });
      if (current !== model) current.dispose();
      current = next;
      layers.push({
        layer: name, producers: group.producers, unitsBefore: group.units, ratio, removed: selection.remove,
        objective: selection.objective, reweighting: selection.reweighting, flops: next.graph.flops(), params: next.graph.paramCount(),
      });
      await options.fineTune?.(current, name);
    }
  } catch (e) {
    // An intermediate model is ours to free; the caller's is left as it was.
    if (current !== model) current.dispose();
    throw e;
  }
  return { model: current, layers };
}

/** One ThiNet step on one group: sample, select `count` units, remove them, apply ŵ. A new model. */
export function thinetStep(model: Model, group: ChannelGroup, data: Dataset, count: number, options: SelectOptions & SampleOptions = {}): { model: Model; selection: Selection } {
  return thinetApply(model, group, sampleContributions(model, group, data, options), count, options);
}

/** ThiNet's step from samples gathered already (e.g. by `samplePass` on a worker pool): select, remove, apply ŵ. A new model. */
export function thinetApply(model: Model, group: ChannelGroup, samples: readonly ConsumerSamples[], count: number, options: SelectOptions = {}): { model: Model; selection: Selection } {
  const selection = selectUnits(model.k, samples, count, options);
  const { model: next } = removeUnits(model, [{ group, units: selection.remove }]);
  applyScales(next, group.producers[0], selection);
  return { model: next, selection };
}

/** Multiplies each kept input unit of every solved reader by its ŵ, in the pruned model. */
function applyScales(model: Model, producer: string, selection: Selection): void {
  const group = groupOf(model, producer);
  const values = model.params.values.f32();
  for (const r of selection.reweighting) {
    if (r.status !== 'solved') continue;
    const member = group.members.find((m) => m.side === 'in' && m.node === r.consumer)!;
    const e = model.params.entry(r.consumer, 'weight');
    const [O, I] = e.shape;
    const inner = e.size / (O * I);
    r.scales.forEach((w, u) => {
      for (const col of memberEntries(member, [u])) {
        for (let o = 0; o < O; o++) {
          const base = e.start + (o * I + col) * inner;
          for (let t = 0; t < inner; t++) values[base + t] *= w;
        }
      }
    });
  }
}

/** The layers to prune with their ratios, in graph order, checked. */
function thinetPlan(model: Model, data: Dataset, options: ThinetOptions): [string, number][] {
  const input = model.graph.inputs[0];
  if (data.shape.join() !== input.shape.join()) {
    throw new RangeError(`thinet: dataset '${data.name}' has samples of shape [${data.shape}], the model's input '${input.name}' is [${input.shape}]`);
  }
  const groups = dependencyGroups(model.graph);
  const ops = options.ops ?? ['Conv2d'];
  let plan: [string, number][];
  if (options.perLayer) {
    plan = Object.entries(options.perLayer);
  } else {
    if (options.ratio === undefined && options.flops === undefined) throw new TypeError('thinet: give a ratio, perLayer ratios or a FLOPs target');
    const names = options.layers ?? groups.filter((g) => g.prunable && g.producers.every((p) => ops.includes(model.graph.node(p).layer.op))).map((g) => g.producers[0]);
    plan = names.map((n) => [n, options.ratio ?? 0]);
  }
  const order = (name: string) => groups.findIndex((g) => g.producers.includes(name));
  const chosen = plan.map(([name]) => {
    const g = groups[order(name)];
    if (!g) throw new RangeError(`thinet: no layer '${name}' produces channels (layers: ${groups.flatMap((x) => x.producers).join(', ')})`);
    if (!g.prunable) throw new RangeError(`thinet: '${name}' cannot be pruned: ${g.reason}`);
    consumersOf(model, g);
    return g;
  });
  if (!options.perLayer && options.flops !== undefined) {
    const { ratio } = ratioForFlops(model, chosen, options.flops);
    plan = plan.map(([name]) => [name, ratio]);
  }
  for (const [name, ratio] of plan) {
    if (typeof ratio !== 'number' || !(ratio >= 0 && ratio < 1)) throw new RangeError(`thinet: ratio for '${name}' must be in [0, 1), got ${ratio}`);
  }
  const seen = new Set(plan.map(([n]) => order(n)));
  if (seen.size !== plan.length) throw new RangeError(`thinet: two of the layers [${plan.map(([n]) => n)}] make the same channels`);
  if (options.samples !== undefined && !(Number.isInteger(options.samples) && options.samples >= 1)) {
    throw new RangeError(`thinet: samples must be an integer ≥ 1, got ${options.samples}`);
  }
  return plan.sort((a, b) => order(a[0]) - order(b[0]));
}

function groupOf(model: Model, producer: string): ChannelGroup {
  return dependencyGroups(model.graph).find((g) => g.producers.includes(producer))!;
}
