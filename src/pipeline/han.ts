// Han et al.'s pipeline (NIPS 2015): optional L1-regularised training, then prune → retrain
// (L2) on a sparsity schedule, dropout rescaled after each prune, dead neurons removed at the end.
// A checkpoint is written after every stage, so an interrupted run resumes where it stopped.

import type { Model } from '../nn/model.js';
import { Dropout } from '../nn/layers/dropout.js';
import type { Layer } from '../nn/layer.js';
import { pruneByMagnitude } from '../prune/magnitude.js';
import { sparsityTargets, type SparsitySchedule } from '../prune/schedule.js';
import { removeDeadUnits } from '../prune/dead.js';
import { replaceLayers } from '../prune/surgery.js';
import { prunableWeights, sparsity } from '../prune/masks.js';
import { checkDistillWeights } from '../nn/distill.js';
import { checkRun, teacherFor } from './runner.js';
import { runStages, type PipelineRun, type Stage } from './stages.js';
import { magnitudeStages } from './magnitude-stages.js';
import type { History } from './history.js';

export type { Runner } from './runner.js';
export type { CheckpointStore } from './stages.js';
import { useSparseKernels } from '../compress/sparse-inference.js';

/** The learning rate over the pipeline's training phases, from `lr` down to 0 along cosines. */
export type HanLrSchedule =
  /** Every phase along its own cosine. */
  | 'restart'
  /** One cosine over all the phases, each going on where the previous one stopped. */
  | 'continuous'
  /**
   * Go on along the cosine the start model was trained on: it trained the first `startEpoch` epochs
   * of a cosine over `epochs`, and the pipeline's phases take the rest (at most `epochs` in all):
   * pruning during training (Zhu & Gupta 2017), at the learning rates of an unpruned run.
   */
  | { startEpoch: number; epochs: number };

export interface HanSettings {
  /** Final share of zero weights in the prunable layers, in [0, 1). */
  sparsity: number;
  /** 'global': one magnitude threshold across layers; 'layer': the same share in every layer. */
  scope: 'global' | 'layer';
  /** Per-layer final sparsity overriding `sparsity` (e.g. chosen from a sensitivity analysis). */
  layerSparsity?: Record<string, number>;
  schedule: SparsitySchedule;
  /** Epochs of retraining after each prune. */
  retrainEpochs: number;
  /** Epochs of retraining after the last prune (default: retrainEpochs); the model that is kept trains longest. */
  finalEpochs?: number;
  /** Epochs of training with an L1 penalty before the first prune (0: none). */
  l1Epochs: number;
  l1: number;
  /** L2 weight decay while retraining. */
  weightDecay: number;
  lr: number;
  lrSchedule: HanLrSchedule;
  batchSize: number;
  seed: number;
  removeDead: boolean;
  /** Batch size of the latency measurement (0: don't measure). */
  latencyBatch: number;
  /**
   * Distil from the starting (dense) model while training (src/nn/distill.ts): its logits over
   * the training data are recorded before the first stage, also when resuming, so the run must
   * resume from the same starting model.
   */
  distill?: { alpha: number; temperature: number };
}

export const HAN_DEFAULTS: HanSettings = {
  sparsity: 0.92, scope: 'global', schedule: { kind: 'iterative', steps: 3 }, retrainEpochs: 2,
  l1Epochs: 0, l1: 1e-5, weightDecay: 5e-4, lr: 0.01, lrSchedule: 'restart', batchSize: 64, seed: 1, removeDead: true, latencyBatch: 64,
};

export interface HanRun extends PipelineRun {
  settings: HanSettings;
}

