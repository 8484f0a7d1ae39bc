// The loop every pruning pipeline shares: named stages run in order, each followed by an
// evaluation and a history step, with a checkpoint after every stage so an interrupted run
// resumes where it stopped (a checkpoint of other settings or another start is refused).
// runHan (han.ts) and runStructured (structured.ts) are lists of stages over it.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import type { EpochReport } from '../nn/train.js';
import { saveModel, loadModel } from '../io/native.js';
import { describeStep } from './stats.js';
import { findCollapse } from './collapse.js';
import type { Runner } from './runner.js';
import type { History, HistoryStep, Phase } from './history.js';

/** Where checkpoints go; Node's is a file written atomically (src/node/checkpoint.ts). */
export interface CheckpointStore {
  /** Names the checkpoint in errors (a file path, say); 'checkpoint' when absent. */
  name?: string;
  load(): Promise<Uint8Array | null>;
  save(bytes: Uint8Array): Promise<void>;
}

export interface Stage {
  name: string;
  run(model: Model): Promise<{ model: Model; phase: Phase; iteration: number }>;
}

export interface StagesRun {
  test: Dataset;
  runner: Runner;
  checkpoint?: CheckpointStore;
  /**
   * What the run starts from (e.g. the input model file's CRC and the data), kept in checkpoints:
   * a checkpoint made from another start is refused, as one made with other settings is.
   */
  source?: Record<string, unknown>;
  /** Before each stage runs (not for stages a resumed run skips). */
  onStageStart?: (stage: string, index: number, stages: number) => void;
  onStep?: (step: HistoryStep, stage: string) => void;
}

/** What every pruning pipeline (runHan, runStructured, runFilterPruning) takes besides its settings. */
export interface PipelineRun extends StagesRun {
  train: Dataset;
  /** Names the model and data in the history. */
  modelName: string;
  datasetName: string;
  versions?: Record<string, string>;
  /** Per-epoch progress of the training inside a stage. */
  onEpoch?: (report: EpochReport, stage: string) => void;
}

export interface StagesOptions {
  /** The pipeline's name in errors ("Han pruning") and its key in checkpoints ('han'). */
  what: string;
  key: string;
  /** The checked settings: a checkpoint made with others is refused. */
  settings: object;
  latencyBatch: number;
  /** The pipeline's own state to keep in checkpoints, and to take back from one. */
  state?: { save(): object; restore(saved: Record<string, unknown>): void };
  /** Called with the model the stages start from (restored or not) before the first one runs. */
  prepare?(model: Model): void;
}

/** Runs (or resumes) the stages from `start` into `history`; `start` may be disposed on the way. */
export async function runStages(start: Model, stages: readonly Stage[], run: StagesRun, history: History, o: StagesOptions): Promise<Model> {
  let model = start;
  let done = 0;
  const saved = await run.checkpoint?.load();
  const source = run.source ?? null;
  if (saved) {
    const where = run.checkpoint?.name ?? 'checkpoint';
    const { model: restored, meta } = loadModel(saved, model.k, where);
    const state = meta?.[o.key] as ({ done: number; history: History; settings: object; source?: Record<string, unknown> | null } & Record<string, unknown>) | undefined;
    const fail = (message: string) => { restored.dispose(); return new Error(`${where}: ${message}`); };
    if (!state) throw fail(`not a checkpoint of a ${o.what} run`);
    if (JSON.stringify(state.settings) !== JSON.stringify(o.settings)) {
      throw fail(`made with other settings (${differences(state.settings, o.settings)}); remove it or use the same settings`);
    }
    if (JSON.stringify(state.source ?? null) !== JSON.stringify(source)) {
      throw fail(`made from another start (${differences(state.source ?? {}, source ?? {})}); remove it or start from the same model and data`);
    }
    model.dispose();
    model = restored;
    done = state.done;
    history.steps = state.history.steps;
    o.state?.restore(state);
  }
  o.prepare?.(model);

  for (let i = done; i < stages.length; i++) {
    run.onStageStart?.(stages[i].name, i, stages.length);
    const started = performance.now();
    const result = await stages[i].run(model);
    model = result.model;
    const { accuracy } = await run.runner.evaluate(model, run.test);
    const step = describeStep(model, history.steps.length, {
      phase: result.phase, iteration: result.iteration, accuracy,
      seconds: (performance.now() - started) / 1000, latencyBatch: o.latencyBatch || undefined,
    });
    history.steps.push(step);
    run.onStep?.(step, stages[i].name);
    await run.checkpoint?.save(saveModel(model, { [o.key]: { done: i + 1, history, settings: o.settings, source, ...o.state?.save() } }));
  }
  const collapse = findCollapse(history.steps, run.test.classes);
  if (collapse) history.collapse = collapse;
  return model;
}

/** "sparsity 0.8, now 0.92; …": the top-level keys whose values differ. */
function differences(was: object, now: object): string {
  const a = was as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  return keys.map((k) => `${k} ${show(a[k])}, now ${show(b[k])}`).join('; ') || 'in key order';
}
