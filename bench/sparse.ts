// Does a pruned model run faster, not only store smaller? The LeNets pruned by magnitude to the
// recipes' per-layer sparsities (experiments/lib/han-cases.ts, ≈ 92 % zeros): forward latency on
// lopper's sparse path (CSR and SELL-4 kernels, useSparseKernels) vs lopper dense vs onnxruntime-web dense
// at batch 1 and 64. Then Huffman decoding of the cluster indices (MB/s of symbols, one byte
// each) beside Node's zlib inflate of the same indices as bytes, and k-means per layer beside
// scikit-learn's on the same weights (Debian python3-sklearn; skipped with a note without it).
// Bars: sparse ≥ 2.5× dense at batch 1, ≥ 1.5× at batch 64 on LeNet-300-100; decode ≥ 100 MB/s.

import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import * as ort from 'onnxruntime-web';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadModel, saveModel } from '../src/io/native.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { pruneByMagnitude } from '../src/prune/magnitude.js';
import type { Model } from '../src/nn/model.js';
import { useSparseKernels } from '../src/compress/sparse-inference.js';
import { shareWeights } from '../src/compress/share.js';
import { kmeans1d } from '../src/compress/kmeans.js';
import { codeLengths, countSymbols, decodeTable, huffmanEncode } from '../src/compress/huffman.js';
import { huffmanDecode } from '../src/kernels/ops/huffman.js';
import { interleavedMs, medianMs, printTable, type BenchRecord } from './lib/measure.js';
import type { SuiteOptions } from './run.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const NETS: { name: string; sparsity: Record<string, number> }[] = [
  { name: 'lenet-300-100', sparsity: { fc1: 0.93, fc2: 0.85, fc3: 0.5 } },
  { name: 'lenet-5', sparsity: { conv1: 0.2, conv2: 0.75, fc1: 0.935, fc2: 0.7 } },
];

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const records: (BenchRecord & { speedup?: number; mbPerS?: number })[] = [];
  const rounds = quick ? 2 : 9;
  for (const net of NETS) {
    const load = () => {
      const m = loadModel(readFileSync(new URL(`../experiments/models/${net.name}.fashion-mnist.lopm`, import.meta.url)), k).model;
      pruneByMagnitude(m, { kind: 'layer', sparsity: net.sparsity });
      return m;
    };
    const dense = load();
    const sparse = load();
    const session = await ort.InferenceSession.create(exportOnnx(dense), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    for (const batch of [1, 64]) {
      const plans = useSparseKernels(sparse, { batches: [batch] });
      const shape = [batch, ...dense.graph.inputs[0].shape];
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
      dense.input(batch).set(x);
      sparse.input(batch).set(x);
      const input = new ort.Tensor('float32', x, shape);
      const feeds = { [session.inputNames[0]]: input };
      const ms = await interleavedMs({
        'lopper sparse': () => sparse.forward(batch),
        'lopper dense': () => dense.forward(batch),
        'onnxruntime-web dense': () => session.run(feeds),
      }, rounds, { maxTime: quick ? 0.1 : 0.3 });
      const path = plans.map((p) => `${p.node}:${p.batches[0].path === 'sparse' ? p.batches[0].kernel : 'dense'}`).join(' ');
      for (const [system, t] of Object.entries(ms)) {
        records.push({ suite: 'sparse', kernel: `${net.name} forward`, shape: `batch ${batch} (${path})`, system, medianMs: t, speedup: ms['lopper dense'] / t });
      }
    }
    await session.release();
    if (net.name === 'lenet-300-100') {
      records.push(...await huffmanRecords(k, dense, quick));
      records.push(...await kmeansRecords(dense));
    }
    dense.dispose();
    sparse.dispose();
  }
  const baseline: Record<string, string> = { 'decode indices': 'node zlib inflate', 'k-means': 'scikit-learn KMeans' };
  printTable(records, (r) => records.find((b) => b.kernel === r.kernel && (b.shape === r.shape || b.kernel === 'k-means' && b.shape.split(':')[0] === r.shape.split(':')[0]) && b.system === (baseline[r.kernel] ?? 'lopper dense')));
  for (const r of records) if (r.mbPerS) console.log(`${r.system}: ${r.mbPerS.toFixed(0)} MB/s of decoded symbols`);
  return { records, versions: { 'onnxruntime-web': (ort.env.versions as Record<string, string>).web ?? 'unknown', node: process.version } };
}

