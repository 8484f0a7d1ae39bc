// The record a pruning run keeps: one entry per step (dense baseline, each prune, each retrain,
// structural removal), plus an optional sensitivity analysis. Saved as JSON beside checkpoints
// and rendered by report.ts.

export type Phase = 'dense' | 'prune' | 'retrain' | 'remove' | 'final';

export interface LayerStats {
  /** Weights (masked ones included) and how many are zero. */
  weights: number;
  zeros: number;
  /** Output channels or neurons the layer has now. */
  channels: number;
}

export interface HistoryStep {
  step: number;
  phase: Phase;
  /** Iteration of the prune → retrain schedule (0 for the dense model). */
  iteration: number;
  /** Parameters that are not zero, and all parameters (masked included). */
  nonzeroParams: number;
  params: number;
  /** Forward FLOPs per sample (structural: shrinks with removed channels). */
  flops: number;
  /** Share of zero weights in prunable layers, overall and per layer. */
  sparsity: number;
  layers: Record<string, LayerStats>;
  /** Test accuracy in [0, 1] and measured latency of one forward pass of `latencyBatch` samples. */
  accuracy: number;
  latencyMs?: number;
  latencyBatch?: number;
  /** Wall time of this step. */
  seconds: number;
}

export interface SensitivityCurve {
  layer: string;
  ratios: number[];
  /** Test accuracy with only this layer pruned at each ratio. */
  accuracy: number[];
}

export interface Sensitivity {
  method: string;
  baseline: number;
  curves: SensitivityCurve[];
}

/** A run whose accuracy ended near chance or fell too far (src/pipeline/collapse.ts). */
export interface Collapse {
  reason: 'chance' | 'drop';
  /** Final and first accuracy, and chance level (1 / classes). */
  accuracy: number;
  start: number;
  chance: number;
  /** One sentence for people. */
  message: string;
}

/** ThiNet's record of one pruned layer (structured pipeline, method thinet). */
export interface ThinetRecord {
  layer: string;
  unitsBefore: number;
  removed: number;
  /** ‖Σ_{t∈T} x̂_t‖² over the sampled readers: what the removal takes from their outputs. */
  objective: number;
  /** Per reader: least squares solved (with the ridge used) or fell back to scales of 1 (why); empty without least squares. */
  reweighting: { consumer: string; status: 'solved' | 'fallback'; ridge?: number; reason?: string }[];
}

export interface History {
  model: string;
  dataset: string;
  method: string;
  seed: number;
  /** Free-form settings of the run (target sparsity, schedule, epochs, …). */
  settings: Record<string, unknown>;
  versions: Record<string, string>;
  steps: HistoryStep[];
  sensitivity?: Sensitivity;
  /** Set when the run collapsed: its compression is not a success. */
  collapse?: Collapse;
  /** ThiNet runs: each layer's objective and reweighting, in the order the layers were pruned. */
  thinet?: ThinetRecord[];
}
