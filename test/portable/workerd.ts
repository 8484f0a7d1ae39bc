// The portable suite and a pruning Worker in workerd through miniflare: workerd-worker.ts bundled
// with esbuild under the `workerd` export condition, lopper.wasm handed over as a compiled module.

import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import * as L from '../../src/index.js';
import type { CaseResult } from './suite.js';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export interface WorkerdRun {
  results: CaseResult[];
  notes: string[];
  prune: { ok: boolean; detail: string };
  errors: { bytes: string; pool: string };
}

export async function runWorkerd(): Promise<WorkerdRun> {
  const bundle = await build({
    entryPoints: [`${root}/test/portable/workerd-worker.ts`], bundle: true, write: false, format: 'esm', platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'], external: ['./lopper.wasm'], target: 'es2022', logLevel: 'warning',
  });
  const wasm = await readFile(`${root}/build/lopper.wasm`);
  const mf = new Miniflare({
    modulesRoot: root,
    modules: [
      { type: 'ESModule', path: `${root}/worker.js`, contents: bundle.outputFiles[0].text },
      { type: 'CompiledWasm', path: `${root}/lopper.wasm`, contents: wasm },
    ],
    compatibilityDate: '2025-09-01',
  });
  try {
    const suite = await (await mf.dispatchFetch('http://worker/suite')).json() as { results: CaseResult[]; notes: string[] };
    const errors = await (await mf.dispatchFetch('http://worker/errors', { method: 'POST', body: wasm })).json() as WorkerdRun['errors'];

    // One model pruned per request by the Worker and here on Node: the same outputs.
    const k = await L.loadKernels(wasm);
    const model = new L.Model(new L.Graph(L.lenet5()), k, { seed: 6 });
    const onnx = L.exportOnnx(model);
    const response = await mf.dispatchFetch('http://worker/prune?method=l1&ratio=0.5', { method: 'POST', body: onnx });
    const back = L.importOnnx(new Uint8Array(await response.arrayBuffer()), k);
    const here = L.pruneFilters(L.importOnnx(onnx, k), { ratio: 0.5 }).model;
    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i));
    const a = back.forward(2, { x }).toArray(), b = here.forward(2, { x }).toArray();
    const same = a.length === b.length && a.every((v, i) => v === b[i]);
    const ok = response.ok && same && back.graph.paramCount() === here.graph.paramCount() && here.graph.paramCount() < model.graph.paramCount();
    const detail = `LeNet-5 (${onnx.length} bytes) → ${back.graph.paramCount()} of ${model.graph.paramCount()} parameters; outputs ${same ? 'equal' : 'differ from'} pruning on Node`;
    return { ...suite, errors, prune: { ok, detail } };
  } finally {
    await mf.dispose();
  }
}
