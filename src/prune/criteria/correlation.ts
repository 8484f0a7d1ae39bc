// Correlation-based connection pruning (Sun, Wang & Tang 2016): for a fully connected layer,
// Pearson r between each output neuron (after its activation) and each of its input neurons,
// from one data pass of streaming moments; keep the strongest positive and the strongest negative
// connections in proportion, mask the rest. A neuron that never varies (σ = 0) has r = 0. For a
// convolution (Sun et al.'s extension), a connection is one (output, input) channel pair: its
// strength is the mean |r| over the kernel's taps (observations: the output positions), its sign
// that of the mean r, and the whole kernel slice is masked.

import type { Model } from '../../nn/model.js';
import type { HookSpec, PassStats, HookResult } from '../../workers/hooks.js';
import { activationOf } from './activations.js';
import { dependencyGroups } from '../../graph/dependency.js';
import { Conv2d } from '../../nn/layers/conv2d.js';

/** The fully connected layers correlation pruning acts on: every Dense node. */
export function correlationLayers(model: Model): string[] {
  return model.graph.nodes.filter((n) => n.layer.op === 'Dense').map((n) => n.name);
}

/** The output a Dense layer's r is taken against: after its ReLU when one follows. */
function outputOf(model: Model, layer: string): string {
  const group = dependencyGroups(model.graph).find((g) => g.producers.includes(layer));
  return group ? activationOf(model.graph, group).node : layer;
}

/** One moments hook per layer: its input against its (activated) output; a conv's as patches. */
export function correlationHooks(model: Model, layers: readonly string[]): Record<string, HookSpec> {
  return Object.fromEntries(layers.map((l) => {
    const node = model.graph.has(l) ? model.graph.node(l) : undefined;
    const layer = node?.layer;
    if (layer instanceof Conv2d && layer.groups === 1) {
      const patches = { kernel: layer.kernel, stride: layer.stride, padding: layer.padding, dilation: layer.dilation };
      return [`correlation:${l}`, { kind: 'moments', node: outputOf(model, l), input: node!.inputs[0], patches }];
    }
    if (layer?.op !== 'Dense') throw new RangeError(`correlation pruning: '${l}' is neither a fully connected (Dense) layer nor an ungrouped convolution of model '${model.graph.name}'`);
    return [`correlation:${l}`, { kind: 'moments', node: outputOf(model, l), input: node!.inputs[0] }];
  }));
}

/** r[q, p] between output q and input p ([Q, P], the layout of the Dense weight); σ = 0 gives 0. */
export function pearson(m: HookResult): Float64Array {
  const N = m.samples;
  // NOTE: a constant neuron's f32 moments are rounding noise, not 0 (its batch mean is rounded):
  // a variance under 1e-10 of its scale counts as none.
  const varied = (m2: Float64Array, mean: Float64Array) => Array.from(m2, (v, i) => (v / N > 1e-10 * Math.max(1, mean[i] * mean[i]) ? v : 0));
  const m2X = varied(m.m2X as Float64Array, m.meanX as Float64Array);
  const m2Y = varied(m.m2Y as Float64Array, m.meanY as Float64Array);
  const cross = m.cross as Float64Array;
  const [P, Q] = [m2X.length, m2Y.length];
  const r = new Float64Array(P * Q);
  for (let q = 0; q < Q; q++) {
    for (let p = 0; p < P; p++) {
      const d = m2X[p] * m2Y[q];
      r[q * P + p] = d > 0 ? Math.max(-1, Math.min(1, cross[p * Q + q] / Math.sqrt(d))) : 0;
    }
  }
  return r;
}

/**
 * Masks each layer's weakest connections by |r|, keeping `keep` (in (0, 1]) of its unmasked ones:
 * the strongest positive and the strongest negative, each sign in proportion to how many it has;
 * connections with r = 0 (constant neurons) go first. Zeroes the masked weights and turns masking
 * on, like pruneByMagnitude.
 */
export function pruneByCorrelation(model: Model, stats: PassStats, layers: readonly string[], keep: number): void {
  if (!(keep > 0 && keep <= 1)) throw new RangeError(`correlation pruning: the share of connections to keep must be in (0, 1], got ${keep}`);
  const mask = model.params.enableMask().f32();
  const values = model.params.values.f32();
  for (const l of layers) {
    const m = stats[`correlation:${l}`];
    if (!m) throw new Error(`correlation pruning: no statistics for '${l}' (run the pass with correlationHooks)`);
    const r = pearson(m);
    const e = model.params.entry(l, 'weight');
    if (e.size !== r.length) throw new RangeError(`correlation pruning: '${l}' has ${e.size} weights, its statistics ${r.length} pairs`);
    // A connection: one weight of a dense layer, one KH·KW kernel slice of a convolution.
    const tap = e.shape.length === 4 ? e.shape[2] * e.shape[3] : 1;
    const connections = r.length / tap;
    const strength = new Float64Array(connections);
    const sign = new Float64Array(connections);
    for (let c = 0; c < connections; c++) {
      let abs = 0;
      let sum = 0;
      for (let t = 0; t < tap; t++) { abs += Math.abs(r[c * tap + t]); sum += r[c * tap + t]; }
      strength[c] = abs / tap;
      sign[c] = abs === 0 ? 0 : Math.sign(sum) || 1;
    }
    const live = Array.from(strength.keys()).filter((c) => mask[e.start + c * tap] !== 0);
    const bySign = [1, -1].map((sg) => live.filter((c) => sign[c] === sg).sort((a, b) => strength[b] - strength[a] || a - b));
    const zero = live.filter((c) => sign[c] === 0);
    const target = Math.round(keep * live.length);
    const signed = bySign[0].length + bySign[1].length;
    const kept = new Set<number>();
    if (target >= signed) {
      for (const c of [...bySign[0], ...bySign[1], ...zero.slice(0, target - signed)]) kept.add(c);
    } else {
      const pos = Math.round(target * bySign[0].length / signed);
      for (const c of [...bySign[0].slice(0, pos), ...bySign[1].slice(0, target - pos)]) kept.add(c);
    }
    for (const c of live) if (!kept.has(c)) for (let t = 0; t < tap; t++) { mask[e.start + c * tap + t] = 0; values[e.start + c * tap + t] = 0; }
  }
}
