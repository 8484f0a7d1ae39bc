// Data-parallel training and evaluation over a WorkerPool, with train()'s options and results
// (src/nn/train.ts is the spec): each batch is split into contiguous shards, the workers' scaled
// gradients sum to the full batch's mean gradient, and each worker steps the optimiser over its
// range of the parameters. One call per worker per epoch; the steps synchronise in shared memory
// (epoch.ts), so this thread only plans the epochs, reports progress and collects the results.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { batchOf, checkData, checkTraining, runEpochs, type EpochPlan, type EpochReport, type Evaluation, type StepResult, type TrainOptions } from '../nn/train.js';
import { batchesDone, controlBuffer, failedWorker, requestStop, signalFailure, type EpochRequest, type EpochResult } from './epoch.js';
import { paramRanges } from './layout.js';
import { applyProximal } from '../nn/proximal.js';
import type { WorkerPool } from './pool.js';
import type { PassResult } from './worker.js';

export interface ParallelOptions {
  /** The workers; the replicas are (re)loaded from the model if they do not hold it. */
  pool: WorkerPool;
}

/** Where the workers' time went, in milliseconds summed over the steps and averaged over the workers (for benches). */
export interface StepTimes {
  steps: number;
  /** Forward and backward over the worker's shard. */
  compute: number;
  /** Publishing gradients, summing the others', stepping the optimiser, exchanging parameters. */
  exchange: number;
  /** Waiting at the barriers for the other workers (their compute being slower, and wake-ups). */
  wait: number;
}

export function stepTimes(): StepTimes {
  return { steps: 0, compute: 0, exchange: 0, wait: 0 };
}

/** How often progress is read from the workers when onBatch is given. */
const POLL_MS = 50;

/** train() over the pool: the same batches, order, schedule and optimiser, so the same result within rounding. */
export async function trainParallel(model: Model, data: Dataset, options: TrainOptions & ParallelOptions & { timings?: StepTimes }): Promise<EpochReport[]> {
  checkTraining(model, data, options, 'trainParallel');
  const { pool } = options;
  return pool.exclusive(async () => {
    await pool.ensure(model);
    const id = await pool.share(data);
    if (options.test) await pool.share(options.test);
    const distill = sharedDistillation(options);
    return runEpochs(model, data, options,
      (plan) => epochOn(pool, model, data, id, plan, options, distill),
      (test, batchSize) => evaluateOn(pool, model, test, batchSize));
  });
}

/**
 * One epoch on every worker: publishes the model's parameters, mask and optimiser state, runs
 * the epoch, reports progress while it runs, then takes the parameters and optimiser state back.
 */
async function epochOn(pool: WorkerPool, model: Model, data: Dataset, id: number, plan: EpochPlan, options: TrainOptions & { timings?: StepTimes }, distill: EpochRequest['distill']): Promise<StepResult> {
  const W = pool.size;
  const p = model.params;
  const ranges = paramRanges(p.trainableSize, W);
  const { optimizer } = plan;
  const control = controlBuffer();
  const stats = new Float64Array(new SharedArrayBuffer(plan.batches * W * 2 * 8));
  pool.push(model);
  const state = optimizer.buffers();
  const mask = p.mask?.toArray() as Float32Array | undefined;

  // onBatch as train() calls it, for the batches the workers have finished, in order.
  let reported = 0;
  let failure: { error: unknown } | undefined;
  const report = (upTo: number) => {
    for (; reported < upTo; reported++) {
      const b = reported;
      let loss = 0;
      for (let w = 0; w < W; w++) loss += stats[(b * W + w) * 2];
      options.onBatch?.({ epoch: plan.epoch, batch: b, batches: plan.batches, loss: loss / batchOf(plan, b).length });
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = () => {
    try {
      report(batchesDone(control));
      timer = setTimeout(poll, POLL_MS);
    } catch (error) {
      failure = { error };
      requestStop(control);
    }
  };
  if (options.onBatch) timer = setTimeout(poll, POLL_MS);

  const settled = await Promise.allSettled(ranges.map((range, w) => {
    const request = {
      data: id, order: plan.order, batchSize: plan.batchSize, lrs: plan.lrs, workers: W,
      optimizer: { ...optimizer.options }, steps: optimizer.steps, state: state.map((s) => s.slice(range.start, range.end)),
      mask: mask ?? null, distill, proximal: options.proximal ?? null, control: control.buffer as SharedArrayBuffer, stats: stats.buffer as SharedArrayBuffer,
    };
    return pool.call(w, `training epoch ${plan.epoch + 1} on '${data.name}'`, (api) => api.trainEpoch(request)).catch((e) => {
      // A worker that threw has told the others already; one that died cannot: wake them here.
      signalFailure(control, w);
      throw e;
    });
  }));
  clearTimeout(timer);
  const rejected = settled.map((s) => (s.status === 'rejected' ? s.reason : undefined));
  if (rejected.some((e) => e !== undefined)) throw rejected[failedWorker(control)] ?? rejected.find((e) => e !== undefined);
  if (failure) throw failure.error;
  const results = settled.map((s) => (s as PromiseFulfilledResult<EpochResult>).value);

  pool.pull(model);
  // The workers applied the proximal step of every step but the last (epoch.ts).
  if (options.proximal) applyProximal(p.values.f32(), options.proximal, plan.lrs[plan.batches - 1]);
  optimizer.steps = results[0].steps;
  const buffers = optimizer.buffers();
  results.forEach((r, w) => r.state.forEach((s, i) => buffers[i].set(s, ranges[w].start)));
  if (options.timings) {
    const t = options.timings;
    t.steps += plan.batches;
    for (const r of results) {
      t.compute += r.ms.compute / W;
      t.exchange += r.ms.exchange / W;
      t.wait += r.ms.wait / W;
    }
  }
  report(plan.batches);

  // The epoch's sums in train()'s order: per batch the shards in worker order, then batch by batch.
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < plan.batches; b++) {
    let batchLoss = 0;
    for (let w = 0; w < W; w++) {
      batchLoss += stats[(b * W + w) * 2];
      correct += stats[(b * W + w) * 2 + 1];
    }
    loss += batchLoss;
  }
  return { loss, correct };
}

/** The teacher's logits in shared memory, copied once per training run rather than once per worker and epoch. */
function sharedDistillation(options: TrainOptions): EpochRequest['distill'] {
  const d = options.distill;
  if (!d) return null;
  const teacher = new SharedArrayBuffer(d.teacher.byteLength);
  new Float32Array(teacher).set(d.teacher);
  return { teacher, alpha: d.alpha, temperature: d.temperature };
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
