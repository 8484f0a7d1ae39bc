// What a pruning run records after each step: sizes, FLOPs, sparsity per layer, accuracy and
// measured latency.

import type { Model } from '../nn/model.js';
import { nonzeroParams, prunableWeights, sparsity } from '../prune/masks.js';
import type { HistoryStep, LayerStats, Phase } from './history.js';

/** Median milliseconds of one inference forward pass over `batch` samples (random input). */
export function measureLatency(model: Model, batch = 64, runs = 15): number {
  const x = model.input(batch).f32();
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
  model.forward(batch);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    model.forward(batch);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Median milliseconds of one inference forward pass over `batch` samples of each model, measured
 * in alternation (a, b, a, b, …) so that other load on the machine weighs on both alike.
 */
export function compareLatency(a: Model, b: Model, batch = 64, runs = 21): [number, number] {
  const times: [number[], number[]] = [[], []];
  const models = [a, b];
  for (const m of models) {
    const x = m.input(batch).f32();
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    m.forward(batch);
    m.forward(batch);
  }
  for (let r = 0; r < runs; r++) {
    models.forEach((m, i) => {
      const t = performance.now();
      m.forward(batch);
      times[i].push(performance.now() - t);
    });
  }
  const median = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
  return [median(times[0]), median(times[1])];
}

/**
 * Forward FLOPs per sample counting only the non-zero weights of Dense and Conv2d layers (what
 * sparse kernels would compute; bias additions scale along), other layers in full.
 */
export function nonzeroFlops(model: Model): number {
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
