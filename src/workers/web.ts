// The Web Worker factory for WorkerPool (browsers, Deno): module workers running web-entry.
// Browsers need a cross-origin isolated page for the SharedArrayBuffers the pool uses.

import type { Endpoint } from 'comlink';
import { WorkerPool, type WorkerFactory } from './pool.js';

export interface WebPoolOptions {
  /** Number of workers (default: navigator.hardwareConcurrency, or 1 when unknown). */
  workers?: number;
  /** The worker entry (default web-entry beside this module: .ts when running from source). */
  url?: URL | string;
}

function defaultEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./web-entry.ts', import.meta.url) : new URL('./web-entry.js', import.meta.url);
}

/** A factory starting module workers from `url` (default: lopper's web-entry). */
export function webWorkerFactory(url: URL | string = defaultEntry()): WorkerFactory {
  return (index) => {
    const worker = new Worker(url, { type: 'module', name: `lopper-worker-${index}` });
    return {
      endpoint: worker as unknown as Endpoint,
      terminate: () => worker.terminate(),
      onFailure(listener) {
        worker.addEventListener('error', (e: ErrorEvent) => {
          e.preventDefault?.();
          listener(new Error(e.message || 'the worker raised an uncaught error'));
        }, { once: true });
      },
    };
  };
}

export function defaultWebWorkerCount(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/** A WorkerPool on Web Workers; terminate() it when done. */
export function createWebPool(options: WebPoolOptions = {}): WorkerPool {
  return new WorkerPool(webWorkerFactory(options.url), options.workers ?? defaultWebWorkerCount());
}
