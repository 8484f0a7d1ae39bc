// ThiNet's steps for one 512-channel layer from 10,000 samples, timed apart and in total: sampling
// the contributions x̂ of a 3×3 conv reading 512 channels (14×14, as VGG-16's conv5; the wasm
// gather beside its TS twin), the Gram matrix (one wasm gemm), the greedy removal of half the
// channels and the least-squares scales of the rest (wasm Cholesky), beside numpy doing the same Gram, selection and solve on the same
// x̂ with one BLAS thread (bench/baselines/thinet_numpy.py). Bar: selection + least squares < 1 s.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNodeKernels } from '../src/node/kernels.js';
import { Rng } from '../src/nn/random.js';
import { gram, greedyRemove } from '../src/kernels/ops/thinet.js';
import { planSamples, sampleBatch, type Consumer } from '../src/prune/thinet/sample.js';
import { leastSquaresScales } from '../src/prune/thinet/select.js';
import { f32_thinet_gather } from '../src/kernels/reference/thinet.js';
import { medianMs, printTable, type BenchRecord } from './lib/measure.js';
import type { SuiteOptions } from './run.js';

const PYTHON = '/usr/bin/python3';

interface NumpyResult { numpy: string; gramMs: number; selectMs: number; lsMs: number; order: number[]; scales: number[]; scipy?: string; lsScipyMs?: number }

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const [C, m, images, HW] = quick ? [64, 1000, 10, 8] : [512, 10_000, 100, 14];
  const R = C / 2;
  const shape = `${C} channels, ${m} samples`;
  const consumer: Consumer = {
    node: 'conv', input: 'x', C, H: HW, W: HW, OC: C, OH: HW, OW: HW, geometry: [3, 3, 1, 1, 1, 1, 1, 1],
    entries: Int32Array.from({ length: C }, (_, i) => i), perUnit: 1, units: C,
  };
  // Post-ReLU activations with a shared per-image factor (channels correlate, as real ones do).
  const rng = new Rng(1);
  const x = new Float32Array(images * C * HW * HW);
  const gain = rng.f32(C, 0.2, 2);
  for (let i = 0; i < images; i++) {
    const f = rng.uniform();
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < HW * HW; p++) x[(i * C + c) * HW * HW + p] = Math.max(0, gain[c] * (f + rng.uniform()));
    }
  }
  const weight = rng.f32(C * C * 9, -0.05, 0.05);
  const plan = planSamples(consumer, images, m, 2);
  const xhat = new Float32Array(m * C);
  const y = new Float32Array(m);
  const [xT, weightT] = [k.from(x, [images, C, HW, HW]), k.from(weight, [C, C, 3, 3])];
  const sample = () => sampleBatch(consumer, weightT, xT, 0, images, plan, xhat, y);
  sample();
  // The same gather by the TS twin (the spec): rows as the wasm path builds them.
  const triples = Int32Array.from({ length: 3 * m }, (_, i) => [plan.image, plan.channel, plan.location][i % 3][Math.floor(i / 3)]);
  const geometry = Int32Array.from([C, HW, HW, HW, 3, 3, 1, 1, 1, 1, 1, 1, C, 1]);
  const [xhatTs, yTs] = [new Float32Array(m * C), new Float32Array(m)];
  const sampleTs = () => f32_thinet_gather(xhatTs, yTs, x, weight, triples, consumer.entries, geometry, m);
  sampleTs();
  const gatherDiff = xhat.reduce((d, v, i) => Math.max(d, Math.abs(v - xhatTs[i]) / Math.max(1, Math.abs(v))), 0);

  const X = k.from(xhat, [m, C]);
  const G = k.tensor([C, C]);
  const order = k.tensor([R], 'i32');
  gram(G, X);
  greedyRemove(order, G);
  const removed = new Set(order.i32());
  const keep = Array.from({ length: C }, (_, u) => u).filter((u) => !removed.has(u));
  const solve = () => {
    const r = leastSquaresScales(k, 'conv', G, keep, 1e-6);
    if (r.status !== 'solved') throw new Error(`bench thinet: least squares fell back: ${r.reason}`);
    return r.scales;
  };
  const system = `lopper wasm ${k.build}`;
  const ms = {
    sampling: await medianMs('sampling', sample),
    samplingTs: await medianMs('sampling (TS twin)', sampleTs),
    gram: await medianMs('gram', () => gram(G, X)),
    selection: await medianMs('selection', () => greedyRemove(order, G)),
    leastSquares: await medianMs('least squares', solve),
    total: await medianMs('total', () => { sample(); X.set(xhat); gram(G, X); greedyRemove(order, G); solve(); }),
  };
  const gramFlops = 2 * m * C * C;
  const records: BenchRecord[] = [
    { suite: 'thinet', kernel: 'sampling', shape, system, medianMs: ms.sampling },
    { suite: 'thinet', kernel: 'sampling', shape, system: 'lopper TS twin', medianMs: ms.samplingTs, maxDifferenceFromWasm: gatherDiff },
    { suite: 'thinet', kernel: 'gram', shape, system, medianMs: ms.gram, gflops: gramFlops / ms.gram / 1e6 },
    { suite: 'thinet', kernel: 'selection', shape, system, medianMs: ms.selection, remove: R },
    { suite: 'thinet', kernel: 'least squares', shape, system, medianMs: ms.leastSquares, kept: keep.length },
    { suite: 'thinet', kernel: 'selection + least squares', shape, system, medianMs: ms.selection + ms.leastSquares, bar: 1000, meetsBar: ms.selection + ms.leastSquares < 1000 },
    { suite: 'thinet', kernel: 'total', shape, system, medianMs: ms.total },
  ];
  const ours = solve();

  const versions: Record<string, string> = { wasm: k.build };
  const numpy = runNumpy(xhat, m, C, R);
  if (numpy) {
    const np = await numpy;
    const npSystem = `numpy ${np.numpy} (1 thread)`;
    versions.numpy = np.numpy;
    const sameOrder = np.order.every((u, i) => u === order.i32()[i]);
    const scaleDiff = Math.max(...np.scales.map((w, i) => Math.abs(w - ours[i]) / Math.max(1, Math.abs(w))));
    records.push(
      { suite: 'thinet', kernel: 'gram', shape, system: npSystem, medianMs: np.gramMs, gflops: gramFlops / np.gramMs / 1e6 },
      { suite: 'thinet', kernel: 'selection', shape, system: npSystem, medianMs: np.selectMs, sameOrderAsLopper: sameOrder },
      { suite: 'thinet', kernel: 'least squares', shape, system: npSystem, medianMs: np.lsMs, maxScaleDifference: scaleDiff },
      { suite: 'thinet', kernel: 'selection + least squares', shape, system: npSystem, medianMs: np.selectMs + np.lsMs },
    );
    if (np.lsScipyMs !== undefined) {
      versions.scipy = np.scipy!;
      records.push({ suite: 'thinet', kernel: 'least squares', shape, system: `numpy + scipy ${np.scipy} cho_solve (1 thread)`, medianMs: np.lsScipyMs });
    }
    console.log(`numpy made ${sameOrder ? 'the same' : 'a DIFFERENT'} removal order; largest relative difference of the scales ${scaleDiff.toExponential(2)}\n`);
  }
  printTable(records, (r) => (r.system === system ? undefined : records.find((o) => o.system === system && o.kernel === r.kernel)));
  console.log(`\nselection + least squares: ${(ms.selection + ms.leastSquares).toFixed(1)} ms (bar < 1000 ms); all four steps ${ms.total.toFixed(1)} ms`);
  for (const t of [X, G, order, xT, weightT]) t.dispose();
  return { records, versions };
}

/** The numpy baseline on the same x̂, or undefined (with a note) when python3 has no numpy. */
function runNumpy(xhat: Float32Array, m: number, C: number, R: number): Promise<NumpyResult> | undefined {
  const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }) : undefined;
  if (probe?.status !== 0) {
    console.log(`numpy baseline skipped: ${PYTHON} cannot import numpy (apt-get install python3-numpy)`);
    return undefined;
  }
  return (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lopper-thinet-'));
    try {
      const file = join(dir, 'xhat.f32');
      await writeFile(file, new Uint8Array(xhat.buffer, xhat.byteOffset, xhat.byteLength));
      const script = fileURLToPath(new URL('./baselines/thinet_numpy.py', import.meta.url));
      const threads = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
      const r = spawnSync(PYTHON, [script, '--xhat', file, '--m', String(m), '--c', String(C), '--remove', String(R)],
        { encoding: 'utf8', env: { ...process.env, ...threads }, maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`numpy baseline failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as NumpyResult;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
}
