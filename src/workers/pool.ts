// A pool of workers, each holding a wasm instance and a replica of one model, over comlink
// endpoints made by a platform factory (src/node/workers.ts, src/workers/web.ts): broadcast the
// model, share datasets, scatter index shards to named tasks, gather the results. Not the
// training loop (train-parallel.ts) and no platform API.

import { wrap, type Endpoint, type Remote } from 'comlink';
import type { Model } from '../nn/model.js';
import type { Dataset } from '../nn/data/dataset.js';
import { saveModel } from '../io/native.js';
import type { SharedDataset, WorkerApi } from './worker.js';
import { PARAMS_HEADER_BYTES, paramsVersion, paramsView, shards, slotsBytes, slotView, type Shard } from './layout.js';

export { shards, type Shard };

/** One started worker as a platform hands it to the pool. */
export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): unknown;
  /** Registers a listener called once if the worker dies on its own (uncaught error, exit). */
  onFailure(listener: (error: Error) => void): void;
  /** Optional: keep the host process alive (Node) while the pool has work in flight, only then. */
  ref?(): void;
  unref?(): void;
}

/** Starts worker `index` of a pool. */
export type WorkerFactory = (index: number) => WorkerHandle;

export interface RunOptions<R> {
  /** The task's arguments, or a function making them per shard. */
  args?: unknown | ((s: Shard) => unknown);
  /** Called as each worker's result arrives (e.g. to start reducing while others still work). */
  onResult?: (part: Shard & { result: R }) => void;
}

interface Member {
  handle: WorkerHandle;
  api: Remote<WorkerApi>;
  /** Rejects when the worker dies; every call races it. */
  death: Promise<never>;
  dead?: Error;
}

interface Binding {
  model: Model;
  /** What the replicas were built from, to notice surgery on the model. */
  graph: Model['graph'];
  size: number;
  trainable: number;
  params: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  values: Float32Array;
  version: Int32Array;
  /** What each replica was built from, to rebuild one in a restarted worker. */
  bytes: Uint8Array;
  wasm: BufferSource | WebAssembly.Module;
  seed: number;
}

export interface LoadOptions {
  /** The kernels to send (default the model's compiled module, so replicas use the same build). */
  wasm?: BufferSource | WebAssembly.Module;
  /** Seed of the replicas' stochastic layers; worker w mixes in w (default 0). */
  seed?: number;
}

export class WorkerPool {
  readonly size: number;
  private readonly members: Member[] = [];
  private binding: Binding | undefined;
  private readonly datasets = new WeakMap<Dataset, number>();
  /** The shared datasets by id, to send again to a restarted worker. */
  private readonly shared = new Map<number, SharedDataset>();
  private nextDataset = 1;
  private inFlight = 0;
  private terminated = false;
  private queue: Promise<unknown> = Promise.resolve();

