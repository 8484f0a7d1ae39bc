// Han et al. 2015 reproduced at MNIST scale: LeNet-300-100 and LeNet-5 on Fashion-MNIST and
// MNIST-10k, pruned to ≥ 92% sparsity with retraining, against a dense model trained for the
// same total number of epochs. Prints a table, writes experiments/results/han.json.
//   node --import tsx experiments/han.ts [--workers N] [--seed N] [--quick] [--only lenet-5/fashion-mnist]
//     [--recipe '{HanSettings JSON}'] (over each case's settings in experiments/lib/han-cases.ts)
//     [--cache DIR] (reuses dense models kept by experiments/han-seeds.ts --cache)

import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { trainParallel, evaluateParallel } from '../src/workers/train-parallel.js';
import { pipelineEpochs, runHan, type HanSettings, type Runner } from '../src/pipeline/han.js';
import { sparsity, nonzeroParams } from '../src/prune/masks.js';
import { HAN_CASES, caseSettings, denseTrainer, flag as argFlag, startSchedule } from './lib/han-cases.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => argFlag(args, name, fallback);
const quick = args.includes('--quick');
const seed = Number(flag('seed', '1'));
const workers = Number(flag('workers', String(defaultWorkerCount())));
const only = flag('only', '');
const overrides = JSON.parse(flag('recipe', '{}')) as Partial<HanSettings>;
const cache = flag('cache', '');

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
    const settings: HanSettings = { ...caseSettings(c, quick), ...overrides, seed };
    const trainDense = denseTrainer(c, k, runner, train, { cache, workers, quick });
    const pruneEpochs = pipelineEpochs(settings);
    const label = `${c.net} / ${c.data}`;
    const log = (msg: string) => console.log(`${label}: ${msg}`);

    // The pruned model: dense training, then the pipeline.
    const model = await trainDense(seed, denseEpochs, startSchedule(settings, denseEpochs));
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
    const dense = await trainDense(seed, sameEpochs);
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
  experiment: 'han', date: new Date().toISOString(), command: `node --import tsx experiments/han.ts ${args.map((a) => (/^[\w.,/=-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`, seed, quick, workers, versions: { lopper: pkg.version, node: process.version }, results: rows,
}, null, 2) + '\n'));
console.log(`wrote ${out}`);