// The cluster indices of fc1, Huffman coded: decode throughput, and zlib inflate of the same bytes.
async function huffmanRecords(k: Awaited<ReturnType<typeof loadNodeKernels>>, model: Model, quick: boolean) {
  const copy = loadModel(saveModel(model), k).model; // sharing rewrites the weights: work on a copy
  const [fc1] = shareWeights(copy).filter((s) => s.node === 'fc1');
  copy.dispose();
  const symbols = Int32Array.from(fc1.assign.filter((a) => a >= 0));
  const lengths = codeLengths(countSymbols(symbols, fc1.codebook.length));
  const bits = huffmanEncode(symbols, lengths);
  const { table, L } = decodeTable(lengths);
  const bytes = Uint8Array.from(symbols);
  const deflated = deflateSync(bytes, { level: 9 });
  const opts = { maxTime: quick ? 0.2 : 1 };
  const huff = await medianMs('huffman', () => huffmanDecode(k, bits, table, L, symbols.length), opts);
  const zlib = await medianMs('inflate', () => inflateSync(deflated), opts);
  const mb = symbols.length / 1e6;
  const shape = `${symbols.length} fc1 indices (${bits.length} B Huffman, ${deflated.length} B deflate)`;
  return [
    { suite: 'sparse', kernel: 'decode indices', shape, system: 'lopper Huffman (wasm)', medianMs: huff, mbPerS: mb / (huff / 1000) },
    { suite: 'sparse', kernel: 'decode indices', shape, system: 'node zlib inflate', medianMs: zlib, mbPerS: mb / (zlib / 1000) },
  ];
}

// k-means per layer on the pruned weights, lopper's kmeans1d vs scikit-learn's KMeans (same init).
async function kmeansRecords(model: Model) {
  const values = model.params.values.f32();
  const jobs = ['fc1', 'fc2', 'fc3'].map((node) => {
    const e = model.params.entry(node, 'weight');
    return { name: node, k: 32, values: Array.from(values.subarray(e.start, e.start + e.size).filter((v) => v !== 0)) };
  });
  const out: (BenchRecord & { iterations?: number })[] = [];
  for (const job of jobs) {
    const w = Float32Array.from(job.values);
    let iterations = 0;
    const ms = await medianMs(`kmeans ${job.name}`, () => (iterations = kmeans1d(w, job.k).iterations), { maxTime: 0.5 });
    out.push({ suite: 'sparse', kernel: 'k-means', shape: `${job.name}: ${w.length} weights, k ${job.k}`, system: 'lopper kmeans1d', medianMs: ms, iterations });
  }
  const python = '/usr/bin/python3';
  const script = fileURLToPath(new URL('./baselines/sklearn_kmeans.py', import.meta.url));
  const r = existsSync(python) ? spawnSync(python, [script], { input: jobs.map((j) => JSON.stringify(j)).join('\n') + '\n', encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } }) : undefined;
  if (r?.status !== 0) {
    console.log(`scikit-learn baseline skipped: ${python} could not run it (${r?.stderr?.trim().split('\n').pop() ?? 'no python3'})`);
    return out;
  }
  for (const line of r.stdout.trim().split('\n')) {
    const s = JSON.parse(line) as { name: string; k: number; ms: number; iterations: number };
    const job = jobs.find((j) => j.name === s.name)!;
    out.push({ suite: 'sparse', kernel: 'k-means', shape: `${s.name}: ${job.values.length} weights, k ${s.k}`, system: 'scikit-learn KMeans', medianMs: s.ms, iterations: s.iterations });
  }
  return out;
}