  /** Starts `size` workers (≥ 1) from `factory`. */
  constructor(private readonly factory: WorkerFactory, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`WorkerPool: 'workers' must be an integer ≥ 1, got ${size}`);
    requireSharedMemory();
    this.size = size;
    try {
      for (let w = 0; w < size; w++) this.members.push(this.start(factory, w));
    } catch (e) {
      for (const m of this.members) m.handle.terminate();
      throw e;
    }
    this.idle();
  }

  /** The model the replicas hold, if any. */
  get model(): Model | undefined {
    return this.binding?.model;
  }

  /**
   * Runs `fn` (e.g. a whole training run) with the pool to itself: passes from other callers
   * wait. Passes made inside `fn` must not call `exclusive` again.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Calls worker `w` through its comlink proxy; failures (a throw in the worker, its death) become
   * an Error naming the worker and `what`. A dead worker stays dead until `ensure` (which every
   * pass and epoch starts with) restarts it.
   */
  async call<T>(w: number, what: string, fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    const m = this.members[w];
    if (!m) throw new RangeError(`WorkerPool.call: worker ${w} does not exist in a pool of ${this.size}`);
    if (this.terminated) throw new Error(`worker ${w} of ${this.size}: ${what}: the pool was terminated`);
    if (m.dead) throw new Error(`worker ${w} of ${this.size}: ${what}: the worker died earlier: ${m.dead.message}`, { cause: m.dead });
    if (this.inFlight++ === 0) this.busy();
    try {
      return await Promise.race([fn(m.api), m.death]);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`worker ${w} of ${this.size}: ${what} failed: ${message}`, { cause: e });
    } finally {
      if (--this.inFlight === 0) this.idle();
    }
  }

  /** `fn` on every worker at once; rejects with the first failure once all have settled. */
  async broadcast<T>(what: string, fn: (api: Remote<WorkerApi>, w: number) => Promise<T>): Promise<T[]> {
    return settle(this.members.map((_, w) => this.call(w, what, (api) => fn(api, w))));
  }

  /**
   * Sends the model to every worker (a fresh replica, parameters included) and sets up the shared
   * parameter and gradient buffers. `ensure` does this only when needed.
   */
  async load(model: Model, options: LoadOptions = {}): Promise<void> {
    const size = model.params.size;
    const bytes = saveModel(model);
    const params = new SharedArrayBuffer(PARAMS_HEADER_BYTES + size * 4);
    const slots = new SharedArrayBuffer(slotsBytes(this.size, size));
    const wasm = options.wasm ?? model.k.module;
    const seed = options.seed ?? 0;
    this.binding = undefined;
    const sizes = await this.broadcast('init', (api, index) => api.init({ index, wasm, model: bytes, params, slots, seed }));
    sizes.forEach((s, w) => {
      if (s.size !== size || s.trainable !== model.params.trainableSize) {
        throw new Error(`worker ${w} of ${this.size}: its replica has ${s.size} parameters (${s.trainable} trainable), the model ${size} (${model.params.trainableSize})`);
      }
    });
    this.binding = {
      model, graph: model.graph, size, trainable: model.params.trainableSize, params, slots,
      values: paramsView(params, size), version: paramsVersion(params), bytes, wasm, seed,
    };
    this.push(model);
  }

  /** Loads `model` unless the replicas already hold it (same object, same graph, same sizes). */
  async ensure(model: Model, options: LoadOptions = {}): Promise<void> {
    await this.restartDead();
    const b = this.binding;
    if (b && b.model === model && b.graph === model.graph && b.size === model.params.size && b.trainable === model.params.trainableSize) return;
    await this.load(model, options);
  }

  /** Publishes the model's current parameter values (and state) to the replicas. */
  push(model: Model): void {
    const b = this.bound(model, 'push');
    b.values.set(model.params.values.f32());
    Atomics.add(b.version, 0, 1);
  }

  /**
   * Copies the replicas' parameter values (and state) from the shared buffer into the model: what
   * a training epoch leaves there (train-parallel.ts).
   */
  pull(model: Model): void {
    const b = this.bound(model, 'pull');
    model.params.values.f32().set(b.values);
  }

  /** Worker w's slot: what its last task left there (tasks write bulk results to `ctx.slot`). */
  slot(w: number): Float32Array {
    const b = this.binding;
    if (!b) throw new Error('WorkerPool.slot: no model loaded');
    return slotView(b.slots, w, b.size);
  }

  /**
   * Makes `data` available to the workers (once per dataset): its pixels and labels are copied
   * into SharedArrayBuffers unless they already live in one. Returns the id tasks name it by.
   */
  async share(data: Dataset): Promise<number> {
    const known = this.datasets.get(data);
    if (known !== undefined) return known;
    const id = this.nextDataset++;
    const shared = {
      id, name: data.name, shape: [...data.shape], classes: data.classes,
      normalise: { mean: [...data.normalise.mean], std: [...data.normalise.std] },
      pixels: toShared(data.pixels), labels: toShared(data.labels),
    };
    await this.broadcast(`sharing dataset '${data.name}'`, (api) => api.addDataset(shared));
    this.datasets.set(data, id);
    this.shared.set(id, shared);
    return id;
  }

  /** Releases the workers' references to a shared dataset. */
  async forget(data: Dataset): Promise<void> {
    const id = this.datasets.get(data);
    if (id === undefined) return;
    this.datasets.delete(data);
    this.shared.delete(id);
    await this.broadcast(`forgetting dataset '${data.name}'`, (api) => api.dropDataset(id));
  }

  /**
   * Splits `indices` into `size` contiguous shards and runs `task` on each non-empty one (worker w
   * gets shard w). Resolves to the shards with their results, in worker order. The replicas must
   * hold the model (`ensure`) and `data` must be shared.
   */
  async run<R>(task: string, data: Dataset, indices: Int32Array, options: RunOptions<R> = {}): Promise<(Shard & { result: R })[]> {
    if (!this.binding) throw new Error(`WorkerPool.run('${task}'): no model loaded (call ensure(model) first)`);
    const id = this.datasets.get(data);
    if (id === undefined) throw new Error(`WorkerPool.run('${task}'): dataset '${data.name}' was not shared (call share(data) first)`);
    const { args, onResult } = options;
    const parts = shards(indices.length, this.size).filter((s) => s.count > 0);
    const results = await settle(parts.map(async (s) => {
      // NOTE: slice, not subarray: cloning a view clones its whole underlying buffer.
      const request = { task, data: id, indices: indices.slice(s.start, s.start + s.count), args: typeof args === 'function' ? args(s) : args };
      const result = await this.call(s.worker, `task '${task}' on ${s.count} samples of '${data.name}'`, (api) => api.run(request) as Promise<R>);
      onResult?.({ ...s, result });
      return result;
    }));
    return parts.map((s, i) => ({ ...s, result: results[i] }));
  }

  /** Stops every worker; pending and later calls reject. Safe to call twice. */
  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    this.binding = undefined;
    await Promise.allSettled(this.members.map(async (m) => m.handle.terminate()));
  }

  /**
   * Replaces every worker that died with a fresh one holding what the others hold: the replica
   * (its parameters come from the shared buffer) and the shared datasets. A worker that dies
   * while being restarted fails the call that asked, naming it.
   */
  private async restartDead(): Promise<void> {
    if (this.terminated) return;
    for (let w = 0; w < this.size; w++) {
      if (!this.members[w].dead) continue;
      this.members[w].handle.terminate();
      this.members[w] = this.start(this.factory, w);
      if (this.inFlight === 0) this.members[w].handle.unref?.();
      const b = this.binding;
      if (b) {
        const init = { index: w, wasm: b.wasm, model: b.bytes, params: b.params, slots: b.slots, seed: b.seed };
        await this.call(w, 'restarting after a failure: init', (api) => api.init(init));
      }
      for (const d of this.shared.values()) await this.call(w, `restarting after a failure: sharing dataset '${d.name}'`, (api) => api.addDataset(d));
    }
  }

  private bound(model: Model, what: string): Binding {
    const b = this.binding;
    if (!b || b.model !== model) throw new Error(`WorkerPool.${what}: the replicas do not hold model '${model.graph.name}' (call ensure(model) first)`);
    return b;
  }

  private start(factory: WorkerFactory, w: number): Member {
    const handle = factory(w);
    let reject!: (e: Error) => void;
    const death = new Promise<never>((_, r) => { reject = r; });
    death.catch(() => undefined);
    const member: Member = { handle, api: wrap<WorkerApi>(handle.endpoint), death };
    handle.onFailure((error) => {
      const e = this.terminated ? new Error('the pool was terminated') : error;
      member.dead ??= e;
      reject(e);
    });
    return member;
  }

  private busy(): void {
    for (const m of this.members) m.handle.ref?.();
  }

  private idle(): void {
    for (const m of this.members) m.handle.unref?.();
  }
}

/** Like Promise.all, but waits for every promise before rejecting (no call is left running unseen). */
async function settle<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function requireSharedMemory(): void {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('WorkerPool needs SharedArrayBuffer: in a browser, serve the page cross-origin isolated ' +
      '(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)');
  }
}

function toShared<T extends Uint8Array | Float32Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as ArrayLike<number> & T);
  return out;
}