/** Runs (or resumes) the pipeline; returns the final model and the history. `model` may be disposed on the way. */
export async function runHan(start: Model, run: HanRun): Promise<{ model: Model; history: History }> {
  checkRun('runHan', start, run);
  const s = checkSettings(run.settings);
  const targets = sparsityTargets(s.sparsity, s.schedule);
  const perLayer = s.layerSparsity;
  if (perLayer) {
    const prunable = prunableWeights(start).map((e) => e.node);
    for (const name of Object.keys(perLayer)) {
      if (!prunable.includes(name)) throw new RangeError(`Han pruning: layerSparsity names '${name}', not a prunable layer of ${start.graph.name} (prunable: ${prunable.join(', ')})`);
    }
  }
  const baseDropout = new Map<string, { rate: number; producer: string; connections: number }>();
  const distill = await teacherFor(start, run, s.distill);
  // `phase` indexes `phases`: 0 the L1 phase, i the retraining after prune i.
  const phases = trainingPhases(s);
  const totalEpochs = phases.reduce((a, b) => a + b, 0);
  const fit = (model: Model, phase: number, penalties: { l1?: number; weightDecay?: number }, stage: string) => {
    const epochs = phases[phase];
    const before = phases.slice(0, phase).reduce((a, b) => a + b, 0);
    const schedule = s.lrSchedule === 'restart' ? { kind: 'cosine' as const, epochs }
      : s.lrSchedule === 'continuous' ? { kind: 'cosine' as const, epochs: totalEpochs, startEpoch: before }
      : { kind: 'cosine' as const, epochs: s.lrSchedule.epochs, startEpoch: s.lrSchedule.startEpoch + before };
    return run.runner.train(model, run.train, {
      epochs, batchSize: s.batchSize, seed: s.seed, schedule,
      optimizer: { kind: 'sgd', lr: s.lr, momentum: 0.9, ...penalties },
      onEpoch: (e) => run.onEpoch?.(e, stage), distill,
    });
  };

  const stages: Stage[] = [{ name: 'dense', run: async (model) => ({ model, phase: 'dense', iteration: 0 }) }];
  if (s.l1Epochs > 0) {
    stages.push({ name: 'l1', run: async (model) => { await fit(model, 0, { l1: s.l1 }, 'l1'); return { model, phase: 'retrain', iteration: 0 }; } });
  }
  stages.push(...magnitudeStages(targets, {
    prune: (model, target) => {
      const scale = target / s.sparsity;
      if (perLayer) pruneByMagnitude(model, { kind: 'layer', sparsity: Object.fromEntries(Object.entries(perLayer).map(([k, v]) => [k, v * scale])) });
      else pruneByMagnitude(model, s.scope === 'global' ? { kind: 'global', sparsity: target } : { kind: 'layer', sparsity: target });
      return rescaleDropout(model, baseDropout);
    },
    retrain: (model, step, stage) => fit(model, step, { weightDecay: s.weightDecay }, stage),
    epochs: (step) => phases[step],
  }));
  if (s.removeDead) {
    stages.push({
      name: 'remove dead',
      run: async (model) => {
        const { model: slim } = removeDeadUnits(model);
        if (slim !== model) model.dispose();
        return { model: slim, phase: 'remove', iteration: targets.length };
      },
    });
  }

  const history: History = {
    model: run.modelName, dataset: run.datasetName, method: 'magnitude (Han et al. 2015)', seed: s.seed,
    settings: { ...s }, versions: run.versions ?? {}, steps: [],
  };
  const model = await runStages(start, stages, run, history, {
    what: 'Han pruning', key: 'han', settings: s, latencyBatch: s.latencyBatch,
    state: {
      save: () => ({ dropout: [...baseDropout] }),
      restore: (saved) => { for (const [name, b] of saved.dropout as [string, { rate: number; producer: string; connections: number }][]) baseDropout.set(name, b); },
    },
    prepare: (model) => recordDropout(model, baseDropout),
  });
  // The pruned model runs its sparse layers through the CSR kernels where that is faster.
  useSparseKernels(model);
  return { model, history };
}

