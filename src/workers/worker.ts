// The worker side of the pool: one wasm instance, one model replica and the shared datasets,
// driven over comlink by WorkerPool (pool.ts), running named tasks over lists of sample indices.
// No platform API here: web-entry.ts and src/node/worker-entry.ts expose `createWorkerApi()`.

import { loadKernels, type Kernels } from '../kernels/kernels.js';
import { loadModel } from '../io/native.js';
import { Dataset, type NormaliseConstants } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { computeGradients, countCorrect } from '../nn/train.js';

// Shared memory, written by one side and read by the other between messages:
//   params: i32 version · 12 bytes padding · f32 values[size]      (the orchestrator writes)
//   slots:  f32 [workers × size], worker w owns [w·size, (w+1)·size)  (worker w writes)
// A slot holds the worker's scaled gradient in [0, trainable) and its state (batch-norm running
// statistics) after the pass in [trainable, size).
export const PARAMS_HEADER_BYTES = 16;

/** The parameter values in a params buffer. */
export function paramsView(buffer: SharedArrayBuffer, size: number): Float32Array {
  return new Float32Array(buffer, PARAMS_HEADER_BYTES, size);
}

/** The version counter of a params buffer, bumped by the orchestrator after each write. */
export function paramsVersion(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, 1);
}

/** Worker w's slot in a slots buffer. */
export function slotView(buffer: SharedArrayBuffer, w: number, size: number): Float32Array {
  return new Float32Array(buffer, w * size * 4, size);
}

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

/** Sums over the samples a worker saw: what the 'gradients' and 'evaluate' tasks return. */
export interface PassResult {
  /** Summed (not mean) loss. */
  loss: number;
  correct: number;
  count: number;
  /** Milliseconds the task took inside the worker (for overhead accounting). */
  ms?: number;
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

/**
 * Gradient of the mean loss over the indices, times `scale` (the orchestrator passes shard/batch,
 * so the slots sum to the full batch's mean gradient), into the slot; the state after it.
 */
defineTask('gradients', (c, args: { scale?: number } = {}): PassResult => {
  const started = performance.now();
  const p = c.model.params;
  const T = p.trainableSize;
  const step = computeGradients(c.model, c.loss, c.data, c.indices, c.labels(c.indices.length));
  const scale = args.scale ?? 1;
  if (scale !== 1) c.k.wasm.f32_scale(p.grads.offset, p.grads.offset, scale, T);
  c.slot.set(p.grads.f32());
  if (p.size > T) c.slot.set(p.values.f32().subarray(T), T);
  return { loss: step.loss, correct: step.correct, count: c.indices.length, ms: performance.now() - started };
});

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

interface Replica {
  index: number;
  k: Kernels;
  model: Model;
  loss: SoftmaxCrossEntropy;
  params: Float32Array;
  version: Int32Array;
  /** The params version last copied in. */
  seen: number;
  slot: Float32Array;
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

  return {
    /** Builds the replica (replacing any earlier one); returns its sizes for the pool to check. */
    async init(init: ReplicaInit): Promise<{ size: number; trainable: number; simd: boolean }> {
      if (replica) dispose(replica);
      replica = undefined;
      const k = await loadKernels(init.wasm);
      const { model } = loadModel(init.model, k, `worker ${init.index}: model`);
      const size = model.params.size;
      if (init.params.byteLength !== PARAMS_HEADER_BYTES + size * 4 || init.slots.byteLength < (init.index + 1) * size * 4) {
        model.dispose();
        throw new RangeError(`worker ${init.index}: shared buffers of ${init.params.byteLength} and ${init.slots.byteLength} bytes do not fit a model of ${size} parameters`);
      }
      model.reseed(Math.imul(init.seed ^ 0x27d4eb2f, init.index + 1) ^ init.index);
      replica = {
        index: init.index, k, model, loss: new SoftmaxCrossEntropy(k),
        params: paramsView(init.params, size), version: paramsVersion(init.params), seen: Number.NaN,
        slot: slotView(init.slots, init.index, size), labels: new Int32Array(0),
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
      const data = datasets.get(request.data);
      if (!data) throw new Error(`task '${request.task}': no dataset with id ${request.data} (send it with addDataset)`);
      const version = Atomics.load(r.version, 0);
      if (version !== r.seen) {
        r.model.params.values.f32().set(r.params);
        r.seen = version;
      }
      const ctx: TaskContext = {
        index: r.index, k: r.k, model: r.model, loss: r.loss, data, indices: request.indices, slot: r.slot,
        labels: (n) => (r.labels.length >= n ? r.labels : (r.labels = new Int32Array(n))),
      };
      return task(ctx, request.args);
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
