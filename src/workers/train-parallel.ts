// Data-parallel training and evaluation over a WorkerPool, with train()'s options and results
// (src/nn/train.ts is the spec): each batch is split into contiguous shards, the workers' scaled
// gradients sum to the full batch's mean gradient, and this thread steps the optimiser.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { Optimizer } from '../nn/optim/optimizer.js';
import { learningRate, checkSchedule } from '../nn/optim/schedule.js';
import { checkData, DEFAULT_OPTIMIZER, type EpochReport, type Evaluation, type TrainOptions } from '../nn/train.js';
import type { Shard, WorkerPool } from './pool.js';
import type { PassResult } from './worker.js';

export interface ParallelOptions {
  /** The workers; the replicas are (re)loaded from the model if they do not hold it. */
  pool: WorkerPool;
}

/** Where the steps' time went, summed in milliseconds (for benches). */
export interface StepTimes {
  steps: number;
  /** Writing the parameters to the shared buffer. */
  push: number;
  /** From sending the shards to the last worker's answer. */
  workers: number;
  /** The slowest worker's time inside its task (workers − compute = messaging and waiting). */
  compute: number;
  /** Summing the workers' gradients and averaging their state. */
  reduce: number;
  /** The optimiser step. */
  step: number;
}

export function stepTimes(): StepTimes {
  return { steps: 0, push: 0, workers: 0, compute: 0, reduce: 0, step: 0 };
}

/** train() over the pool: the same batches, order, schedule and optimiser, so the same result within rounding. */
export async function trainParallel(model: Model, data: Dataset, options: TrainOptions & ParallelOptions & { timings?: StepTimes }): Promise<EpochReport[]> {
  checkData(model, data);
  if (options.test) checkData(model, options.test);
  const { pool, epochs, batchSize = 64, seed = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`trainParallel: 'epochs' must be an integer ≥ 0, got ${epochs}`);
  const batches = data.batchCount(batchSize);
  const schedule = checkSchedule(options.schedule ?? { kind: 'constant' });
  return pool.exclusive(async () => {
    await pool.ensure(model);
    await pool.share(data);
    if (options.test) await pool.share(options.test);
    const optimizer = options.optimizerState ?? new Optimizer(model.params, options.optimizer ?? DEFAULT_OPTIMIZER);
    const times = options.timings ?? stepTimes();
    const reports: EpochReport[] = [];
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const started = performance.now();
        const order = data.order({ shuffle: true, seed: seed + epoch });
        let sum = 0;
        let correct = 0;
        const lr = learningRate(optimizer.options.lr, schedule, epoch);
        for (let b = 0; b < batches; b++) {
          const indices = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
          const t0 = performance.now();
          pool.push(model);
          const t1 = performance.now();
          const parts = await pool.run<PassResult>('gradients', data, indices, (s: Shard) => ({ scale: s.count / indices.length }));
          const t2 = performance.now();
          combine(pool, model, parts);
          const t3 = performance.now();
          optimizer.step(learningRate(optimizer.options.lr, schedule, epoch + b / batches));
          const t4 = performance.now();
          times.steps++;
          times.push += t1 - t0;
          times.workers += t2 - t1;
          times.reduce += t3 - t2;
          times.compute += Math.max(...parts.map((p) => p.result.ms ?? 0));
          times.step += t4 - t3;
          let loss = 0;
          for (const p of parts) {
            loss += p.result.loss;
            correct += p.result.correct;
          }
          sum += loss;
          options.onBatch?.({ epoch, batch: b, batches, loss: loss / indices.length });
        }
        const report: EpochReport = { epoch, lr, loss: sum / data.size, trainAccuracy: correct / data.size, seconds: 0 };
        if (options.test) {
          const t = await evaluateOn(pool, model, options.test, Math.max(batchSize, 256));
          report.testAccuracy = t.accuracy;
          report.testLoss = t.loss;
        }
        report.seconds = (performance.now() - started) / 1000;
        reports.push(report);
        options.onEpoch?.(report);
      }
    } finally {
      if (!options.optimizerState) optimizer.dispose();
    }
    return reports;
  });
}

/** evaluate() over the pool: the dataset in contiguous shards, one per worker. */
export async function evaluateParallel(model: Model, data: Dataset, options: ParallelOptions & { batchSize?: number }): Promise<Evaluation> {
  checkData(model, data);
  const { pool } = options;
  return pool.exclusive(async () => {
    await pool.ensure(model);
    await pool.share(data);
    return evaluateOn(pool, model, data, options.batchSize ?? 256);
  });
}

async function evaluateOn(pool: WorkerPool, model: Model, data: Dataset, batchSize: number): Promise<Evaluation> {
  pool.push(model);
  const parts = await pool.run<PassResult>('evaluate', data, data.order(), { batchSize });
  let loss = 0;
  let correct = 0;
  for (const p of parts) {
    loss += p.result.loss;
    correct += p.result.correct;
  }
  return { accuracy: correct / data.size, loss: loss / data.size, correct, count: data.size };
}

/**
 * The full batch's gradient into model.params.grads: the sum of the workers' slots (each already
 * scaled by shard/batch). State (batch-norm running statistics) becomes the shard-weighted mean
 * of the workers' states.
 */
export function combine(pool: WorkerPool, model: Model, parts: readonly Shard[]): void {
  const p = model.params;
  const k = model.k;
  const T = p.trainableSize;
  p.grads.f32().set(pool.slot(parts[0].worker).subarray(0, T));
  if (parts.length > 1) {
    // Copy each further slot into scratch and add it in wasm (SIMD): ~10× a JS loop.
    const scratch = k.scratch(T * 4);
    for (let i = 1; i < parts.length; i++) {
      new Float32Array(k.heap.memory.buffer, scratch, T).set(pool.slot(parts[i].worker).subarray(0, T));
      k.wasm.f32_add(p.grads.offset, p.grads.offset, scratch, T);
    }
  }
  if (p.size === T) return;
  const total = parts.reduce((n, s) => n + s.count, 0);
  const state = p.values.f32().subarray(T);
  state.fill(0);
  for (const s of parts) {
    const slot = pool.slot(s.worker);
    const w = s.count / total;
    for (let j = 0; j < state.length; j++) state[j] += w * slot[T + j];
  }
}
