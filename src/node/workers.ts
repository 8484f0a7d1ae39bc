// Node-only: the worker_threads factory for WorkerPool, and a typed comlink endpoint for Node
// ports. The entry is worker-entry.js beside this module when it exists (the built package), else
// worker-entry.ts (running from src under tsx).

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import { WorkerPool, type WorkerFactory, type WorkerHandle } from '../workers/pool.js';

export interface NodePoolOptions {
  /** Number of workers (default: os.availableParallelism()). */
  workers?: number;
}

/** Something that posts and receives messages the Node way (a Worker, a MessagePort). */
export interface NodePort {
  postMessage(message: unknown, transfer?: readonly Transferable[]): void;
  on(type: 'message', listener: (data: unknown) => void): unknown;
  off(type: 'message', listener: (data: unknown) => void): unknown;
}

/**
 * A comlink endpoint over a Node port (what comlink's node adapter does, with types: its ESM
 * build ships no declarations and its UMD one types the default export wrongly under NodeNext).
 */
export function nodeEndpoint(port: NodePort): Endpoint {
  const listeners = new WeakMap<object, (data: unknown) => void>();
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer as Transferable[] | undefined),
    addEventListener(_type, handler) {
      const listener = (data: unknown) => {
        const event = { data } as MessageEvent;
        if ('handleEvent' in handler) handler.handleEvent(event);
        else handler(event);
      };
      port.on('message', listener);
      listeners.set(handler, listener);
    },
    removeEventListener(_type, handler) {
      const listener = listeners.get(handler);
      if (!listener) return;
      port.off('message', listener);
      listeners.delete(handler);
    },
  };
}

/** The worker entry module: compiled (the built package) or source (running under tsx). */
export function workerEntry(): URL {
  const js = new URL('./worker-entry.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('./worker-entry.ts', import.meta.url);
}

/**
 * A worker running the entry. NOTE: Node 20 runs neither `--import tsx` nor its module hooks in
 * worker threads, so from source the worker first registers tsx itself (a dev-only path).
 */
function startWorker(entry: URL, name: string): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { name });
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    throw new Error(`lopper workers: ${fileURLToPath(entry)} is TypeScript and tsx is not installed (build with tsc, or install tsx)`);
  }
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, name });
}

/** A started worker thread as the pool sees it. */
export function nodeWorkerHandle(worker: Worker): WorkerHandle {
  return {
    endpoint: nodeEndpoint(worker),
    terminate: () => worker.terminate(),
    onFailure(listener) {
      let told = false;
      const tell = (e: Error) => { if (!told) { told = true; listener(e); } };
      worker.once('error', (e) => tell(e instanceof Error ? e : new Error(String(e))));
      worker.once('exit', (code) => tell(new Error(`the worker thread exited with code ${code}`)));
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** Starts worker_threads running lopper's worker entry. */
export const nodeWorkerFactory: WorkerFactory = (index) => nodeWorkerHandle(startWorker(workerEntry(), `lopper-worker-${index}`));

export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** A WorkerPool on worker_threads; terminate() it when done. */
export function createNodePool(options: NodePoolOptions = {}): WorkerPool {
  return new WorkerPool(nodeWorkerFactory, options.workers ?? defaultWorkerCount());
}

/** Runs `fn` with a fresh Node pool and terminates the pool afterwards, whatever happens. */
export async function withNodePool<T>(options: NodePoolOptions, fn: (pool: WorkerPool) => Promise<T>): Promise<T> {
  const pool = createNodePool(options);
  try {
    return await fn(pool);
  } finally {
    await pool.terminate();
  }
}
