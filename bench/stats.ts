// Statistics for data-driven criteria. (1) Correlation statistics of P × Q neurons over N samples
// (streaming means, M2s and the centred cross-moment, batch by batch) in GFLOP/s, beside lopper's
// gemm alone on the same shapes and numpy's one-thread (X − x̄)ᵀ(Y − ȳ) on the same data; the
// bar: ≥ 50 % of gemm. (2) A data pass (APoZ + Taylor on LeNet-5 over Fashion-MNIST's training
// set: Taylor's Σ a·g for conv1, conv2, fc1, APoZ's zeros after fc1's ReLU) on 1 and 2 workers; the bar: 2 workers ≥ 1.7× one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin } from '../src/node/data.js';
import { createNodePool } from '../src/node/workers.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5 } from '../src/nn/nets.js';
import { dependencyGroups } from '../src/graph/dependency.js';
import { gemm } from '../src/kernels/ops/gemm.js';
import { columnMeanCenter, columnSumSquares, comomentMerge, momentsMerge } from '../src/kernels/ops/stats.js';
import { poolPass } from '../src/workers/pass.js';
import { apoz } from '../src/prune/criteria/apoz.js';
import { taylor } from '../src/prune/criteria/taylor.js';
import { activationOf } from '../src/prune/criteria/activations.js';
import { Rng } from '../src/nn/random.js';
import { medianMs, printTable, type BenchRecord } from './lib/measure.js';
import type { SuiteOptions } from './run.js';

const PYTHON = '/usr/bin/python3';

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const [N, P, Q, B] = quick ? [1024, 128, 128, 256] : [10_000, 1000, 1000, 500];
  const rng = new Rng(1);
  const x = rng.f32(N * P, 0, 2);
  const y = rng.f32(N * Q, -1, 1);
  const records: BenchRecord[] = [];
  const shape = `${P}×${Q} over ${N}`;
  const flops = 2 * N * P * Q;

  // lopper: the moments pass, batch by batch (the batches are copied in as a data pass would).
  const X = k.from(x, [N, P]);
  const Y = k.from(y, [N, Q]);
  const [mx, my, m2x, m2y, c, bx, by, sx, sy] = [[P], [Q], [P], [Q], [P, Q], [P], [Q], [P], [Q]].map((s) => k.tensor(s));
  const xb = k.tensor([B, P]);
  const yb = k.tensor([B, Q]);
  const moments = () => {
    c.f32().fill(0);
    for (let start = 0, seen = 0; start < N; start += B) {
      const n = Math.min(B, N - start);
      const [xv, yv] = n === B ? [xb, yb] : [xb.view(0, [n, P]), yb.view(0, [n, Q])];
      xv.f32().set(X.f32().subarray(start * P, (start + n) * P));
      yv.f32().set(Y.f32().subarray(start * Q, (start + n) * Q));
      columnMeanCenter(bx, xv);
      columnMeanCenter(by, yv);
      columnSumSquares(sx, xv);
      columnSumSquares(sy, yv);
      gemm(c, xv, yv, { transA: true, beta: 1 });
      comomentMerge(c, mx, my, bx, by, seen, n);
      momentsMerge(mx, m2x, bx, sx, seen, n);
      momentsMerge(my, m2y, by, sy, seen, n);
      seen += n;
    }
  };
  const gemmOnly = () => gemm(c, X, Y, { transA: true });
  const opts = { maxTime: quick ? 0.5 : 6, minSamples: quick ? 2 : 5 };
  const msGemm = await medianMs('gemm', gemmOnly, opts);
  const msMoments = await medianMs('moments', moments, opts);
  records.push({ suite: 'stats', kernel: 'correlation statistics', shape, system: `lopper gemm Xᵀ·Y [${k.build}]`, medianMs: msGemm, gflops: flops / msGemm / 1e6 });
  records.push({ suite: 'stats', kernel: 'correlation statistics', shape, system: `lopper streaming moments, batches of ${B} [${k.build}]`, medianMs: msMoments, gflops: flops / msMoments / 1e6, ofGemm: msGemm / msMoments });

  if (existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) {
    const dir = await mkdtemp(join(tmpdir(), 'lopper-bench-stats-'));
    try {
      await writeFile(join(dir, 'x.f32'), x);
      await writeFile(join(dir, 'y.f32'), y);
      const script = fileURLToPath(new URL('./baselines/numpy_moments.py', import.meta.url));
      const r = spawnSync(PYTHON, [script, '--x', join(dir, 'x.f32'), '--y', join(dir, 'y.f32'), '--n', `${N}`, '--p', `${P}`, '--q', `${Q}`, '--runs', quick ? '3' : '7'], {
        encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
      });
      if (r.status !== 0) throw new Error(`numpy baseline failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim()) as { medianMs: number; numpy: string };
      records.push({ suite: 'stats', kernel: 'correlation statistics', shape, system: `numpy ${out.numpy} (X − x̄)ᵀ(Y − ȳ), 1 thread`, medianMs: out.medianMs, gflops: flops / out.medianMs / 1e6 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } else console.log(`numpy baseline skipped: ${PYTHON} cannot import numpy (apt-get install python3-numpy)`);
  for (const t of [X, Y, mx, my, m2x, m2y, c, bx, by, sx, sy, xb, yb]) t.dispose();

  // The data pass: APoZ's zero counts and Taylor's Σ a·g for every conv of LeNet-5 in one pass.
  const train = await loadBuiltin('fashion-mnist', 'train');
  const data = quick ? train.subset({ end: 4096 }) : train;
  const model = new Model(new Graph(lenet5()), k, { seed: 1 });
  const groups = dependencyGroups(model.graph).filter((g) => g.prunable);
  // NOTE: Caffe's LeNet-5 has no ReLU after its convs, so APoZ reads fc1's ReLU only.
  const hooks = { ...apoz.hooks!(model, groups.filter((g) => activationOf(model.graph, g).relu)), ...taylor.hooks!(model, groups) };
  const passMs: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const pool = createNodePool({ workers });
    try {
      const pass = poolPass(pool);
      await pass.run(model, data, hooks, { indices: data.order().subarray(0, 256) }); // replicas loaded, data shared
      const times: number[] = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        const t = performance.now();
        await pass.run(model, data, hooks);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      passMs[workers] = times[times.length >> 1];
    } finally {
      await pool.terminate();
    }
    records.push({
      suite: 'stats', kernel: 'data pass (APoZ + Taylor, LeNet-5)', shape: `${data.size} images`, system: `${workers} worker${workers > 1 ? 's' : ''}`,
      medianMs: passMs[workers], ...(workers > 1 ? { speedup: passMs[1] / passMs[workers] } : {}),
    });
  }
  model.dispose();
  printTable(records, (r) => (r.kernel === 'correlation statistics' ? records[0] : records.find((b) => b.kernel === r.kernel && b.system === '1 worker')));
  return { records, versions: { wasm: k.build } };
}
