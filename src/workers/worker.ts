// The worker side of the pool: one wasm instance, one model replica and the shared datasets,
// driven over comlink by WorkerPool (pool.ts), running named tasks over lists of sample indices
// and training epochs together with the other workers (epoch.ts). The shared buffers are laid out
// in layout.ts. No platform API here: web-entry.ts and src/node/worker-entry.ts expose
// `createWorkerApi()`.

import { loadKernels, type Kernels } from '../kernels/kernels.js';
import { loadModel } from '../io/native.js';
import { Dataset, type NormaliseConstants } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { countCorrect } from '../nn/train.js';
import { trainEpoch, type EpochRequest, type EpochResult } from './epoch.js';
import { runHooks, type HookSpec, type PassStats } from './hooks.js';
import './stat-hooks.js';
import './thinet-hook.js';
import './range-hook.js';
import { PARAMS_HEADER_BYTES, paramsVersion, paramsView, slotsBytes, slotView } from './layout.js';

export interface ReplicaInit {
  /** This worker's index in the pool, named in errors and mixed into its random seed. */
  index: number;
  /** The kernels: a compiled module (cheapest, shares the compilation) or the module's bytes. */
  wasm: BufferSource | WebAssembly.Module;
  /** The model as `saveModel` writes it. */
  model: Uint8Array;
  params: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  /** Seed of the replica's stochastic layers (dropout). */
  seed: number;
}

/** A dataset as it crosses to a worker: the arrays are views of SharedArrayBuffers. */
export interface SharedDataset {
  id: number;
  name: string;
  shape: readonly number[];
  classes: number;
  normalise: NormaliseConstants;
  pixels: Uint8Array | Float32Array;
  labels: Int32Array;
}

export interface TaskRequest {
  task: string;
  /** Id of a dataset sent with `addDataset`. */
  data: number;
  indices: Int32Array;
  /** Task-specific, structured-cloneable. */
  args?: unknown;
}

/** Sums over the samples a worker saw: what the 'evaluate' task returns. */
export interface PassResult {
  /** Summed (not mean) loss. */
  loss: number;
  correct: number;
  count: number;
}

/** What a task sees: the replica (parameters already current), the dataset and the indices. */
export interface TaskContext {
  index: number;
  k: Kernels;
  model: Model;
  loss: SoftmaxCrossEntropy;
  data: Dataset;
  indices: Int32Array;
  /** This worker's slot of the shared slots buffer, `model.params.size` floats. */
  slot: Float32Array;
  /** A reusable label buffer of at least n entries. */
  labels(n: number): Int32Array;
}

export type Task = (ctx: TaskContext, args: any) => unknown;

const tasks = new Map<string, Task>();

/**
 * Registers a task under `name` for every worker that imports the registering module; returns
 * must be structured-cloneable, bulk results go to `ctx.slot`. Register at module top level.
 */
export function defineTask(name: string, task: Task): void {
  if (tasks.has(name)) throw new Error(`defineTask: a task named '${name}' exists already`);
  tasks.set(name, task);
}

export function taskNames(): string[] {
  return [...tasks.keys()];
}

/** Inference-mode loss and accuracy over the indices, in batches of `batchSize` (default 256). */
defineTask('evaluate', (c, args: { batchSize?: number } = {}): PassResult => {
  const batchSize = args.batchSize ?? 256;
  const n = c.indices.length;
  const labels = c.labels(Math.min(n, batchSize));
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const indices = c.indices.subarray(start, Math.min(n, start + batchSize));
    const batch = indices.length;
    c.data.fillBatch(c.model.input(batch).f32(), labels, indices);
    const logits = c.model.forward(batch, { training: false });
    loss += c.loss.forward(logits, labels.subarray(0, batch)) * batch;
    correct += countCorrect(logits.f32(), labels, batch);
  }
  return { loss, correct, count: n };
});

/** One shard of a data pass (pass.ts): the hooks' results over the indices, unmerged. */
defineTask('pass', (c, args: { hooks: Record<string, HookSpec>; batchSize: number }): PassStats =>
  runHooks(c.model, c.loss, c.data, c.indices, args.hooks, args.batchSize, c.labels));

