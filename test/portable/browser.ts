// The portable suite in a browser page, on the package as shipped for browsers (dist/browser,
// loaded with no import map), plus the errors a page gets when a worker cannot load.
// Bundled by test/portable/chromium.ts; the results land in window.lopperResults.

import type { Lib } from './suite.js';
import { runSuite } from './suite.js';

const L = (await import('/dist/browser/lopper.js' as string)) as Lib;

/** The error a 1-worker pool on `url` fails with, or '' when it starts. */
async function poolError(url: string): Promise<string> {
  try {
    const pool = L.createWebPool({ workers: 1, url });
    const k = await L.loadKernels('/build/lopper.wasm');
    const model = new L.Model(new L.Graph(L.lenet300100()), k, { seed: 1 });
    try {
      await pool.load(model);
    } finally {
      await pool.terminate();
    }
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

const results = await runSuite(L, {
  name: 'chromium',
  wasm: '/build/lopper.wasm',
  pool: () => L.createWebPool({ workers: 2 }),
});
const errors = {
  crossOriginIsolated: globalThis.crossOriginIsolated,
  notFound: await poolError('/no-such-entry.js'),
  bareImport: await poolError('/dist/src/workers/pool.js'),
  coep: await poolError('/build/portable/coep-worker.js'),
};
(globalThis as unknown as { lopperResults: unknown }).lopperResults = { results, errors };
document.getElementById('out')!.textContent = JSON.stringify({ results, errors }, null, 1);
