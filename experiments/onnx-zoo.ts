// Every ONNX fixture (the torchvision families of scripts/make-onnx-zoo.py, the newest-opset ones
// of scripts/make-onnx-newest.ts and the hand-made ones of scripts/make-onnx-fixtures.py), end to
// end: does it import, its ONNX ops, parameters and FLOPs, prunable dependency groups (and why the
// others are not), the time to prune 30 % of the filters of every prunable conv group by L1 norm,
// and the largest difference from onnxruntime-web before and after pruning (the pruned model
// exported and run there) on the fixture's input. Prints a table and writes
// experiments/results/onnx-zoo.json after every fixture. It times prunes: run it under the lock.
//   flock /tmp/lopper-timing.lock nice -n 0 node --import tsx experiments/onnx-zoo.ts

import { readFile, readdir } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { loadNodeKernels } from '../src/node/kernels.js';
import { writeAtomic } from '../src/node/data.js';
import { modelFromOnnx, parseOnnx } from '../src/io/onnx/import.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { dependencyGroups } from '../src/graph/dependency.js';
import { pruneFilters } from '../src/prune/filters.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const RATIO = 0.3;
const root = new URL('../test/fixtures/', import.meta.url);

async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** max |a − b| / (1 + |b|). */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return a.length === b.length ? m : Infinity;
}

interface Row {
  fixture: string;
  opset: number;
  imports: boolean;
  error?: string;
  ops?: Record<string, number>;
  params?: number;
  flops?: number;
  groups?: number;
  prunableGroups?: number;
  /** Why the other groups are not prunable: each reason (node names dropped) with its count. */
  barriers?: Record<string, number>;
  prunedParams?: number;
  prunedFlops?: number;
  pruneMs?: number;
  ortMaxRel?: number;
  prunedOrtMaxRel?: number;
}

const k = await loadNodeKernels();
const rows: Row[] = [];
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const load = (await import('node:os')).loadavg()[0];
async function save(): Promise<void> {
  const result = {
    experiment: 'onnx-zoo', command: 'flock /tmp/lopper-timing.lock nice -n 0 node --import tsx experiments/onnx-zoo.ts', seed: 'none (fixed fixture inputs)', ratio: RATIO, criterion: 'l1',
    loadAverageAtStart: load, versions: { lopper: pkg.version, node: process.version, onnxruntimeWeb: pkg.devDependencies['onnxruntime-web'] }, date: new Date().toISOString(), rows,
  };
  await writeAtomic(new URL('results/onnx-zoo.json', import.meta.url).pathname, new TextEncoder().encode(`${JSON.stringify(result, null, 2)}\n`));
}
/** A reason without node names, shapes and counts, so that one kind of barrier counts as one. */
const kindOf = (reason: string) => reason.replace(/'[^']*'/g, "'…'").replace(/\[[^\]]*\]/g, '[…]').replace(/(?<![A-Za-z])\d+/g, 'n');
for (const suite of ['onnx-zoo', 'onnx-newest', 'onnx']) {
  for (const name of (await readdir(new URL(`${suite}/`, root))).sort()) {
    const dir = new URL(`${suite}/${name}/`, root);
    const meta = JSON.parse(await readFile(new URL('meta.json', dir), 'utf8')) as { input: number[]; opset: number };
    const bytes = new Uint8Array(await readFile(new URL('model.onnx', dir)));
    const raw = new Uint8Array(await readFile(new URL('input.bin', dir)));
    const x = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    const label = `${suite === 'onnx-zoo' ? '' : `${suite.replace('onnx', 'fixtures')}/`}${name}`;
    try {
      const parsed = parseOnnx(bytes, { file: name });
      const model = modelFromOnnx(parsed, k);
      const batch = meta.input[0];
      const mine = model.forward(batch, { x }).toArray() as Float32Array;
      const groups = dependencyGroups(model.graph);
      const started = performance.now();
      const { model: pruned } = pruneFilters(model, { ratio: RATIO });
      const pruneMs = performance.now() - started;
      const after = pruned.forward(batch, { x }).toArray() as Float32Array;
      rows.push({
        fixture: label, opset: parsed.info.opset, imports: true, ops: parsed.info.ops, params: model.params.size, flops: model.graph.flops(),
        groups: groups.length, prunableGroups: groups.filter((g) => g.prunable).length,
        barriers: groups.filter((g) => !g.prunable).reduce<Record<string, number>>((o, g) => { const r = kindOf(g.reason!); o[r] = (o[r] ?? 0) + 1; return o; }, {}),
        prunedParams: pruned.params.size, prunedFlops: pruned.graph.flops(), pruneMs,
        ortMaxRel: maxRel(mine, await ortRun(bytes, x, meta.input)),
        prunedOrtMaxRel: maxRel(after, await ortRun(exportOnnx(pruned), x, meta.input)),
      });
      pruned.dispose();
      model.dispose();
    } catch (e) {
      rows.push({ fixture: label, opset: meta.opset, imports: false, error: (e as Error).message });
    }
    await save();
  }
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log([pad('fixture', 34), pad('opset', 6), pad('params', 8), pad('FLOPs', 10), pad('groups', 9), pad('pruned params', 14), pad('prune ms', 9), pad('ort Δ', 9), 'pruned ort Δ'].join(' '));
for (const r of rows) {
  if (!r.imports) {
    console.log(`${pad(r.fixture, 34)} ${pad(String(r.opset), 6)} does not import: ${r.error}`);
    continue;
  }
  console.log([pad(r.fixture, 34), pad(String(r.opset), 6), pad(String(r.params), 8), pad(String(r.flops), 10), pad(`${r.prunableGroups}/${r.groups}`, 9),
    pad(`${r.prunedParams} (${((1 - r.prunedParams! / r.params!) * 100).toFixed(0)} %)`, 14), pad(r.pruneMs!.toFixed(1), 9), pad(r.ortMaxRel!.toExponential(1), 9),
    r.prunedOrtMaxRel!.toExponential(1)].join(' '));
}
console.log(`→ experiments/results/onnx-zoo.json (load average ${load.toFixed(1)} at the start)`);
