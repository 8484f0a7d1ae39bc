// Where a pipeline's work runs: training, evaluation, the teacher's logits and data passes, on
// this thread or a WorkerPool (Node worker_threads and Web Workers alike). Core code: the CLI
// only adds progress bars (src/cli/pipeline.ts).

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { checkData, evaluate, handBack, train, type EpochReport, type Evaluation, type TrainOptions } from '../nn/train.js';
import { teacherLogits, type Distillation } from '../nn/distill.js';
import type { WorkerPool } from '../workers/pool.js';
import type { PassResult } from '../workers/worker.js';
import { trainParallel } from '../workers/train-parallel.js';
import { dataPass, type DataPass } from '../workers/pass.js';
import { checkDataset, checkFunction, checkModel, checkOptions } from '../nn/check.js';

/** Where training and evaluation run (this thread, or a worker pool). */
export interface Runner {
  train(model: Model, data: Dataset, options: TrainOptions): Promise<EpochReport[]>;
  evaluate(model: Model, data: Dataset): Promise<Evaluation>;
  /** The model's logits over the data, for distillation (default: teacherLogits on this thread). */
  logits?(model: Model, data: Dataset): Promise<Float32Array>;
  /** Data passes for criteria and samplers (default: localPass() on this thread). */
  pass?: DataPass;
}

export interface RunnerOptions {
  /** Workers to train, evaluate and pass over data on; this thread when absent. */
  pool?: WorkerPool;
  /** Samples per forward pass when evaluating, recording logits and passing over data (default 256). */
  batchSize?: number;
  /** Progress of evaluations, logits and data passes: samples done of total (and an evaluation's accuracy so far). */
  onProgress?: (what: 'evaluate' | 'logits' | 'pass', done: number, total: number, accuracy?: number) => void;
}

/** About this many progress reports per evaluation. */
const UPDATES = 50;

/** A Runner on this thread (no pool) or on `pool`. */
export function createRunner(options: RunnerOptions = {}): Runner & { pass: DataPass } {
  const { pool, onProgress } = options;
  const batchSize = options.batchSize ?? 256;
  const passes = dataPass(pool);
  return {
    train: (model, data, o) => (pool ? trainParallel(model, data, { ...o, pool }) : train(model, data, o)),
    evaluate: (model, data) => evaluateChunked(model, data, { batchSize, pool, onProgress: onProgress && ((d, t, a) => onProgress('evaluate', d, t, a)) }),
    logits: async (model, data) => teacherLogits(model, data, batchSize, onProgress && ((d) => onProgress('logits', d, data.size))),
    pass: {
      run: (model, data, hooks, o = {}) => passes.run(model, data, hooks, {
        batchSize, ...o, onProgress: (d, t) => { onProgress?.('pass', d, t); o.onProgress?.(d, t); },
      }),
    },
  };
}

/** The runner's data pass, or one on this thread. */
export function passOf(runner: Runner): DataPass {
  return runner.pass ?? dataPass();
}

/** The starting model's logits over the training data when the settings ask for distillation. */
export async function teacherFor(start: Model, run: { train: Dataset; runner: Runner }, distill: { alpha: number; temperature: number } | undefined): Promise<Distillation | undefined> {
  if (!distill) return undefined;
  const teacher = run.runner.logits ? await run.runner.logits(start, run.train) : teacherLogits(start, run.train);
  return { ...distill, teacher };
}

/**
 * evaluate() in chunks (on this thread or the pool), reporting progress after each: the same
 * Evaluation that evaluate() and evaluateParallel() give.
 */
export async function evaluateChunked(model: Model, data: Dataset, options: { batchSize: number; pool?: WorkerPool; onProgress?: (done: number, total: number, accuracy: number) => void }): Promise<Evaluation> {
  const { batchSize, pool, onProgress } = options;
  checkData(model, data);
  const N = data.size;
  const per = batchSize * (pool?.size ?? 1);
  const chunk = per * Math.max(1, Math.ceil(N / per / UPDATES));
  let loss = 0;
  let correct = 0;
  if (!pool) {
    for (let start = 0; start < N; start += chunk) {
      const part = data.subset({ start, end: Math.min(N, start + chunk) });
      const r = evaluate(model, part, { batchSize });
      loss += r.loss * r.count;
      correct += r.correct;
      onProgress?.(start + part.size, N, correct / (start + part.size));
      await handBack();
    }
  } else {
    await pool.exclusive(async () => {
      await pool.ensure(model);
      await pool.share(data);
      pool.push(model);
      const order = data.order();
      for (let start = 0; start < N; start += chunk) {
        const end = Math.min(N, start + chunk);
        const parts = await pool.run<PassResult>('evaluate', data, order.subarray(start, end), { args: { batchSize } });
        for (const p of parts) {
          loss += p.result.loss;
          correct += p.result.correct;
        }
        onProgress?.(end, N, correct / end);
      }
    });
  }
  return { accuracy: correct / N, loss: loss / N, correct, count: N };
}

/**
 * Checks what every pipeline takes: a start model and a run with train and test datasets, settings
 * (an object, or absent for the defaults) and a runner that trains and evaluates; errors name `fn`.
 */
export function checkRun(fn: string, start: unknown, run: unknown): void {
  checkModel(fn, 'start', start);
  const r = checkOptions(fn, 'run', run) as Record<string, unknown>;
  checkDataset(fn, 'run.train', r.train);
  checkDataset(fn, 'run.test', r.test);
  if (r.settings !== undefined) checkOptions(fn, 'run.settings', r.settings);
  const runner = checkOptions(fn, 'run.runner', r.runner) as Record<string, unknown>;
  checkFunction(fn, 'run.runner.train', runner.train);
  checkFunction(fn, 'run.runner.evaluate', runner.evaluate);
}
