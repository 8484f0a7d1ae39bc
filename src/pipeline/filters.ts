// L1-norm filter pruning (Li et al. 2017) as a run: the lowest-L1 share of each chosen layer's
// filters (or neurons) removed at once — structurally, so the model really shrinks — then
// retraining. The history has the dense model, the removal and the retraining as steps, like
// runHan's, so the same report renders it. Core code: no Node built-ins.

import type { Model } from '../nn/model.js';
import type { Dataset } from '../nn/data/dataset.js';
import type { EpochReport } from '../nn/train.js';
import type { Graph } from '../graph/graph.js';
import { dependencyGroups } from '../graph/dependency.js';
import { pruneFilters } from '../prune/filters.js';
import { checkDistillWeights } from '../nn/distill.js';
import { describeStep } from './stats.js';
import { teacherFor, type Runner } from './runner.js';
import type { History, HistoryStep, Phase } from './history.js';

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

export interface FilterRun {
  train: Dataset;
  test: Dataset;
  settings: FilterSettings;
  runner: Runner;
  modelName: string;
  datasetName: string;
  versions?: Record<string, string>;
  onStageStart?: (stage: string, index: number, stages: number) => void;
  onStep?: (step: HistoryStep, stage: string) => void;
  onEpoch?: (report: EpochReport, stage: string) => void;
}

/**
 * The layers filter pruning acts on by default: the producers of every prunable dependency group
 * made by convolutions (Li et al. prune filters); for a net without any, the prunable groups of
 * its fully connected layers (hidden neurons, scored the same way).
 */
export function defaultFilterLayers(graph: Graph): string[] {
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  const made = (ops: string[]) => groups.filter((g) => g.producers.every((p) => ops.includes(graph.node(p).layer.op))).map((g) => g.producers[0]);
  const conv = made(['Conv2d']);
  return conv.length ? conv : made(['Dense']);
}

/** Runs the removal and the retraining; `start` is left as it was. */
export async function runFilterPruning(start: Model, run: FilterRun): Promise<{ model: Model; history: History; removed: Record<string, number> }> {
  const s = checkSettings(run.settings);
  const layers = s.layers ?? (typeof s.ratio === 'number' ? defaultFilterLayers(start.graph) : Object.keys(s.ratio));
  if (layers.length === 0) throw new RangeError(`filter pruning: model '${start.graph.name}' has no layer whose filters or neurons can be removed`);
  const ratio = typeof s.ratio === 'number' ? Object.fromEntries(layers.map((l) => [l, s.ratio as number])) : s.ratio;
  const history: History = {
    model: run.modelName, dataset: run.datasetName, method: 'l1-filter (Li et al. 2017)', seed: s.seed,
    settings: { ...s, layers }, versions: run.versions ?? {}, steps: [],
  };
  const names = ['dense', 'remove filters', ...(s.retrainEpochs > 0 ? ['retrain'] : [])];
  let stage = 0;
  const record = async (model: Model, phase: Phase, iteration: number, started: number) => {
    const { accuracy } = await run.runner.evaluate(model, run.test);
    const step = describeStep(model, history.steps.length, {
      phase, iteration, accuracy, seconds: (performance.now() - started) / 1000, latencyBatch: s.latencyBatch || undefined,
    });
    history.steps.push(step);
    run.onStep?.(step, names[stage++]);
  };

  run.onStageStart?.(names[0], 0, names.length);
  await record(start, 'dense', 0, performance.now());

  const distill = await teacherFor(start, run, s.retrainEpochs > 0 ? s.distill : undefined);
  run.onStageStart?.(names[1], 1, names.length);
  let started = performance.now();
  const { model, cuts } = pruneFilters(start, { ratio, layers });
  const removed = Object.fromEntries(cuts.map((c) => [c.group.producers[0], c.units.length]));
  try {
    await record(model, 'remove', 1, started);
    if (s.retrainEpochs > 0) {
      run.onStageStart?.(names[2], 2, names.length);
      started = performance.now();
      await run.runner.train(model, run.train, {
        epochs: s.retrainEpochs, batchSize: s.batchSize, seed: s.seed, schedule: { kind: 'cosine', epochs: s.retrainEpochs },
        optimizer: { kind: 'sgd', lr: s.lr, momentum: 0.9, weightDecay: s.weightDecay },
        onEpoch: (e) => run.onEpoch?.(e, names[2]), distill,
      });
      await record(model, 'retrain', 1, started);
    }
  } catch (e) {
    if (model !== start) model.dispose();
    throw e;
  }
  return { model, history, removed };
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
