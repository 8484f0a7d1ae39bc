// L1-norm filter pruning (Li et al. 2017) as a run: the lowest-L1 share of each chosen layer's
// filters (or neurons) removed at once — structurally, so the model really shrinks — then
// retraining: the structured pipeline (structured.ts) with the L1 criterion in one step, under
// the settings and names it had before that pipeline existed. Core code: no Node built-ins.

import type { Model } from '../nn/model.js';
import { checkDistillWeights } from '../nn/distill.js';
import { replaceLayers } from '../prune/surgery.js';
import { checkRun } from './runner.js';
import type { History } from './history.js';
import type { PipelineRun } from './stages.js';
import { defaultFilterLayers, runStructured, STRUCTURED_DEFAULTS } from './structured.js';

export { defaultFilterLayers };

export interface FilterSettings {
  /** Share of each chosen layer's units to remove, in [0, 1): one for all, or per layer name. */
  ratio: number | Record<string, number>;
  /** The layers whose filters (neurons) are removed; default: the keys of a per-layer `ratio`, else defaultFilterLayers(graph). */
  layers?: string[];
  /** Epochs of retraining after the removal (SGD, momentum 0.9, cosine schedule). */
  retrainEpochs: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
  seed: number;
  /** Batch size of the latency measurement (0: don't measure). */
  latencyBatch: number;
  /** Distil from the starting (unpruned) model while retraining (src/nn/distill.ts). */
  distill?: { alpha: number; temperature: number };
}

export const FILTER_DEFAULTS: FilterSettings = {
  ratio: 0.5, retrainEpochs: 2, lr: 0.01, weightDecay: 5e-4, batchSize: 64, seed: 1, latencyBatch: 64,
};

export interface FilterRun extends Omit<PipelineRun, 'checkpoint' | 'source'> {
  settings: FilterSettings;
}

/** Runs the removal and the retraining (runStructured with the L1 criterion, one step); `start` is left as it was. */
export async function runFilterPruning(start: Model, run: FilterRun): Promise<{ model: Model; history: History; removed: Record<string, number> }> {
  checkRun('runFilterPruning', start, run);
  const s = checkSettings(run.settings);
  const layers = s.layers ?? (typeof s.ratio === 'number' ? defaultFilterLayers(start.graph) : Object.keys(s.ratio));
  if (layers.length === 0) throw new RangeError(`filter pruning: model '${start.graph.name}' has no layer whose filters or neurons can be removed`);
  // runStructured may dispose the model it starts from: start from a copy.
  const copy = replaceLayers(start, new Map());
  const settings = { ...STRUCTURED_DEFAULTS, ...s, method: 'l1' as const, layers, steps: 1 };
  const r = await runStructured(copy, { ...run, settings }, 'l1-filter (Li et al. 2017)');
  if (r.model === copy) { const m = replaceLayers(copy, new Map()); copy.dispose(); r.model = m; }
  r.history.settings = { ...s, layers };
  return { ...r, removed: Object.fromEntries(Object.entries(r.removed).filter(([, n]) => n > 0)) };
}

function checkSettings(settings: FilterSettings): FilterSettings {
  const s = { ...FILTER_DEFAULTS, ...settings };
  const bad = (what: string, v: unknown) => new RangeError(`filter pruning: ${what}, got ${JSON.stringify(v)}`);
  const ratios = typeof s.ratio === 'number' ? [s.ratio] : Object.values(s.ratio ?? {});
  if (typeof s.ratio !== 'number' && (typeof s.ratio !== 'object' || s.ratio === null)) throw bad("'ratio' must be a number or a map of layer → number", s.ratio);
  for (const r of ratios) if (!(r >= 0 && r < 1)) throw bad("'ratio' must be in [0, 1)", r);
  for (const [k, v] of [['retrainEpochs', s.retrainEpochs], ['batchSize', s.batchSize], ['latencyBatch', s.latencyBatch]] as const) {
    const min = k === 'batchSize' ? 1 : 0;
    if (!Number.isInteger(v) || v < min) throw bad(`'${k}' must be an integer ≥ ${min}`, v);
  }
  if (!(s.lr > 0 && Number.isFinite(s.lr))) throw bad("'lr' must be a finite number > 0", s.lr);
  if (!(s.weightDecay >= 0 && Number.isFinite(s.weightDecay))) throw bad("'weightDecay' must be a finite number ≥ 0", s.weightDecay);
  if (s.distill) checkDistillWeights(s.distill, 'filter pruning');
  return s;
}
