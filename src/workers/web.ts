// The Web Worker factory for WorkerPool (browsers, Deno): module workers running web-entry, a
// self-contained bundle in dist. Browsers need a cross-origin isolated page for the
// SharedArrayBuffers the pool uses; hosts without Web Workers (edge runtimes) get a clear error,
// or no pool from webPoolOrNone so the caller runs on this thread.

import type { Endpoint } from 'comlink';
import { WorkerPool, type WorkerFactory } from './pool.js';

export interface WebPoolOptions {
  /** Number of workers (default: navigator.hardwareConcurrency, or 1 when unknown). */
  workers?: number;
  /** The worker entry (default lopper's web-entry.js beside this module). */
  url?: URL | string;
}

/** Why this host cannot run a pool of Web Workers, or undefined when it can. */
export function webPoolUnavailable(): string | undefined {
  if (typeof Worker === 'undefined') return 'this host has no Web Workers (Worker is not defined)';
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'this host has no SharedArrayBuffer: serve the page cross-origin isolated ' +
      '(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)';
  }
  return undefined;
}

/** A factory starting module workers from `url` (default: lopper's web-entry). */
export function webWorkerFactory(url?: URL | string): WorkerFactory {
  if (typeof Worker === 'undefined') throw new Error('webWorkerFactory: this host has no Web Workers (Worker is not defined): run on this thread instead (no pool)');
  return (index) => {
    const name = `lopper-worker-${index}`;
    // The default entry is written as bundlers expect it (new Worker(new URL('…', import.meta.url)))
    // so Vite, webpack and others emit the worker file and rewrite its address.
    const worker = url === undefined
      ? new Worker(new URL('./web-entry.js', import.meta.url), { type: 'module', name })
      : new Worker(url, { type: 'module', name });
    const base = import.meta.url; // (not the pattern above, which bundlers would take for an asset)
    const href = String(url ?? new URL('./web-entry.js', base));
    return {
      endpoint: worker as unknown as Endpoint,
      terminate: () => worker.terminate(),
      onFailure(listener) {
        worker.addEventListener('error', (e: Event) => {
          e.preventDefault?.();
          const message = (e as ErrorEvent).message;
          // A module that fails to load raises a bare Event: find out what we can about why.
          if (message) listener(new Error(message));
          else void loadFailure(href).then((why) => listener(new Error(why)));
        }, { once: true });
      },
    };
  };
}

/** What a failed worker load most likely came from: the file's status, a bare import, or COEP. */
export async function loadFailure(href: string): Promise<string> {
  const start = `the worker script ${href} failed to load`;
  let text: string;
  try {
    const response = await fetch(href);
    if (!response.ok) return `${start}: fetching it gives HTTP ${response.status} (is it served at that address?)`;
    text = await response.text();
  } catch (e) {
    return `${start}: fetching it fails (${(e as Error).message})`;
  }
  const bare = /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"./][^'"]*)['"]/m.exec(text)
    ?? /^\s*import\s*['"]([^'"./][^'"]*)['"]/m.exec(text);
  if (bare && !/^[a-z][a-z0-9+.-]*:/i.test(bare[1])) {
    return `${start}: it imports the bare specifier '${bare[1]}', which workers cannot resolve (import maps do not reach ` +
      'workers): use the self-contained entry lopper ships (dist/browser/web-entry.js) or a bundler';
  }
  return `${start}: it is served, so a cross-origin isolated page (Cross-Origin-Embedder-Policy: require-corp) may be ` +
    'refusing it or a module it imports: serve them from the same origin, or with Cross-Origin-Resource-Policy';
}

export function defaultWebWorkerCount(): number {
  const n = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/** A WorkerPool on Web Workers; terminate() it when done. */
export function createWebPool(options: WebPoolOptions = {}): WorkerPool {
  const why = webPoolUnavailable();
  if (why) throw new Error(`createWebPool: ${why}; run on this thread instead (no pool), or use webPoolOrNone`);
  return new WorkerPool(webWorkerFactory(options.url), options.workers ?? defaultWebWorkerCount());
}

/**
 * A pool of Web Workers where the host can run one, else undefined after telling `onFallback`
 * why (default console.warn): the caller then trains and evaluates on this thread.
 */
export function webPoolOrNone(options: WebPoolOptions = {}, onFallback: (why: string) => void = console.warn): WorkerPool | undefined {
  const why = webPoolUnavailable();
  if (!why) return createWebPool(options);
  onFallback(`lopper: no worker pool, running on this thread: ${why}`);
  return undefined;
}
