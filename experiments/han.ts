// Han et al. 2015 reproduced at MNIST scale: LeNet-300-100 and LeNet-5 on Fashion-MNIST and
// MNIST-10k, pruned to ≥ 92% sparsity with retraining, against a dense model trained for the
// same total number of epochs. Prints a table, writes experiments/results/han.json.
//   node --import tsx experiments/han.ts [--workers N] [--seed N] [--quick] [--only lenet-5/fashion-mnist]
//     [--schedule iterative|agp] [--steps N] [--retrain-epochs N] [--final-epochs N] [--l1-epochs N]
//     [--lr X] [--weight-decay X] (retraining) [--sparsity X] [--layer-sparsity fc1=0.92,fc2=0.9]

import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { trainParallel, evaluateParallel } from '../src/workers/train-parallel.js';
import { runHan, HAN_DEFAULTS, type HanSettings, type Runner } from '../src/pipeline/han.js';
import { sparsity, nonzeroParams } from '../src/prune/masks.js';
import { HAN_CASES, HAN_NETS, flag as argFlag, pruneEpochs as epochsOfPipeline } from './lib/han-cases.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => argFlag(args, name, fallback);
const quick = args.includes('--quick');
const seed = Number(flag('seed', '1'));
const workers = Number(flag('workers', String(defaultWorkerCount())));
const only = flag('only', '');
const schedule = flag('schedule', 'iterative') as 'iterative' | 'agp';
const steps = Number(flag('steps', '3'));
const retrainEpochs = Number(flag('retrain-epochs', '3'));
const lr = Number(flag('lr', '0'));
const l1Epochs = Number(flag('l1-epochs', '2'));
const finalEpochs = Number(flag('final-epochs', String(retrainEpochs)));
const target = Number(flag('sparsity', '0.925'));
const weightDecay = Number(flag('weight-decay', '0'));
const layerSparsity = flag('layer-sparsity', '') ? Object.fromEntries(flag('layer-sparsity', '').split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)])) : undefined;

const cases = HAN_CASES.filter((c) => !only || `${c.net}/${c.data}` === only);

const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const rows: Record<string, unknown>[] = [];

await withNodePool({ workers }, async (pool) => {
  const runner: Runner = {
    train: (model, data, options) => trainParallel(model, data, { ...options, pool }),
    evaluate: (model, data) => evaluateParallel(model, data, { pool }),
  };
  for (const c of cases) {
    let train = await loadBuiltin(c.data, 'train');
    let test = await loadBuiltin(c.data, 'test');
    if (quick) { train = train.subset({ end: 2000 }); test = test.subset({ end: 500 }); }
    const denseEpochs = quick ? 1 : c.denseEpochs;
    const settings: HanSettings = {
      ...HAN_DEFAULTS, sparsity: target, scope: 'global', schedule: { kind: schedule, steps },
      retrainEpochs: quick ? 1 : retrainEpochs, finalEpochs: quick ? 1 : finalEpochs, l1Epochs: quick ? 0 : l1Epochs, l1: 1e-5, batchSize: 64, seed, ...c.han,
      ...(lr ? { lr } : {}), ...(weightDecay ? { weightDecay } : {}), ...(layerSparsity ? { layerSparsity } : {}),
    };
    const pruneEpochs = epochsOfPipeline(settings);
    const label = `${c.net} / ${c.data}`;
    const log = (msg: string) => console.log(`${label}: ${msg}`);

    // The pruned model: dense training, then the pipeline.
    const model = new Model(new Graph(HAN_NETS[c.net]()), k, { seed });
    await runner.train(model, train, { epochs: denseEpochs, batchSize: 64, seed, optimizer: c.optimizer, schedule: { kind: 'cosine', epochs: denseEpochs } });
    const denseAccuracy = (await runner.evaluate(model, test)).accuracy;
    log(`dense after ${denseEpochs} epochs: ${(100 * denseAccuracy).toFixed(2)}%`);
    const started = performance.now();
    const { model: pruned, history } = await runHan(model, {
      train, test, settings, runner, modelName: c.net, datasetName: c.data, versions: { lopper: pkg.version },
      onStep: (s, stage) => log(`${stage}: sparsity ${(100 * s.sparsity).toFixed(1)}%, accuracy ${(100 * s.accuracy).toFixed(2)}%`),
    });
    const seconds = (performance.now() - started) / 1000;

    // The fair baseline: a dense model trained for as many epochs in total.
    const sameEpochs = denseEpochs + pruneEpochs;
    const dense = new Model(new Graph(HAN_NETS[c.net]()), k, { seed });
    await runner.train(dense, train, { epochs: sameEpochs, batchSize: 64, seed, optimizer: c.optimizer, schedule: { kind: 'cosine', epochs: sameEpochs } });
    const sameEpochsAccuracy = (await runner.evaluate(dense, test)).accuracy;
    log(`dense after ${sameEpochs} epochs: ${(100 * sameEpochsAccuracy).toFixed(2)}%`);

    const final = history.steps[history.steps.length - 1];
    const s = sparsity(pruned);
    const totalParams = dense.params.size;
    const kept = nonzeroParams(pruned);
    rows.push({
      model: c.net, dataset: c.data, settings, denseEpochs, pruneEpochs, seconds,
      keptPerLayer: Object.fromEntries(Object.entries(s.layers).map(([n, l]) => [n, (l.weights - l.zeros) / dense.params.entry(n, 'weight').size])),
      params: totalParams, nonzeroParams: kept, compression: totalParams / kept,
      denseAccuracy, sameEpochsDenseAccuracy: sameEpochsAccuracy, prunedAccuracy: final.accuracy,
      history,
    });
    pruned.dispose();
    dense.dispose();
  }
});

console.log('\nmodel / data                   kept per layer                      kept   ×      dense(same ep.)  pruned');
for (const r of rows as { model: string; dataset: string; keptPerLayer: Record<string, number>; nonzeroParams: number; params: number; compression: number; sameEpochsDenseAccuracy: number; prunedAccuracy: number }[]) {
  const layers = Object.entries(r.keptPerLayer).map(([n, v]) => `${n} ${(100 * v).toFixed(1)}%`).join(', ');
  console.log(`${`${r.model} / ${r.dataset}`.padEnd(30)} ${layers.padEnd(35)} ${(100 * r.nonzeroParams / r.params).toFixed(1).padStart(4)}%  ${r.compression.toFixed(1).padStart(5)}  ` +
    `${(100 * r.sameEpochsDenseAccuracy).toFixed(2).padStart(6)}%          ${(100 * r.prunedAccuracy).toFixed(2)}%`);
}
const out = `experiments/results/han${quick ? '-quick' : only ? `-${only.replace('/', '-')}` : ''}.json`;
await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
  experiment: 'han', date: new Date().toISOString(), seed, quick, workers, versions: { lopper: pkg.version, node: process.version }, results: rows,
}, null, 2) + '\n'));
console.log(`wrote ${out}`);