function checkSettings(settings: HanSettings): HanSettings {
  const s = { ...HAN_DEFAULTS, ...settings };
  const bad = (what: string, v: unknown) => new RangeError(`Han pruning: ${what}, got ${JSON.stringify(v)}`);
  if (!(s.sparsity >= 0 && s.sparsity < 1)) throw bad("'sparsity' must be in [0, 1)", s.sparsity);
  if (s.scope !== 'global' && s.scope !== 'layer') throw bad("'scope' must be 'global' or 'layer'", s.scope);
  for (const [k, v] of [['retrainEpochs', s.retrainEpochs], ['finalEpochs', s.finalEpochs ?? 0], ['l1Epochs', s.l1Epochs], ['batchSize', s.batchSize], ['latencyBatch', s.latencyBatch]] as const) {
    if (!Number.isInteger(v) || v < (k === 'batchSize' ? 1 : 0)) throw bad(`'${k}' must be an integer ≥ ${k === 'batchSize' ? 1 : 0}`, v);
  }
  for (const [k, v] of [['lr', s.lr], ['l1', s.l1], ['weightDecay', s.weightDecay]] as const) {
    if (!(v >= 0 && Number.isFinite(v)) || (k === 'lr' && v === 0)) throw bad(`'${k}' must be a finite number ${k === 'lr' ? '> 0' : '≥ 0'}`, v);
  }
  for (const [layer, v] of Object.entries(s.layerSparsity ?? {})) if (!(v >= 0 && v < 1)) throw bad(`layer '${layer}' sparsity must be in [0, 1)`, v);
  // The steps reach each layer's target scaled by (step's sparsity / sparsity).
  if (s.layerSparsity && !(s.sparsity > 0)) throw bad("'sparsity' must be > 0 with layerSparsity: it shapes the steps", s.sparsity);
  if (s.distill) checkDistillWeights(s.distill, 'Han pruning');
  sparsityTargets(s.sparsity, s.schedule);
  const lrs = s.lrSchedule;
  if (typeof lrs === 'object' && lrs !== null) {
    const epochs = pipelineEpochs(s);
    if (!(Number.isInteger(lrs.startEpoch) && lrs.startEpoch >= 0 && Number.isInteger(lrs.epochs) && lrs.startEpoch + epochs <= lrs.epochs)) {
      throw bad(`'lrSchedule' {startEpoch, epochs} must be integers with startEpoch ≥ 0 and startEpoch + the ${epochs} epochs the pipeline trains ≤ epochs`, lrs);
    }
  } else if (lrs !== 'restart' && lrs !== 'continuous') throw bad("'lrSchedule' must be 'restart', 'continuous' or {startEpoch, epochs}", lrs);
  return s;
}

/** Epochs of each training phase: the L1 phase, then the retraining after each prune (0: none). */
function trainingPhases(s: HanSettings): number[] {
  const steps = sparsityTargets(s.sparsity, s.schedule).length;
  return [s.l1Epochs, ...Array.from({ length: steps }, (_, i) => (i === steps - 1 ? s.finalEpochs ?? s.retrainEpochs : s.retrainEpochs))];
}

/** Epochs the pipeline trains for in all: the L1 phase, every retraining, the last one. */
export function pipelineEpochs(s: HanSettings): number {
  return trainingPhases(s).reduce((a, b) => a + b, 0);
}

/** Remembers each dropout's rate and the connections of the layer feeding it, before any pruning. */
function recordDropout(model: Model, base: Map<string, { rate: number; producer: string; connections: number }>): void {
  if (base.size) return;
  const g = model.graph;
  const nonzero = sparsity(model).layers;
  for (const node of g.nodes) {
    if (!(node.layer instanceof Dropout)) continue;
    // The layer whose connections feed this dropout: walk back through parameter-free layers.
    let producer = node.inputs[0];
    while (g.has(producer) && !nonzero[producer]) producer = g.node(producer).inputs[0];
    const stats = nonzero[producer];
    if (stats) base.set(node.name, { rate: node.layer.rate, producer, connections: stats.weights - stats.zeros });
  }
}

/** D_r = D_o · sqrt(C_ir / C_io): fewer connections, less dropout (Han et al. 2015, §3.2). */
function rescaleDropout(model: Model, base: Map<string, { rate: number; producer: string; connections: number }>): Model {
  if (base.size === 0) return model;
  const layers = new Map<string, Layer>();
  const now = sparsity(model).layers;
  for (const [name, b] of base) {
    const c = now[b.producer];
    if (c) layers.set(name, new Dropout({ rate: b.rate * Math.sqrt((c.weights - c.zeros) / b.connections) }));
  }
  const next = replaceLayers(model, layers);
  model.dispose();
  return next;
}
