// How the pool's work and shared memory are divided among workers, for both sides of the pool
// (the orchestrator in pool.ts and train-parallel.ts, the workers in worker.ts and epoch.ts):
//
//   params: i32 version · 12 bytes padding · f32 values[size]   the orchestrator writes it between
//           epochs and passes; during a training epoch each worker writes its range of it
//   slots:  f32 [workers × slotStride(size)]; worker w writes slot w: its share of the batch
//           gradient in [0, trainable) and its replica's state (batch-norm running statistics)
//           in [trainable, size)

import type { ParamRange } from '../nn/optim/optimizer.js';

/** A contiguous part [start, start + count) of an index list, and the worker it went to. */
export interface Shard {
  worker: number;
  start: number;
  count: number;
}

/** `total` items in `parts` contiguous shards whose sizes differ by at most one (larger first). */
export function shards(total: number, parts: number): Shard[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  const out: Shard[] = [];
  let start = 0;
  for (let w = 0; w < parts; w++) {
    const count = base + (w < extra ? 1 : 0);
    out.push({ worker: w, start, count });
    start += count;
  }
  return out;
}

/**
 * The range of the trainable parameters each of `workers` workers reduces and steps: contiguous,
 * equal up to rounding, each starting at a multiple of 4 elements (16 bytes: copies stay aligned,
 * and a ranged SIMD optimiser step groups lanes as one step over everything does).
 */
export function paramRanges(trainable: number, workers: number): ParamRange[] {
  const chunk = Math.ceil(trainable / workers / 4) * 4;
  return Array.from({ length: workers }, (_, w) => ({ start: Math.min(trainable, w * chunk), end: Math.min(trainable, (w + 1) * chunk) }));
}

export const PARAMS_HEADER_BYTES = 16;

/** The parameter values in a params buffer. */
export function paramsView(buffer: SharedArrayBuffer, size: number): Float32Array {
  return new Float32Array(buffer, PARAMS_HEADER_BYTES, size);
}

/** The version counter of a params buffer, bumped by the orchestrator after each write. */
export function paramsVersion(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, 1);
}

/** Floats from one slot's start to the next's: the size rounded up to 16 bytes. */
export function slotStride(size: number): number {
  return Math.ceil(size / 4) * 4;
}

/** Bytes of a slots buffer for `workers` workers. */
export function slotsBytes(workers: number, size: number): number {
  return workers * slotStride(size) * 4;
}

/** Worker w's slot in a slots buffer. */
export function slotView(buffer: SharedArrayBuffer, w: number, size: number): Float32Array {
  return new Float32Array(buffer, w * slotStride(size) * 4, size);
}
