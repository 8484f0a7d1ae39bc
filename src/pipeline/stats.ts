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
