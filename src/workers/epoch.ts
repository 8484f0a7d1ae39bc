// One data-parallel training epoch, run by every worker of a pool at once (trainParallel in
// train-parallel.ts is the orchestrator, src/nn/train.ts the spec). One message per worker per
// epoch; within it, the workers meet at barriers in shared memory, not through the orchestrator:
//
//   per batch, worker w:  gradient of its shard (scaled by shard/batch) in its wasm memory
//                         → publishes the parts of it other workers own into its slot
//     barrier A           → sums the slots over its own range of the parameters and steps the
//                           optimiser there (it keeps the optimiser state of that range only)
//                         → publishes its range of the new parameters
//     barrier B           → copies the other ranges of the new parameters in; next batch
//
// So the reduction and the optimiser step are split across the workers instead of serialised on
// one thread, and nothing waits for the orchestrator's event loop. Workers block in Atomics.wait
// at the barriers (allowed in workers); the orchestrator never blocks, it only awaits the calls
// and reads the progress counter.
//
// Shared memory besides the pool's params and slots buffers (layout.ts), one of each per epoch:
//   control: i32 words, indices below          stats: f64 [batch][worker][loss, correct]

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import type { SoftmaxCrossEntropy } from '../nn/loss.js';
import { Optimizer, type OptimizerOptions } from '../nn/optim/optimizer.js';
import { batchOf, computeGradients } from '../nn/train.js';
import { applyProximal, type ProximalGroups } from '../nn/proximal.js';
import { paramRanges, shards, slotView } from './layout.js';

/** Workers that arrived at the current barrier. */
const ARRIVED = 0;
/** Bumped each time a barrier opens (and when a worker fails, to wake the others). */
const GENERATION = 1;
/** Batches finished (optimiser stepped), for the orchestrator's progress reports. */
const DONE = 2;
/** Set by the orchestrator to ask the workers to stop early (an onBatch callback threw). */
const STOP = 3;
/** STOP as the workers agreed on it at a barrier, so that all stop after the same batch. */
const HALT = 4;
/** 1 + the index of a worker that failed; the others then throw instead of waiting for it. */
const FAILED = 5;
const CONTROL_WORDS = 6;
/**
 * Polls of the barrier word before sleeping (a few microseconds): when the workers arrive close
 * together, as at barrier B after equal shares of work, this saves the ~40 µs of a futex sleep
 * and wake-up (measured: 6 µs instead of 44 µs per barrier); a longer wait is a slower worker's compute anyway.
 */
const SPINS = 2000;

/** A control buffer for one epoch. */
export function controlBuffer(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
}

/** Batches the workers have finished in this epoch. */
export function batchesDone(control: Int32Array): number {
  return Atomics.load(control, DONE);
}

/** Asks the workers to stop after the batch they are on. */
export function requestStop(control: Int32Array): void {
  Atomics.store(control, STOP, 1);
}

/** The worker that failed first in this epoch, or -1. */
export function failedWorker(control: Int32Array): number {
  return Atomics.load(control, FAILED) - 1;
}

/**
 * Records that worker w failed (it threw, or died) and wakes the workers waiting at a barrier
 * for it, so that they throw instead of waiting forever. Callable from any thread.
 */
