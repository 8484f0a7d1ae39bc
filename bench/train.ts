// Training throughput (images/s) of LeNet-5 and LeNet-300-100 with 1 and 2 workers, and the
// same models, batch size and optimiser in PyTorch (CPU) when Debian's python3-torch is installed
// (bench/baselines/install-torch.sh). All in one run, so the ratios compare like with like.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin } from '../src/node/data.js';
import { withNodePool } from '../src/node/workers.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5, lenet300100 } from '../src/nn/nets.js';
import { trainParallel } from '../src/workers/train-parallel.js';
import type { BenchRecord } from './lib/measure.js';
import type { SuiteOptions } from './run.js';

const BATCH = 64;
const NETS = { 'lenet-5': lenet5, 'lenet-300-100': lenet300100 } as const;

interface TrainRecord extends BenchRecord {
  model: string;
  workers?: number;
  threads?: number;
  batchSize: number;
  imagesPerSecond: number;
}

function record(model: string, system: string, imagesPerSecond: number, extra: { workers?: number; threads?: number }): TrainRecord {
  return {
    suite: 'train', kernel: 'train step', shape: `${model}, batch ${BATCH}`, system, model, batchSize: BATCH,
    imagesPerSecond, medianMs: (1000 * BATCH) / imagesPerSecond, ...extra,
  };
}

/** PyTorch's images/s per model at 1 and 2 threads, or nothing when torch is not installed. */
function pytorch(quick: boolean): TrainRecord[] {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import torch']).status !== 0) {
    console.log('PyTorch baseline skipped: /usr/bin/python3 cannot import torch (bench/baselines/install-torch.sh installs it)');
    return [];
  }
  const script = fileURLToPath(new URL('./baselines/torch_train.py', import.meta.url));
  const out: TrainRecord[] = [];
  for (const threads of [1, 2]) {
    const r = spawnSync(python, [script, '--threads', String(threads), '--batch', String(BATCH), '--steps', quick ? '20' : '150', '--repeats', quick ? '1' : '5'], {
      encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
    });
    if (r.status !== 0) throw new Error(`PyTorch baseline failed: ${r.stderr}`);
    for (const line of r.stdout.trim().split('\n')) {
      const j = JSON.parse(line) as { model: string; imagesPerSecond: number; torch: string };
      out.push({ ...record(j.model, `pytorch ${j.torch}`, j.imagesPerSecond, { threads }) });
    }
  }
  return out;
}

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const data = (await loadBuiltin('fashion-mnist', 'train')).subset({ end: quick ? BATCH * 8 : BATCH * 150 });
  const records: TrainRecord[] = [];
  for (const workers of [1, 2]) {
    await withNodePool({ workers }, async (pool) => {
      for (const [name, net] of Object.entries(NETS)) {
        const model = new Model(new Graph(net()), k, { seed: 1 });
        const options = { pool, batchSize: BATCH, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } as const };
        await trainParallel(model, data.subset({ end: BATCH * 4 }), { ...options, epochs: 1 }); // warm-up
        const rates: number[] = [];
        for (let r = 0; r < (quick ? 1 : 3); r++) {
          const t = performance.now();
          await trainParallel(model, data, { ...options, epochs: 1, seed: r });
          rates.push(data.size / ((performance.now() - t) / 1000));
        }
        rates.sort((a, b) => a - b);
        records.push(record(name, 'lopper-simd', rates[rates.length >> 1], { workers }));
        model.dispose();
      }
    });
  }
  records.push(...pytorch(quick));

  console.log('model           system               workers/threads  images/s');
  for (const r of records) {
    console.log(`${r.model.padEnd(15)} ${r.system.padEnd(20)} ${String(r.workers ?? r.threads).padStart(15)}  ${r.imagesPerSecond.toFixed(0).padStart(8)}`);
  }
  console.log('\nratios the issue sets bars for:');
  for (const model of Object.keys(NETS)) {
    const ours = (w: number) => records.find((r) => r.model === model && r.system === 'lopper-simd' && r.workers === w)!;
    const torch = records.filter((r) => r.model === model && r.system.startsWith('pytorch')).sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
    const line = [`2 workers / 1 worker ${(ours(2).imagesPerSecond / ours(1).imagesPerSecond).toFixed(2)}×`];
    if (torch) line.push(`2 workers / PyTorch's best (${torch.threads} thread${torch.threads === 1 ? '' : 's'}) ${(ours(2).imagesPerSecond / torch.imagesPerSecond).toFixed(2)}×`);
    console.log(`  ${model}: ${line.join(', ')}`);
  }
  const torchVersion = records.find((r) => r.system.startsWith('pytorch'))?.system.slice('pytorch '.length);
  return { records, versions: { ...(torchVersion ? { torch: torchVersion } : {}) } };
}
