// ThiNet (Luo et al. 2017) against L1-norm and random filter choice at equal FLOPs: the trained
// LeNet-5 of experiments/models on Fashion-MNIST, conv1 and conv2 pruned by the same share for a
// 2× and a 3× FLOPs reduction, test accuracy before fine-tuning and after a short one. Criteria:
// thinet (greedy + least squares), thinet-nols, l1, random. Prints a table (mean ± SE over seeds)
// and writes experiments/results/thinet.json after every run.
//   node --import tsx experiments/thinet.ts [--seeds 1,2,3] [--targets 2,3] [--finetune-epochs 1]
//     [--samples 10000] [--quick]

import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { loadModel } from '../src/io/native.js';
import { evaluate, train } from '../src/nn/train.js';
import { pruneFilters } from '../src/prune/filters.js';
import { l1Scores } from '../src/prune/criteria/norms.js';
import { thinetPrune } from '../src/prune/thinet/prune.js';
import { ratioForFlops } from '../src/prune/flops-target.js';
import { dependencyGroups } from '../src/graph/dependency.js';
import { Rng } from '../src/nn/random.js';
import type { Model } from '../src/nn/model.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const seeds = flag('seeds', '1').split(',').map(Number);
const targets = flag('targets', '2,3').split(',').map(Number);
const fineTuneEpochs = Number(flag('finetune-epochs', '1'));
const samples = Number(flag('samples', quick ? '1000' : '10000'));
const CRITERIA = ['thinet', 'thinet-nols', 'l1', 'random'] as const;
type Criterion = (typeof CRITERIA)[number];

const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const modelFile = 'experiments/models/lenet-5.fashion-mnist.lopm';
const bytes = new Uint8Array(await readFile(modelFile));
const load = () => loadModel(bytes, k, modelFile).model;
let trainSet = await loadBuiltin('fashion-mnist', 'train');
let testSet = await loadBuiltin('fashion-mnist', 'test');
if (quick) { trainSet = trainSet.subset({ end: 2000 }); testSet = testSet.subset({ end: 500 }); }

const dense = load();
const denseFlops = dense.graph.flops();
const denseAccuracy = evaluate(dense, testSet).accuracy;
console.log(`lenet-5 / fashion-mnist dense: ${(100 * denseAccuracy).toFixed(2)}%, ${(denseFlops / 1e6).toFixed(2)} MFLOPs`);

// One share of conv1's and conv2's filters for each FLOPs target, the same for every criterion.
const convs = dependencyGroups(dense.graph).filter((g) => g.prunable && g.producers.every((p) => dense.graph.node(p).layer.op === 'Conv2d'));

async function prune(criterion: Criterion, ratio: number, seed: number): Promise<Model> {
  if (criterion === 'thinet' || criterion === 'thinet-nols') {
    return (await thinetPrune(dense, trainSet, { ratio, samples, seed, leastSquares: criterion === 'thinet' })).model;
  }
  const rng = new Rng(seed);
  const score = criterion === 'l1' ? l1Scores : (_m: Model, g: { units: number }) => Float64Array.from({ length: g.units }, () => rng.next());
  return pruneFilters(dense, { ratio, score }).model;
}

const records: Record<string, unknown>[] = [];
const out = `experiments/results/thinet${quick ? '-quick' : ''}.json`;
const save = () => writeAtomic(out, new TextEncoder().encode(JSON.stringify({
  experiment: 'thinet', date: new Date().toISOString(), command: `node --import tsx experiments/thinet.ts ${args.join(' ')}`.trim(),
  seeds, quick, model: 'lenet-5', modelFile, dataset: 'fashion-mnist', samples, fineTuneEpochs,
  fineTune: { batchSize: 64, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } },
  denseAccuracy, denseFlops, versions: { lopper: pkg.version, node: process.version, wasm: k.build }, records,
}, null, 2) + '\n'));

for (const target of targets) {
  const { ratio, flops } = ratioForFlops(dense, convs, target);
  console.log(`\ntarget ${target}× FLOPs: ${ratio.toFixed(3)} of conv1's and conv2's filters → ${(denseFlops / flops).toFixed(2)}×`);
  for (const seed of seeds) {
    for (const criterion of CRITERIA) {
      const started = performance.now();
      const model = await prune(criterion, ratio, seed);
      const accuracyBefore = evaluate(model, testSet).accuracy;
      let accuracyAfter: number | undefined;
      if (fineTuneEpochs > 0) {
        await train(model, trainSet, { epochs: fineTuneEpochs, batchSize: 64, seed, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } });
        accuracyAfter = evaluate(model, testSet).accuracy;
      }
      records.push({
        model: 'lenet-5', dataset: 'fashion-mnist', seed, criterion, flopsTarget: target, ratio,
        flops: model.graph.flops(), flopsReduction: denseFlops / model.graph.flops(), params: model.graph.paramCount(),
        accuracyBefore, accuracyAfter, seconds: (performance.now() - started) / 1000,
      });
      console.log(`  seed ${seed} ${criterion.padEnd(11)} before ${(100 * accuracyBefore).toFixed(2)}%` +
        (accuracyAfter === undefined ? '' : `, after ${fineTuneEpochs} epoch(s) ${(100 * accuracyAfter).toFixed(2)}%`));
      model.dispose();
      await save();
    }
  }
}

// mean ± standard error over seeds.
const stat = (v: number[]) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const se = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length) : NaN;
  return `${(100 * mean).toFixed(2)}${Number.isNaN(se) ? '' : ` ± ${(100 * se).toFixed(2)}`}`;
};
console.log(`\ntest accuracy %, mean ± SE over ${seeds.length} seed(s); dense ${(100 * denseAccuracy).toFixed(2)}%`);
console.log(`target  criterion    before fine-tuning   after ${fineTuneEpochs} epoch(s)`);
for (const target of targets) {
  for (const criterion of CRITERIA) {
    const rs = records.filter((r) => r.flopsTarget === target && r.criterion === criterion);
    const after = rs.map((r) => r.accuracyAfter as number | undefined).filter((a): a is number => a !== undefined);
    console.log(`${`${target}×`.padEnd(7)} ${criterion.padEnd(12)} ${stat(rs.map((r) => r.accuracyBefore as number)).padEnd(20)} ${after.length ? stat(after) : '–'}`);
  }
}
console.log(`\nwrote ${out}`);
