// Deno check of the worker pool on Web Workers: data-parallel training runs, and the parallel
// evaluation equals the single-threaded one. Uses only Deno and web APIs.

import { bestKernelBuild, loadKernels, createWebPool, trainParallel, evaluateParallel, evaluate, Model, Graph, Dataset, lenet300100 } from '../../dist/src/index.js';

declare const Deno: { readFile(path: URL): Promise<Uint8Array>; exit(code: number): never };

// The best build (relaxed SIMD on Deno 2): its compiled module is what the workers instantiate.
const FILES = { relaxed: 'lopper-relaxed.wasm', simd: 'lopper.wasm', scalar: 'lopper-scalar.wasm' };
const k = await loadKernels(await Deno.readFile(new URL(`../../build/${FILES[bestKernelBuild()]}`, import.meta.url)));
const N = 300;
const data = new Dataset({
  name: 'synthetic', shape: [1, 28, 28],
  pixels: Uint8Array.from({ length: N * 784 }, (_, i) => (i * 7919) % 256),
  labels: Int32Array.from({ length: N }, (_, i) => i % 10),
});
const model = new Model(new Graph(lenet300100()), k, { seed: 1 });
const pool = createWebPool({ workers: 2 });
try {
  const [epoch] = await trainParallel(model, data, { epochs: 1, pool, batchSize: 32 });
  const parallel = await evaluateParallel(model, data, { pool });
  const single = evaluate(model, data);
  if (!Number.isFinite(epoch.loss) || parallel.correct !== single.correct || Math.abs(parallel.loss - single.loss) > 1e-5) {
    console.error(`deno workers: parallel ${JSON.stringify(parallel)} vs single ${JSON.stringify(single)}, epoch loss ${epoch.loss}`);
    Deno.exit(1);
  }
  console.log(`deno workers: 2 Web Workers (${k.build} build) trained an epoch (loss ${epoch.loss.toFixed(3)}); parallel evaluation equals single (${single.correct}/${N})`);
} finally {
  await pool.terminate();
}
