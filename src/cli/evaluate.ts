// Evaluation with a progress bar: the core's chunked evaluation (src/pipeline/runner.ts), on this
// thread or over a worker pool, drawing the bar as chunks finish.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import type { Evaluation } from '../nn/train.js';
import type { WorkerPool } from '../workers/pool.js';
import { evaluateChunked } from '../pipeline/runner.js';
import type { Progress } from './progress.js';

export interface EvaluateOptions {
  batchSize: number;
  /** Workers to spread each chunk over; this thread when absent. */
  pool?: WorkerPool;
  bar: Progress;
  label: string;
}

export async function evaluateWithProgress(model: Model, data: Dataset, options: EvaluateOptions): Promise<Evaluation> {
  const { bar } = options;
  bar.start(options.label, data.size, 'samples');
  try {
    return await evaluateChunked(model, data, { ...options, onProgress: (done, _total, accuracy) => bar.update(done, `${(100 * accuracy).toFixed(2)}%`) });
  } finally {
    bar.stop();
  }
}
