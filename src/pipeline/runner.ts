// The plain pipeline Runner: training and evaluation on a worker pool when one is given, else on
// this thread (hosts without workers, or a caller that wants one thread). No progress display.

import { evaluate, train } from '../nn/train.js';
import { evaluateParallel, trainParallel } from '../workers/train-parallel.js';
import type { WorkerPool } from '../workers/pool.js';
import type { Runner } from './han.js';

/** A Runner on `pool`, or on this thread when `pool` is undefined. */
export function threadRunner(pool?: WorkerPool): Runner {
  return {
    train: (model, data, options) => (pool ? trainParallel(model, data, { ...options, pool }) : train(model, data, options)),
    evaluate: async (model, data) => (pool ? evaluateParallel(model, data, { pool }) : evaluate(model, data)),
  };
}
