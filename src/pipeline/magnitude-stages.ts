// The prune → retrain stages of a magnitude sparsity schedule: Han's pipeline (han.ts) is made of
// them, and the weight pruning that may follow structural pruning (structured.ts) too.

import type { Model } from '../nn/model.js';
import type { Stage } from './stages.js';

export interface MagnitudeStagesOptions {
  /** Masks the model to `target` (and may replace it, e.g. to rescale dropout); returns the model to go on with. */
  prune: (model: Model, target: number) => Model;
  /** Retraining after prune step `step` (1-based within the schedule) for `epochs`. */
  retrain: (model: Model, step: number, stage: string) => Promise<unknown>;
  /** Epochs of the retraining after prune step `step` (0: none). */
  epochs: (step: number) => number;
  /** Iteration number of the first prune in the history (the steps before it belong to other stages). */
  firstIteration?: number;
}

/** Stages 'prune i' and 'retrain i' for each sparsity target in turn. */
export function magnitudeStages(targets: readonly number[], o: MagnitudeStagesOptions): Stage[] {
  const first = o.firstIteration ?? 1;
  const stages: Stage[] = [];
  targets.forEach((target, i) => {
    const step = i + 1;
    const iteration = first + i;
    stages.push({ name: `prune ${iteration}`, run: async (model) => ({ model: o.prune(model, target), phase: 'prune', iteration }) });
    if (o.epochs(step) > 0) {
      const name = `retrain ${iteration}`;
      stages.push({ name, run: async (model) => { await o.retrain(model, step, name); return { model, phase: 'retrain', iteration }; } });
    }
  });
  return stages;
}
