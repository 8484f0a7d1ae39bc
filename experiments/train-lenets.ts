// Trains the reference LeNets on Fashion-MNIST with lopper's engine, prints a table, writes
// experiments/results/train-lenets.json and saves the models to experiments/models/ for the
// pruning experiments.
//   node --import tsx experiments/train-lenets.ts [--epochs N] [--workers N] [--seed N] [--quick]

import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5, lenet300100 } from '../src/nn/nets.js';
import { trainParallel, evaluateParallel } from '../src/workers/train-parallel.js';
import { saveModel } from '../src/io/native.js';
import type { OptimizerOptions } from '../src/nn/optim/optimizer.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const seed = flag('seed', 1);
const workers = flag('workers', defaultWorkerCount());

interface Recipe {
  name: string;
  net: typeof lenet5;
  epochs: number;
  optimizer: OptimizerOptions;
}

const recipes: Recipe[] = [
  { name: 'lenet-300-100', net: lenet300100, epochs: flag('epochs', 20), optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 } },
  { name: 'lenet-5', net: lenet5, epochs: flag('epochs', 20), optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 } },
];

const k = await loadNodeKernels();
let train = await loadBuiltin('fashion-mnist', 'train');
let test = await loadBuiltin('fashion-mnist', 'test');
if (quick) {
  train = train.subset({ end: 2000 });
  test = test.subset({ end: 1000 });
}
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const rows: Record<string, unknown>[] = [];

await withNodePool({ workers }, async (pool) => {
  for (const r of recipes) {
    const epochs = quick ? 1 : r.epochs;
    const model = new Model(new Graph(r.net()), k, { seed });
    const started = performance.now();
    const history = await trainParallel(model, train, {
      pool, epochs, batchSize: 64, seed, optimizer: r.optimizer,
      schedule: { kind: 'cosine', epochs }, test,
      onEpoch: (e) => console.log(`${r.name} epoch ${e.epoch + 1}/${epochs}: loss ${e.loss.toFixed(4)}, ` +
        `train ${(100 * e.trainAccuracy).toFixed(2)}%, test ${(100 * e.testAccuracy!).toFixed(2)}%, ${e.seconds.toFixed(1)} s`),
    });
    const seconds = (performance.now() - started) / 1000;
    const final = await evaluateParallel(model, test, { pool });
    const row = {
      model: r.name, dataset: 'fashion-mnist', epochs, batchSize: 64, optimizer: r.optimizer, schedule: 'cosine',
      workers, params: model.graph.paramCount(), flops: model.graph.flops(),
      testAccuracy: final.accuracy, seconds, history,
    };
    rows.push(row);
    if (!quick) await writeAtomic(`experiments/models/${r.name}.fashion-mnist.lopm`, saveModel(model, { seed, epochs, testAccuracy: final.accuracy }));
    model.dispose();
  }
});

console.log('\nmodel            params   MFLOPs  epochs  test acc  seconds');
for (const r of rows as { model: string; params: number; flops: number; epochs: number; testAccuracy: number; seconds: number }[]) {
  console.log(`${r.model.padEnd(15)} ${String(r.params).padStart(7)}  ${(r.flops / 1e6).toFixed(2).padStart(6)}  ${String(r.epochs).padStart(6)}  ` +
    `${(100 * r.testAccuracy).toFixed(2).padStart(7)}%  ${r.seconds.toFixed(0).padStart(7)}`);
}
const out = `experiments/results/train-lenets${quick ? '-quick' : ''}.json`;
await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
  experiment: 'train-lenets', date: new Date().toISOString(), seed, quick, workers,
  versions: { lopper: pkg.version, node: process.version }, results: rows,
}, null, 2) + '\n'));
console.log(`wrote ${out}`);
