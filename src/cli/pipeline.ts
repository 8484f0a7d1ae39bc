// What prune, sensitivity and demo share: a pipeline Runner that trains and evaluates on this
// thread or a worker pool with progress bars, and the one-line summary of a history step.

import { createRequire } from 'node:module';
import { withNodePool } from '../node/workers.js';
import { train, type TrainOptions } from '../nn/train.js';
import { teacherLogits } from '../nn/distill.js';
import type { Runner } from '../pipeline/han.js';
import type { HistoryStep } from '../pipeline/history.js';
import type { WorkerPool } from '../workers/pool.js';
import { trainParallel } from '../workers/train-parallel.js';
import { evaluateWithProgress } from './evaluate.js';
import { count, percent, si } from './output.js';
import type { Progress } from './progress.js';

/** Runs `fn` on this thread (workers = 1, no pool) or with a pool of `workers` threads. */
export function withWorkers<T>(workers: number, fn: (pool?: WorkerPool) => Promise<T>): Promise<T> {
  return workers === 1 ? fn(undefined) : withNodePool({ workers }, (pool) => fn(pool));
}

export interface ProgressRunner extends Runner {
  /** Prefixes the bars' labels ("retrain 2: epoch 1/2"); set it as stages start. */
  stage: string;
}

/** A Runner drawing a bar per training epoch (over batches) and per evaluation (over samples). */
export function progressRunner(bar: Progress, pool?: WorkerPool, evalBatchSize = 256): ProgressRunner {
  const runner: ProgressRunner = {
    stage: '',
    async train(model, data, options) {
      const prefix = runner.stage ? `${runner.stage}: ` : '';
      let lossSum = 0;
      const withBars: TrainOptions = {
        ...options,
        onBatch: (p) => {
          if (p.batch === 0) {
            lossSum = 0;
            bar.start(`${prefix}epoch ${p.epoch + 1}/${options.epochs}`, p.batches, 'batches');
          }
          lossSum += p.loss;
          bar.update(p.batch + 1, `loss ${(lossSum / (p.batch + 1)).toFixed(4)}`);
          options.onBatch?.(p);
        },
        onEpoch: (r) => {
          bar.stop();
          options.onEpoch?.(r);
        },
      };
      try {
        return pool ? await trainParallel(model, data, { ...withBars, pool }) : await train(model, data, withBars);
      } finally {
        bar.stop();
      }
    },
    evaluate(model, data) {
      const label = `${runner.stage ? `${runner.stage}: ` : ''}testing`;
      return evaluateWithProgress(model, data, { batchSize: evalBatchSize, pool, bar, label });
    },
    async logits(model, data) {
      bar.start("recording the teacher's outputs", data.size, 'samples');
      try {
        return teacherLogits(model, data, evalBatchSize, (done) => bar.update(done));
      } finally {
        bar.stop();
      }
    },
  };
  return runner;
}

/** "prune 2: sparsity 85.2%, accuracy 89.10%, 66,012 of 431,080 parameters non-zero, 4.61 M FLOPs, 3.10 ms per 64, 0.4 s" */
export function stepLine(step: HistoryStep, stage: string): string {
  return `${stage}: sparsity ${percent(step.sparsity, 1)}, accuracy ${percent(step.accuracy)}, ` +
    `${count(step.nonzeroParams)} of ${count(step.params)} parameters non-zero, ${si(step.flops)} FLOPs` +
    (step.latencyMs !== undefined ? `, ${step.latencyMs.toFixed(2)} ms per ${step.latencyBatch}` : '') +
    `, ${step.seconds.toFixed(1)} s`;
}

/** The versions a history records. */
export function versions(): Record<string, string> {
  const { version } = createRequire(import.meta.url)('lopper/package.json') as { version: string };
  return { lopper: version, node: process.version };
}
