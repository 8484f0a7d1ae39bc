// Training throughput (images/s) of LeNet-5 and LeNet-300-100 with 1 and 2 workers, and the
// same models, batch size and optimiser in PyTorch (CPU, 1 and 2 threads) when Debian's
// python3-torch is installed (bench/baselines/install-torch.sh). The machine's speed drifts (other
// tenants), so the four systems are measured in alternating rounds — a 1-worker and a 2-worker
// pool stay alive throughout, PyTorch is started once per round and system — and each system's
// result is its median over the rounds; ratios are also taken round by round.

import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin } from '../src/node/data.js';
import { createNodePool } from '../src/node/workers.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5, lenet300100 } from '../src/nn/nets.js';
import type { Dataset } from '../src/nn/data/dataset.js';
import type { WorkerPool } from '../src/workers/pool.js';
import { trainParallel } from '../src/workers/train-parallel.js';
import type { BenchRecord } from './lib/measure.js';
import { runTorch, torchVersion } from './lib/torch.js';
import type { SuiteOptions } from './run.js';

const BATCH = 64;
const NETS = { 'lenet-5': lenet5, 'lenet-300-100': lenet300100 } as const;
type Net = keyof typeof NETS;
const OPTIMIZER = { kind: 'sgd', lr: 0.01, momentum: 0.9 } as const;

interface TrainRecord extends BenchRecord {
  model: string;
  workers?: number;
  threads?: number;
  batchSize: number;
  /** Median over the rounds. */
  imagesPerSecond: number;
  /** Each round's images/s, in round order. */
  rounds: number[];
}

/** A system under test: measures one round of `steps` batches of one model, in images/s. */
interface System {
  name: string;
  workers?: number;
  threads?: number;
  round(net: Net, steps: number, round: number): Promise<number> | number;
}

/** lopper on a pool kept alive for the whole bench, one model replica per net. */
function lopperSystem(pool: WorkerPool, models: Record<Net, Model>, data: Dataset): System {
  return {
    name: 'lopper-simd',
    workers: pool.size,
    async round(net, steps, round) {
      const part = data.subset({ end: steps * BATCH });
      const t = performance.now();
      await trainParallel(models[net], part, { pool, epochs: 1, batchSize: BATCH, optimizer: OPTIMIZER, seed: round });
      return part.size / ((performance.now() - t) / 1000);
    },
  };
}

/** PyTorch at `threads` threads, a fresh process per round (it warms up before timing). */
function torchSystem(threads: number, version: string): System {
  return {
    name: `pytorch ${version}`,
    threads,
    round(net, steps) {
      const [r] = runTorch<{ imagesPerSecond: number }>('torch_train.py', threads, ['--batch', String(BATCH), '--steps', String(steps), '--repeats', '1', '--models', net]);
      return r.imagesPerSecond;
    },
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const steps = quick ? 8 : 150;
  const rounds = quick ? 1 : 7;
  const data = (await loadBuiltin('fashion-mnist', 'train')).subset({ end: BATCH * steps });
  const pools = [createNodePool({ workers: 1 }), createNodePool({ workers: 2 })];
  const models = pools.map(() => Object.fromEntries(Object.entries(NETS).map(([name, net]) => [name, new Model(new Graph(net()), k, { seed: 1 })])) as Record<Net, Model>);
  const version = torchVersion();
  const lopper = pools.map((pool, i) => lopperSystem(pool, models[i], data));
  const systems: System[] = [...lopper, ...(version ? [torchSystem(1, version), torchSystem(2, version)] : [])];
  const rates = new Map<System, Record<Net, number[]>>(systems.map((s) => [s, { 'lenet-5': [], 'lenet-300-100': [] }]));
  try {
    for (const s of lopper) for (const net of Object.keys(NETS) as Net[]) await s.round(net, 4, 0); // warm-up
    for (let r = 0; r < rounds; r++) {
      // Alternate the order too, so that no system always runs right after another.
      const order = r % 2 === 0 ? systems : [...systems].reverse();
      for (const net of Object.keys(NETS) as Net[]) {
        for (const s of order) rates.get(s)![net].push(await s.round(net, steps, r));
      }
      const line = systems.map((s) => `${s.workers ? `${s.workers}w` : `torch ${s.threads}t`} ${rates.get(s)!['lenet-5'][r].toFixed(0)}`).join(', ');
      console.log(`round ${r + 1}/${rounds}, lenet-5 images/s: ${line}`);
    }
  } finally {
    await Promise.all(pools.map((p) => p.terminate()));
    for (const m of models) for (const model of Object.values(m)) model.dispose();
  }

  const records: TrainRecord[] = [];
  for (const net of Object.keys(NETS) as Net[]) {
    for (const s of systems) {
      const perRound = rates.get(s)![net];
      const imagesPerSecond = median(perRound);
      records.push({
        suite: 'train', kernel: 'train step', shape: `${net}, batch ${BATCH}`, system: s.name, model: net, batchSize: BATCH,
        imagesPerSecond, medianMs: (1000 * BATCH) / imagesPerSecond, rounds: perRound,
        ...(s.workers ? { workers: s.workers } : { threads: s.threads }),
      });
    }
  }

  console.log(`\nmedians over ${rounds} round${rounds > 1 ? 's' : ''} of ${steps} batches:`);
  console.log('model           system               workers/threads  images/s');
  for (const r of records) {
    console.log(`${r.model.padEnd(15)} ${r.system.padEnd(20)} ${String(r.workers ?? r.threads).padStart(15)}  ${r.imagesPerSecond.toFixed(0).padStart(8)}`);
  }
  console.log('\nratios the issue sets bars for: of the medians [median of the per-round ratios, each round against its own best PyTorch]');
  const [one, two] = lopper;
  const torches = systems.filter((s) => s.threads !== undefined);
  for (const net of Object.keys(NETS) as Net[]) {
    const of = (s: System) => rates.get(s)![net];
    const paired = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i])).toFixed(2);
    const line = [`2 workers / 1 worker ${(median(of(two)) / median(of(one))).toFixed(2)}× [${paired(of(two), of(one))}×]`];
    if (torches.length > 0) {
      const best = [...torches].sort((a, b) => median(of(b)) - median(of(a)))[0];
      const bestPerRound = of(two).map((_, i) => Math.max(...torches.map((s) => of(s)[i])));
      line.push(`2 workers / PyTorch's best (${best.threads} thread${best.threads === 1 ? '' : 's'}) ${(median(of(two)) / median(of(best))).toFixed(2)}× [${paired(of(two), bestPerRound)}×]`);
    }
    console.log(`  ${net}: ${line.join(', ')}`);
  }
  return { records, versions: { ...(version ? { torch: version } : {}) } };
}
