// What prune, sensitivity and demo share: the core's pipeline Runner (training, evaluation, data
// passes on this thread or a worker pool) with progress bars, and the one-line summary of a step.

import { createRequire } from 'node:module';
import { withNodePool } from '../node/workers.js';
import type { TrainOptions } from '../nn/train.js';
import { createRunner, type Runner } from '../pipeline/runner.js';
import type { HistoryStep } from '../pipeline/history.js';
import type { WorkerPool } from '../workers/pool.js';
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

/**
 * The core's Runner (src/pipeline/runner.ts) on this thread or `pool`, drawing a bar per training
 * epoch (over batches), per evaluation, teacher recording and data pass (over samples).
 */
export function progressRunner(bar: Progress, pool?: WorkerPool, evalBatchSize = 256): ProgressRunner {
  const core = createRunner({
    pool, batchSize: evalBatchSize,
    onProgress: (_what, done, _total, accuracy) => bar.update(done, accuracy === undefined ? undefined : `${(100 * accuracy).toFixed(2)}%`),
  });
  const prefix = () => (runner.stage ? `${runner.stage}: ` : '');
  const withBar = async <T>(label: string, total: number, fn: () => Promise<T>): Promise<T> => {
    bar.start(label, total, 'samples');
    try {
      return await fn();
    } finally {
      bar.stop();
    }
  };
  const runner: ProgressRunner = {
    stage: '',
    async train(model, data, options) {
      let lossSum = 0;
      const withBars: TrainOptions = {
        ...options,
        onBatch: (p) => {
          if (p.batch === 0) {
            lossSum = 0;
            bar.start(`${prefix()}epoch ${p.epoch + 1}/${options.epochs}`, p.batches, 'batches');
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
        return await core.train(model, data, withBars);
      } finally {
        bar.stop();
      }
    },
    evaluate: (model, data) => withBar(`${prefix()}testing`, data.size, () => core.evaluate(model, data)),
    logits: (model, data) => withBar("recording the teacher's outputs", data.size, () => core.logits!(model, data)),
    pass: {
      run: (model, data, hooks, options) => withBar(`${prefix()}statistics over '${data.name}'`, options?.indices?.length ?? data.size, () => core.pass.run(model, data, hooks, options)),
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
