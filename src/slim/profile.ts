// Latency decomposition (DeepRebirth's Figure 2): the measured time of each layer of an inference
// forward pass, split into tensor layers (Conv2d, Dense) and non-tensor ones (pooling, LRN, batch
// norm, activations, concat, …). Medians over runs after a warm-up; several models are measured
// in alternation so that other load on the machine weighs on all alike. Each round runs a model
// once untimed before timing it: the models before it in the round have evicted its data, and
// a cold first pass would weigh on a model by its place in the order, not by what it computes.

import type { Model } from '../nn/model.js';
import { isTensorLayer } from './layers.js';

export interface LayerTime {
  name: string;
  op: string;
  tensor: boolean;
  /** Median milliseconds of this layer over the timed runs. */
  ms: number;
}

export interface LatencyProfile {
  model: string;
  batch: number;
  /** Median milliseconds of a whole forward pass (warm: right after an untimed one), measured without per-layer timers. */
  totalMs: number;
  /** Sums of the layers' medians. */
  tensorMs: number;
  nonTensorMs: number;
  layers: LayerTime[];
}

export interface ProfileOptions {
  /** Timed runs (default 21; medians over them). */
  runs?: number;
  /** Untimed runs first (default 3). */
  warmup?: number;
}

/** The decomposition of each model at one batch size, measured in alternation. */
export function profileLatency(models: readonly Model[], batch: number, options: ProfileOptions = {}): LatencyProfile[] {
  const runs = options.runs ?? 21;
  const warmup = options.warmup ?? 3;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`profileLatency: 'runs' must be an integer ≥ 1, got ${runs}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`profileLatency: 'warmup' must be an integer ≥ 0, got ${warmup}`);
  const layerTimes = models.map((m) => new Map(m.graph.nodes.map((n) => [n.name, [] as number[]])));
  const totals = models.map(() => [] as number[]);
  for (const m of models) {
    const x = m.input(batch).f32();
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    for (let r = 0; r < warmup; r++) m.forward(batch);
  }
  for (let r = 0; r < runs; r++) {
    models.forEach((m, i) => {
      m.forward(batch);
      const t = performance.now();
      m.forward(batch);
      totals[i].push(performance.now() - t);
      const timings = new Map<string, number>();
      m.forward(batch, { timings });
      for (const [name, ms] of timings) layerTimes[i].get(name)!.push(ms);
    });
  }
  return models.map((m, i) => {
    const layers = m.graph.nodes.map((n) => ({ name: n.name, op: n.layer.op, tensor: isTensorLayer(n.layer), ms: median(layerTimes[i].get(n.name)!) }));
    const sum = (tensor: boolean) => layers.filter((l) => l.tensor === tensor).reduce((s, l) => s + l.ms, 0);
    return { model: m.graph.name, batch, totalMs: median(totals[i]), tensorMs: sum(true), nonTensorMs: sum(false), layers };
  });
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
