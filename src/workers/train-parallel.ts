// Data-parallel training and evaluation over a WorkerPool, with train()'s options and results
// (src/nn/train.ts is the spec): each batch is split into contiguous shards, the workers' scaled
// gradients sum to the full batch's mean gradient, and this thread steps the optimiser.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { checkData, checkTraining, runEpochs, type EpochReport, type Evaluation, type TrainOptions } from '../nn/train.js';
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
  /** From sending the shards to the last worker's answer, summing the gradients as they come. */
  workers: number;
  /** The slowest worker's time inside its task (workers − compute = messaging, summing, waiting). */
  compute: number;
  /** Averaging the workers' state once all have answered. */
  reduce: number;
}

export function stepTimes(): StepTimes {
  return { steps: 0, push: 0, workers: 0, compute: 0, reduce: 0 };
}

/** train() over the pool: the same batches, order, schedule and optimiser, so the same result within rounding. */
export async function trainParallel(model: Model, data: Dataset, options: TrainOptions & ParallelOptions & { timings?: StepTimes }): Promise<EpochReport[]> {
  checkTraining(model, data, options, 'trainParallel');
  const { pool } = options;
  const times = options.timings ?? stepTimes();
  return pool.exclusive(async () => {
    await pool.ensure(model);
    await pool.share(data);
    if (options.test) await pool.share(options.test);
    const step = async (indices: Int32Array) => {
      const t0 = performance.now();
      pool.push(model);
      const t1 = performance.now();
      const reduce = reducer(pool, model);
      const parts = await pool.run<PassResult>('gradients', data, indices, {
        args: (s: Shard) => ({ scale: s.count / indices.length }),
        onResult: (s) => reduce.add(s),
      });
      const t2 = performance.now();
      reduce.finish(parts);
      times.steps++;
      times.push += t1 - t0;
      times.workers += t2 - t1;
      times.reduce += performance.now() - t2;
      times.compute += Math.max(...parts.map((p) => p.result.ms ?? 0));
      let loss = 0;
      let correct = 0;
      for (const p of parts) {
        loss += p.result.loss;
        correct += p.result.correct;
      }
      return { loss, correct };
    };
    return runEpochs(model, data, options, step, (test, batchSize) => evaluateOn(pool, model, test, batchSize));
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
  const parts = await pool.run<PassResult>('evaluate', data, data.order(), { args: { batchSize } });
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
  const r = reducer(pool, model);
  for (const s of parts) r.add(s);
  r.finish(parts);
}

/**
 * combine() in two halves: `add` each worker's slot as its answer arrives, so summing overlaps the
 * slower workers' compute; `finish` averages the state once all have answered. NOTE: slots are
 * summed in worker order (only the first two commute), so the result is the same bits whatever
 * order the answers come in.
 */
function reducer(pool: WorkerPool, model: Model): { add(s: Shard): void; finish(parts: readonly Shard[]): void } {
  const p = model.params;
  const k = model.k;
  const T = p.trainableSize;
  const arrived = new Set<number>();
  let done = 0;
  let first = -1;
  const slot = (w: number) => pool.slot(w).subarray(0, T);
  const pump = () => {
    for (;;) {
      if (done === 0) {
        first = arrived.has(0) ? 0 : arrived.has(1) ? 1 : -1;
        if (first < 0) return;
        p.grads.f32().set(slot(first));
      } else {
        const w = done === 1 ? 1 - first : done;
        if (!arrived.has(w)) return;
        const scratch = k.scratch(T * 4);
        new Float32Array(k.heap.memory.buffer, scratch, T).set(slot(w));
        k.wasm.f32_add(p.grads.offset, p.grads.offset, scratch, T);
      }
      done++;
    }
  };
  return {
    add(s) {
      arrived.add(s.worker);
      pump();
    },
    finish(parts) {
      if (done !== parts.length) throw new Error(`trainParallel: ${done} of ${parts.length} gradients were reduced`);
      if (p.size === T) return;
      const total = parts.reduce((n, s) => n + s.count, 0);
      const state = p.values.f32().subarray(T);
      state.fill(0);
      for (const s of parts) {
        const values = pool.slot(s.worker);
        const w = s.count / total;
        for (let j = 0; j < state.length; j++) state[j] += w * values[T + j];
      }
    },
  };
}
