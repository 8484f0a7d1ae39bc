// Maxout neuron pruning (Rueda, Grzeszick & Fink 2017): over a forward pass of the training set,
// count how often each neuron wins its maxout unit; remove the least-winning neurons of every
// unit (at least one stays), structurally: their rows in the layer feeding the maxout and every
// channel-wise entry on the way (batch norm), the Maxout keeping its units with a smaller k.

import type { Model } from '../../nn/model.js';
import { dependencyGroups, type ChannelGroup } from '../../graph/dependency.js';
import { Maxout } from '../../nn/layers/maxout.js';
import type { Layer } from '../../nn/layer.js';
import type { HookSpec, PassStats } from '../../workers/hooks.js';
import { removeUnits, type Surgery } from '../surgery.js';

/**
 * The model's Maxout nodes, each with the group of channels it bundles and the nodes between
 * that group's producer and the Maxout (the producer included), where the cut neurons live.
 */
export function maxoutUnits(model: Model): { node: string; k: number; group: ChannelGroup; before: Set<string> }[] {
  const g = model.graph;
  const groups = dependencyGroups(g);
  return g.nodes.filter((n) => n.layer instanceof Maxout).map((n) => {
    const k = (n.layer as Maxout).k;
    const before = new Set<string>();
    let at = n.inputs[0];
    while (g.has(at) && g.node(at).layer.channelFlow(g.node(at).inputShapes).kind === 'elementwise' && g.node(at).inputs.length === 1) {
      before.add(at);
      at = g.node(at).inputs[0];
    }
    before.add(at);
    const group = groups.find((x) => x.producers.includes(at));
    if (!group || !group.prunable || group.unit !== k) {
      throw new RangeError(`maxout pruning: the neurons '${n.name}' takes the max over cannot be cut${group?.reason ? `: ${group.reason}` : ` (they are not made by one layer's output channels)`}`);
    }
    return { node: n.name, k, group, before };
  });
}

export function maxoutHooks(model: Model): Record<string, HookSpec> {
  return Object.fromEntries(maxoutUnits(model).map((u) => [`wins:${u.node}`, { kind: 'wins', node: u.node }]));
}

/**
 * Removes the `remove` least-winning neurons of every unit of each Maxout (ties: the later
 * neuron first, so an untrained tie keeps the first); `remove` < k. Returns the smaller model.
 */
export function pruneMaxoutNeurons(model: Model, stats: PassStats, remove: number | Record<string, number>): Surgery & { removed: Record<string, number> } {
  const cuts = [];
  const layers = new Map<string, Layer>();
  const removed: Record<string, number> = {};
  for (const u of maxoutUnits(model)) {
    const m = typeof remove === 'number' ? remove : remove[u.node] ?? 0;
    if (!(Number.isInteger(m) && m >= 0 && m < u.k)) throw new RangeError(`maxout pruning: '${u.node}' has units of ${u.k}: remove an integer in [0, ${u.k - 1}] per unit, got ${m}`);
    if (m === 0) continue;
    const r = stats[`wins:${u.node}`];
    if (!r) throw new Error(`maxout pruning: no win counts for '${u.node}' (run the pass with maxoutHooks)`);
    const wins = r.wins as Float64Array;
    const channels: number[] = [];
    for (let unit = 0; unit < u.group.units; unit++) {
      const order = Array.from({ length: u.k }, (_, j) => j).sort((a, b) => wins[unit * u.k + a] - wins[unit * u.k + b] || b - a);
      for (const j of order.slice(0, m)) channels.push(unit * u.k + j);
    }
    // The same channels as a group of single neurons, on the maxout's input side only.
    const single: ChannelGroup = {
      ...u.group, unit: 1, units: u.group.channels, ranges: u.group.ranges.map((r) => ({ ...r, first: r.first * u.k, count: r.count * u.k })),
      members: u.group.members.filter((mm) => u.before.has(mm.node)).map((mm) => ({ ...mm, perUnit: mm.perUnit / u.k, first: mm.first * u.k, count: mm.count * u.k })),
    };
    cuts.push({ group: single, units: channels });
    layers.set(u.node, new Maxout({ k: u.k - m }));
    removed[u.node] = channels.length;
  }
  return { ...removeUnits(model, cuts, layers), removed };
}