interface Replica {
  index: number;
  k: Kernels;
  model: Model;
  loss: SoftmaxCrossEntropy;
  params: Float32Array;
  version: Int32Array;
  /** The params version last copied in. */
  seen: number;
  slots: SharedArrayBuffer;
  labels: Int32Array;
}

/** The object a worker exposes over comlink. */
export function createWorkerApi() {
  let replica: Replica | undefined;
  const datasets = new Map<number, Dataset>();

  const current = (what: string): Replica => {
    if (!replica) throw new Error(`${what} before init`);
    return replica;
  };
  const dataset = (id: number, what: string): Dataset => {
    const data = datasets.get(id);
    if (!data) throw new Error(`${what}: no dataset with id ${id} (send it with addDataset)`);
    return data;
  };
  /** Copies the orchestrator's parameters in if it published new ones since the last time. */
  const refresh = (r: Replica): void => {
    const version = Atomics.load(r.version, 0);
    if (version !== r.seen) {
      r.model.params.values.f32().set(r.params);
      r.seen = version;
    }
  };
  const labels = (r: Replica) => (n: number) => (r.labels.length >= n ? r.labels : (r.labels = new Int32Array(n)));

  return {
    /** Builds the replica (replacing any earlier one); returns its sizes for the pool to check. */
    async init(init: ReplicaInit): Promise<{ size: number; trainable: number; simd: boolean }> {
      if (replica) dispose(replica);
      replica = undefined;
      const k = await loadKernels(init.wasm);
      const { model } = loadModel(init.model, k, `worker ${init.index}: model`);
      const size = model.params.size;
      if (init.params.byteLength !== PARAMS_HEADER_BYTES + size * 4 || init.slots.byteLength < slotsBytes(init.index + 1, size)) {
        model.dispose();
        throw new RangeError(`worker ${init.index}: shared buffers of ${init.params.byteLength} and ${init.slots.byteLength} bytes do not fit a model of ${size} parameters`);
      }
      model.reseed(Math.imul(init.seed ^ 0x27d4eb2f, init.index + 1) ^ init.index);
      replica = {
        index: init.index, k, model, loss: new SoftmaxCrossEntropy(k),
        params: paramsView(init.params, size), version: paramsVersion(init.params), seen: Number.NaN,
        slots: init.slots, labels: new Int32Array(0),
      };
      return { size, trainable: model.params.trainableSize, simd: k.simd };
    },

    addDataset(d: SharedDataset): void {
      datasets.set(d.id, new Dataset({ name: d.name, shape: d.shape, pixels: d.pixels, labels: d.labels, classes: d.classes, normalise: d.normalise }));
    },

    dropDataset(id: number): void {
      datasets.delete(id);
    },

    /** Copies the current parameters in if they changed, then runs the task. */
    run(request: TaskRequest): unknown {
      const r = current(`run('${request.task}')`);
      const task = tasks.get(request.task);
      if (!task) throw new Error(`unknown task '${request.task}' (known: ${taskNames().join(', ')})`);
      const data = dataset(request.data, `task '${request.task}'`);
      refresh(r);
      const ctx: TaskContext = {
        index: r.index, k: r.k, model: r.model, loss: r.loss, data, indices: request.indices,
        slot: slotView(r.slots, r.index, r.model.params.size), labels: labels(r),
      };
      return task(ctx, request.args);
    },

    /**
     * Trains one epoch together with the pool's other workers (epoch.ts), starting from the
     * orchestrator's parameters if it published new ones.
     */
    trainEpoch(request: EpochRequest & { data: number }): EpochResult {
      const r = current('trainEpoch');
      const data = dataset(request.data, 'trainEpoch');
      refresh(r);
      try {
        return trainEpoch({ index: r.index, model: r.model, loss: r.loss, params: r.params, slots: r.slots, labels: labels(r) }, data, request);
      } catch (e) {
        // Stopped mid-step, the replica may hold parameters the shared buffer does not: copy
        // them in again next time.
        r.seen = Number.NaN;
        throw e;
      }
    },

    dispose(): void {
      if (replica) dispose(replica);
      replica = undefined;
      datasets.clear();
    },
  };
}

export type WorkerApi = ReturnType<typeof createWorkerApi>;

function dispose(r: Replica): void {
  r.loss.dispose();
  r.model.dispose();
}