export function signalFailure(control: Int32Array, w: number): void {
  Atomics.compareExchange(control, FAILED, 0, w + 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
}

export interface EpochRequest {
  /** The epoch's sample order and batch size: batch b is order[b·batchSize, (b+1)·batchSize). */
  order: Int32Array;
  batchSize: number;
  /** Learning rate per batch. */
  lrs: Float64Array;
  /** Workers taking part (the pool's size); this one's index is its replica's. */
  workers: number;
  optimizer: OptimizerOptions;
  /** Optimiser steps taken before this epoch. */
  steps: number;
  /** The optimiser's per-element state over this worker's range (paramRanges). */
  state: Float32Array[];
  /** The parameter store's mask over all trainable parameters, or null when masking is off. */
  mask: Float32Array | null;
  /** TrainOptions.distill with the teacher's logits in shared memory (f32), or null. */
  distill: { teacher: SharedArrayBuffer; alpha: number; temperature: number } | null;
  /** TrainOptions.proximal, or null: applied to this replica before each batch's gradients (after the previous step); the orchestrator applies the last step's. */
  proximal: ProximalGroups | null;
  control: SharedArrayBuffer;
  stats: SharedArrayBuffer;
}

export interface EpochResult {
  /** Optimiser steps and state over this worker's range after the epoch. */
  steps: number;
  state: Float32Array[];
  /** Milliseconds in forward/backward, in publishing, summing and stepping, and at barriers. */
  ms: { compute: number; exchange: number; wait: number };
}

/** What the epoch needs of the worker's replica. */
export interface EpochReplica {
  index: number;
  model: Model;
  loss: SoftmaxCrossEntropy;
  /** The parameter values in the pool's params buffer. */
  params: Float32Array;
  slots: SharedArrayBuffer;
  labels(n: number): Int32Array;
}

/** Runs the epoch on one worker; every worker of the pool must run it with the same request but its state. */
export function trainEpoch(r: EpochReplica, data: Dataset, q: EpochRequest): EpochResult {
  const { model, index: me } = r;
  const { k } = model;
  const p = model.params;
  const T = p.trainableSize;
  const S = p.size;
  const W = q.workers;
  const range = paramRanges(T, W);
  const { start: a, end: z } = range[me];
  const control = new Int32Array(q.control);
  const stats = new Float64Array(q.stats);
  const slot = (w: number) => slotView(r.slots, w, S);
  const batches = q.lrs.length;
  const distill = q.distill ? { ...q.distill, teacher: new Float32Array(q.distill.teacher) } : undefined;
  const ms = { compute: 0, exchange: 0, wait: 0 };
  const meet = () => {
    const t = performance.now();
    barrier(control, W);
    ms.wait += performance.now() - t;
  };

  if (q.mask) p.enableMask().set(q.mask);
  else if (p.mask) {
    p.mask.dispose();
    p.mask = null;
  }
  const optimizer = new Optimizer(p, q.optimizer, range[me]);
  try {
    optimizer.steps = q.steps;
    optimizer.buffers().forEach((s, i) => s.set(q.state[i]));
    for (let b = 0; b < batches; b++) {
      const t0 = performance.now();
      // The previous step's proximal step, on the whole replica: every worker gets the same values.
      if (q.proximal && b > 0) applyProximal(p.values.f32(), q.proximal, q.lrs[b - 1]);
      const indices = batchOf(q, b);
      const n = indices.length;
      const parts = shards(n, W);
      const mine = parts[me];
      let loss = 0;
      let correct = 0;
      if (mine.count > 0) {
        const shard = indices.subarray(mine.start, mine.start + mine.count);
        ({ loss, correct } = computeGradients(model, r.loss, data, shard, r.labels(mine.count), mine.count / n, distill));
      } else {
        p.grads.fill(0);
      }
      stats[(b * W + me) * 2] = loss;
      stats[(b * W + me) * 2 + 1] = correct;
      const t1 = performance.now();
      ms.compute += t1 - t0;
      if (W > 1) {
        // Only the parts other workers reduce: this worker sums its own range from its wasm memory.
        const grads = p.grads.f32();
        const out = slot(me);
        out.set(grads.subarray(0, a));
        out.set(grads.subarray(z, T), z);
        if (S > T) out.set(p.values.f32().subarray(T), T);
        ms.exchange += performance.now() - t1;
        meet();
        const t2 = performance.now();
        const scratch = k.scratch((z - a) * 4);
        const view = new Float32Array(k.heap.memory.buffer, scratch, z - a);
        for (let w = 0; w < W; w++) {
          if (w === me) continue;
          view.set(slot(w).subarray(a, z));
          k.wasm.f32_add(p.grads.offset + a * 4, p.grads.offset + a * 4, scratch, z - a);
        }
        if (S > T) averageState(p.values.f32().subarray(T), parts, n, (w) => slot(w).subarray(T));
        optimizer.step(q.lrs[b]);
        r.params.set(p.values.f32().subarray(a, z), a);
        ms.exchange += performance.now() - t2;
        meet();
        const t3 = performance.now();
        const values = p.values.f32();
        values.set(r.params.subarray(0, a));
        values.set(r.params.subarray(z, T), z);
        ms.exchange += performance.now() - t3;
      } else {
        optimizer.step(q.lrs[b]);
        ms.exchange += performance.now() - t1;
        // A one-worker barrier waits for nobody; it only turns a stop request into HALT.
        barrier(control, W);
      }
      if (me === 0) Atomics.store(control, DONE, b + 1);
      if (Atomics.load(control, HALT)) break;
    }
    // Publish the final parameters for the orchestrator: each worker its range (with several
    // workers, the last batch did that already), worker 0 the state all replicas agree on.
    if (W === 1) r.params.set(p.values.f32().subarray(a, z), a);
    if (me === 0 && S > T) r.params.set(p.values.f32().subarray(T), T);
    return { steps: optimizer.steps, state: optimizer.buffers().map((s) => s.slice()), ms };
  } catch (e) {
    signalFailure(control, me);
    throw e;
  } finally {
    optimizer.dispose();
  }
}

/**
 * Batch-norm running statistics (and any other state) after a batch: the shard-weighted mean of
 * the replicas' states, summed in worker order so that every worker computes the same bits.
 */
function averageState(state: Float32Array, parts: readonly { count: number }[], n: number, of: (w: number) => Float32Array): void {
  state.fill(0);
  parts.forEach((s, w) => {
    if (s.count === 0) return;
    const weight = s.count / n;
    const values = of(w);
    for (let j = 0; j < state.length; j++) state[j] += weight * values[j];
  });
}

/**
 * Waits until all `workers` have arrived (a generation barrier). The last to arrive reopens it
 * and copies a pending stop request into HALT, so every worker reads the same HALT after it.
 * Throws if a worker failed, instead of waiting for it forever.
 */
function barrier(control: Int32Array, workers: number): void {
  const generation = Atomics.load(control, GENERATION);
  if (Atomics.add(control, ARRIVED, 1) === workers - 1) {
    Atomics.store(control, ARRIVED, 0);
    if (Atomics.load(control, STOP)) Atomics.store(control, HALT, 1);
    Atomics.add(control, GENERATION, 1);
    if (workers > 1) Atomics.notify(control, GENERATION);
  } else {
    for (let spin = 0; Atomics.load(control, GENERATION) === generation; spin++) {
      if (Atomics.load(control, FAILED)) break;
      if (spin >= SPINS) Atomics.wait(control, GENERATION, generation);
    }
  }
  const failed = Atomics.load(control, FAILED);
  if (failed) throw new Error(`stopped because worker ${failed - 1} failed`);
}
