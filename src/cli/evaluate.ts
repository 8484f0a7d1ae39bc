// Evaluation with a progress bar: the dataset in chunks, on this thread or over a worker pool,
// summed to the same Evaluation that evaluate() and evaluateParallel() give.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { checkData, evaluate, type Evaluation } from '../nn/train.js';
import type { WorkerPool } from '../workers/pool.js';
import type { PassResult } from '../workers/worker.js';
import type { Progress } from './progress.js';

export interface EvaluateOptions {
  batchSize: number;
  /** Workers to spread each chunk over; this thread when absent. */
  pool?: WorkerPool;
  bar: Progress;
  label: string;
}

/** About this many bar updates per pass. */
const UPDATES = 50;

export async function evaluateWithProgress(model: Model, data: Dataset, options: EvaluateOptions): Promise<Evaluation> {
  const { batchSize, pool, bar } = options;
  checkData(model, data);
  const N = data.size;
  const per = batchSize * (pool?.size ?? 1);
  const chunk = per * Math.max(1, Math.ceil(N / per / UPDATES));
  let loss = 0;
  let correct = 0;
  bar.start(options.label, N, 'samples');
  try {
    if (!pool) {
      for (let start = 0; start < N; start += chunk) {
        const part = data.subset({ start, end: Math.min(N, start + chunk) });
        const r = evaluate(model, part, { batchSize });
        loss += r.loss * r.count;
        correct += r.correct;
        bar.update(start + part.size, `${(100 * correct / (start + part.size)).toFixed(2)}%`);
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
          bar.update(end, `${(100 * correct / end).toFixed(2)}%`);
        }
      });
    }
  } finally {
    bar.stop();
  }
  return { accuracy: correct / N, loss: loss / N, correct, count: N };
}
