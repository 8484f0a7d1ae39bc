// What a pruning run records after each step: sizes, FLOPs, sparsity per layer, accuracy and
// measured latency.

import type { Model } from '../nn/model.js';
import { nonzeroParams, prunableWeights, sparsity } from '../prune/masks.js';
import type { HistoryStep, LayerStats, Phase } from './history.js';
import { checkModel } from '../nn/check.js';

export interface LatencyOptions {
  /** Timed forward passes per model (default 15 for one model, 21 side by side); the median is kept. */
  runs?: number;
  /**
   * Untimed passes first, per model: at least `warmupRuns` (3) and `warmupMs` (300) ms of them.
   * By time, not only by count: wasm is compiled in tiers, and a model timed cold (the first step
   * of a run, say) is slower for longer than a pass or two.
   */
  warmupRuns?: number;
  warmupMs?: number;
  /** Milliseconds since some origin (default performance.now; tests pass their own). */
  clock?: () => number;
}

/** What forwardLatencies runs: a model's input buffer and forward pass. */
type Timed = Pick<Model, 'input' | 'forward'>;

/**
 * Median milliseconds of one inference forward pass over `batch` samples of each model (a fixed
 * input), each model warmed up first, then timed in alternation (a, b, a, b, …) so that other
 * load on the machine weighs on all alike. Every latency lopper reports is measured this way.
 */
export function forwardLatencies(models: readonly Timed[], batch = 64, options: LatencyOptions = {}): number[] {
  if (!Array.isArray(models) || models.length === 0 || models.some((m) => typeof m?.forward !== 'function' || typeof m?.input !== 'function')) {
    throw new TypeError(`forwardLatencies: 'models' must be a non-empty array of models`);
  }
  const { runs = models.length > 1 ? 21 : 15, warmupRuns = 3, warmupMs = 300, clock = () => performance.now() } = options;
  for (const [k, v] of [['batch', batch], ['runs', runs], ['warmupRuns', warmupRuns]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`forwardLatencies: '${k}' must be an integer ≥ 1, got ${v}`);
  }
  if (!(warmupMs >= 0)) throw new RangeError(`forwardLatencies: 'warmupMs' must be ≥ 0, got ${warmupMs}`);
  for (const m of models) {
    const x = m.input(batch).f32();
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    const start = clock();
    for (let r = 0; r < warmupRuns || clock() - start < warmupMs; r++) m.forward(batch);
  }
  const times = models.map((): number[] => []);
  for (let r = 0; r < runs; r++) {
    models.forEach((m, i) => {
      const t = clock();
      m.forward(batch);
      times[i].push(clock() - t);
    });
  }
  return times.map((v) => v.sort((x, y) => x - y)[v.length >> 1]);
}

/** Median milliseconds of one inference forward pass over `batch` samples (forwardLatencies of one model). */
export function measureLatency(model: Model, batch = 64, options: LatencyOptions = {}): number {
  return forwardLatencies([model], batch, options)[0];
}

/** The two models' latencies measured side by side (forwardLatencies). */
export function compareLatency(a: Model, b: Model, batch = 64, options: LatencyOptions = {}): [number, number] {
  const [x, y] = forwardLatencies([a, b], batch, options);
  return [x, y];
}

/**
 * Forward FLOPs per sample counting only the non-zero weights of Dense and Conv2d layers (what
 * sparse kernels would compute; bias additions scale along), other layers in full.
 */
export function nonzeroFlops(model: Model): number {
  checkModel('nonzeroFlops', 'model', model);
  const g = model.graph;
  const layers = sparsity(model).layers;
  let total = 0;
  for (const node of g.nodes) total += g.flops(node.name) * (1 - (layers[node.name]?.sparsity ?? 0));
  return total;
}

export interface StepInput {
  phase: Phase;
  iteration: number;
  accuracy: number;
  seconds: number;
  latencyBatch?: number;
}

export function describeStep(model: Model, step: number, input: StepInput): HistoryStep {
  const s = sparsity(model);
  const layers: Record<string, LayerStats> = {};
  for (const e of prunableWeights(model)) {
    layers[e.node] = { weights: e.size, zeros: s.layers[e.node].zeros, channels: model.graph.node(e.node).outputShape[0] };
  }
  const latencyBatch = input.latencyBatch;
  return {
    step,
    phase: input.phase,
    iteration: input.iteration,
    nonzeroParams: nonzeroParams(model),
    params: model.params.size,
    flops: model.graph.flops(),
    sparsity: s.total,
    layers,
    accuracy: input.accuracy,
    ...(latencyBatch ? { latencyMs: measureLatency(model, latencyBatch), latencyBatch } : {}),
    seconds: input.seconds,
  };
}
