// A data pass: "run these hooks over this dataset, merge their results" — the core interface
// every data-driven criterion (APoZ, Taylor, maxout wins, correlation) and sampler builds on,
// with one implementation on this thread and one on a WorkerPool (Node worker_threads and Web
// Workers alike). Both give the same statistics within rounding: shards merge as hooks say.

import type { Model } from '../nn/model.js';
import type { Dataset } from '../nn/data/dataset.js';
import { checkData, handBack } from '../nn/train.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { checkHooks, mergeStats, runHooks, type HookSpec, type PassStats } from './hooks.js';
import './stat-hooks.js';
import './thinet-hook.js';
import type { WorkerPool } from './pool.js';

export interface PassOptions {
  /** Samples per forward pass (default 256). */
  batchSize?: number;
  /** The samples to visit, in this order (default every sample of `data`, in order). */
  indices?: Int32Array;
  /** Called as samples are done, with how many of how many. */
  onProgress?: (done: number, total: number) => void;
}

export interface DataPass {
  /** The merged results of `hooks` (by id) over the samples of `data`; the model is not changed. */
  run(model: Model, data: Dataset, hooks: Record<string, HookSpec>, options?: PassOptions): Promise<PassStats>;
}

/** About this many progress reports per pass. */
const UPDATES = 50;

/** Checks the arguments of a pass before any work; returns the indices and the batch size. */
function checkPass(model: Model, data: Dataset, hooks: Record<string, HookSpec>, options: PassOptions): { indices: Int32Array; batchSize: number } {
  checkData(model, data);
  checkHooks(model, hooks);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`data pass: 'batchSize' must be an integer ≥ 1, got ${batchSize}`);
  const indices = options.indices ?? data.order();
  if (!(indices instanceof Int32Array)) throw new TypeError(`data pass: 'indices' must be an Int32Array`);
  if (indices.length === 0) throw new RangeError(`data pass over '${data.name}': no samples`);
  for (const i of indices) if (!(i >= 0 && i < data.size)) throw new RangeError(`data pass over '${data.name}': index ${i} is not in [0, ${data.size})`);
  return { indices, batchSize };
}

/** The pass on this thread, on the model's own wasm instance. */
export function localPass(): DataPass {
  return {
    async run(model, data, hooks, options = {}) {
      const { indices, batchSize } = checkPass(model, data, hooks, options);
      const loss = new SoftmaxCrossEntropy(model.k);
      let labels = new Int32Array(0);
      const buffer = (n: number) => (labels.length >= n ? labels : (labels = new Int32Array(n)));
      const N = indices.length;
      const chunk = batchSize * Math.max(1, Math.ceil(N / batchSize / UPDATES));
      const parts: PassStats[] = [];
      try {
        for (let start = 0; start < N; start += chunk) {
          const end = Math.min(N, start + chunk);
          parts.push(runHooks(model, loss, data, indices.subarray(start, end), hooks, batchSize, buffer));
          options.onProgress?.(end, N);
          await handBack();
        }
      } finally {
        loss.dispose();
      }
      return mergeStats(hooks, parts);
    },
  };
}

/**
 * The pass on `pool`: each chunk of samples split into one contiguous shard per worker, the
 * shards' results merged in worker order. A failure (a worker that throws or dies) rejects the
 * whole pass with the worker named, merging nothing; the pool restarts a dead worker next time.
 */
export function poolPass(pool: WorkerPool): DataPass {
  return {
    run(model, data, hooks, options = {}) {
      const { indices, batchSize } = checkPass(model, data, hooks, options);
      return pool.exclusive(async () => {
        await pool.ensure(model);
        await pool.share(data);
        pool.push(model);
        const N = indices.length;
        const per = batchSize * pool.size;
        const chunk = per * Math.max(1, Math.ceil(N / per / UPDATES));
        const parts: PassStats[] = [];
        for (let start = 0; start < N; start += chunk) {
          const end = Math.min(N, start + chunk);
          const shards = await pool.run<PassStats>('pass', data, indices.subarray(start, end), { args: { hooks, batchSize } });
          parts.push(...shards.map((s) => s.result));
          options.onProgress?.(end, N);
        }
        return mergeStats(hooks, parts);
      });
    },
  };
}

/** The pass where it is cheapest: the pool when there is one, else this thread. */
export function dataPass(pool?: WorkerPool): DataPass {
  return pool ? poolPass(pool) : localPass();
}
