// ThiNet (Luo et al. 2017) against L1-norm, APoZ, Taylor and random filter choice at equal FLOPs
// on Fashion-MNIST: the VGG-style net and the residual net (src/nn/nets.ts; dense models trained
// once and cached in experiments/models/thinet/), every conv group pruned by the one share that
// gives a 2× and a 3× FLOPs reduction, test accuracy right after removal and after a brief
// fine-tune. ThiNet removes layer by layer in graph order, each layer sampled on the net pruned so
// far, without fine-tuning between layers (the fine-tune comes once, at the end, as for the
// others). Records as in criteria.json, `criterion` one of thinet, thinet-nols, l1, apoz, taylor,
// random; written to --out after every run.
//   node --import tsx experiments/thinet.ts [--models vgg-small,resnet-small] [--criteria …]
//     [--targets 2,3] [--seeds 1,2,3] [--samples 4000] [--pass-samples 1000] [--train-limit 20000]
//     [--dense-epochs 4] [--finetune-epochs 1] [--finetune-limit 2000] [--test-limit 2000]
//     [--workers 2] [--out experiments/results/thinet-part.json]
//   node --import tsx experiments/thinet.ts --table [experiments/results/thinet.json]
// --table only reads and prints (mean ± SE per model, target and criterion, and the issue's bars).
// The parts are merged into thinet.json by experiments/criteria-merge.ts --experiment thinet.
import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { resnetSmall, vggSmall } from '../src/nn/nets.js';
import { dependencyGroups } from '../src/graph/dependency.js';
import { pruneFilters } from '../src/prune/filters.js';
import { criterion as unitCriterion } from '../src/prune/criteria/index.js';
import { thinetPrune } from '../src/prune/thinet/prune.js';
import { ratioForFlops } from '../src/prune/flops-target.js';
import { createRunner, type Runner } from '../src/pipeline/runner.js';
import { defaultFilterLayers } from '../src/pipeline/structured.js';
import { command, denseModel, flag as argFlag, mean, se, versions, writeRecords } from './lib/criteria-runs.js';
import type { Model } from '../src/nn/model.js';
import type { Dataset } from '../src/nn/data/dataset.js';
import { Rng } from '../src/nn/random.js';

const args = process.argv.slice(2);
const CRITERIA = ['thinet', 'thinet-nols', 'l1', 'apoz', 'taylor', 'random'] as const;
type Criterion = (typeof CRITERIA)[number];

if (args.includes('--table')) {
  const at = args.indexOf('--table');
  const file = args[at + 1] && !args[at + 1].startsWith('--') ? args[at + 1] : 'experiments/results/thinet.json';
  printTable(JSON.parse(await readFile(file, 'utf8')).records);
  process.exit(0);
}

const flag = (name: string, fallback: string) => argFlag(args, name, fallback);
const list = (name: string, fallback: string) => flag(name, fallback).split(',').filter(Boolean);
const models = list('models', 'vgg-small,resnet-small');
const criteria = list('criteria', CRITERIA.join(',')) as Criterion[];
for (const c of criteria) if (!(CRITERIA as readonly string[]).includes(c)) throw new Error(`--criteria: unknown '${c}' (known: ${CRITERIA.join(', ')})`);
const targets = list('targets', '2,3').map(Number);
const seeds = list('seeds', '1,2,3').map(Number);
const samples = Number(flag('samples', '4000'));
const passSamples = Number(flag('pass-samples', '1000'));
const trainLimit = Number(flag('train-limit', '20000'));
const denseEpochs = Number(flag('dense-epochs', '4'));
const finetuneEpochs = Number(flag('finetune-epochs', '1'));
const finetuneLimit = Number(flag('finetune-limit', '2000'));
const testLimit = Number(flag('test-limit', '2000'));
const workers = Number(flag('workers', String(defaultWorkerCount())));
const out = flag('out', `experiments/results/thinet-${models.join('-')}.json`);
const NETS = { 'vgg-small': vggSmall, 'resnet-small': resnetSmall } as const;
for (const m of models) if (!(m in NETS)) throw new Error(`--models: unknown model '${m}' (known: ${Object.keys(NETS).join(', ')})`);
const FINETUNE = { batchSize: 64, optimizer: { kind: 'sgd' as const, lr: 0.01, momentum: 0.9, weightDecay: 5e-4 } };

const k = await loadNodeKernels();
const full = await loadBuiltin('fashion-mnist', 'train');
const train = full.subset(new Rng(7).shuffle(full.order()).slice(0, trainLimit), `fashion-mnist-${trainLimit}`);
// The brief fine-tune's samples and the test subset: seeded, the same for every criterion and seed.
const tune = train.subset(new Rng(11).shuffle(train.order()).slice(0, finetuneLimit), `fashion-mnist-${trainLimit}-tune${finetuneLimit}`);
const testAll = await loadBuiltin('fashion-mnist', 'test');
const test = testLimit > 0 && testLimit < testAll.size ? testAll.subset(new Rng(13).shuffle(testAll.order()).slice(0, testLimit), `fashion-mnist-test${testLimit}`) : testAll;
const head = {
  experiment: 'thinet', command: command('experiments/thinet.ts', args), versions: await versions(k),
  settings: {
    models, criteria, targets, seeds, samples, images: Math.ceil(samples / 10), passSamples, trainLimit, denseEpochs, denseSeed: 1,
    finetuneEpochs, finetuneLimit, testSamples: test.size, workers, fineTune: FINETUNE,
  },
};
const records: Record<string, unknown>[] = [];
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

/** The pruned model of `criterion` at `ratio` of every layer in `layers`; `dense` is left as it was. */
async function prune(runner: Runner, dense: Model, criterion: Criterion, layers: string[], ratio: number, seed: number): Promise<Model> {
  if (criterion === 'thinet' || criterion === 'thinet-nols') {
    return (await thinetPrune(dense, train, { ratio, layers, samples, seed, leastSquares: criterion === 'thinet' })).model;
  }
  const c = unitCriterion(criterion, seed);
  const groups = dependencyGroups(dense.graph).filter((g) => layers.some((l) => g.producers.includes(l)));
  const hooks = c.hooks?.(dense, groups) ?? {};
  const indices = new Rng(seed ^ 0x51ed).shuffle(train.order()).slice(0, passSamples);
  const stats = Object.keys(hooks).length ? await runner.pass!.run(dense, train, hooks, { indices }) : {};
  return pruneFilters(dense, { ratio, layers, criterion: c, stats }).model;
}

await withNodePool({ workers }, async (pool) => {
  const runner = createRunner({ pool });
  for (const name of models) {
    const dense = await denseModel(k, runner, train, { name, net: NETS[name as keyof typeof NETS], seed: 1, epochs: denseEpochs, lr: 0.05, cache: 'experiments/models/thinet', log: (m) => log(`${name}: ${m}`) });
    const denseAccuracy = (await runner.evaluate(dense, test)).accuracy;
    const denseFlops = dense.graph.flops();
    const layers = defaultFilterLayers(dense.graph);
    const groups = dependencyGroups(dense.graph).filter((g) => layers.some((l) => g.producers.includes(l)));
    log(`${name}: dense ${(100 * denseAccuracy).toFixed(2)}% on ${test.size} test images, ${(denseFlops / 1e6).toFixed(2)} MFLOPs; layers ${layers.join(', ')}`);
    for (const target of targets) {
      const { ratio } = ratioForFlops(dense, groups, target);
      for (const seed of seeds) {
        for (const criterion of criteria) {
          const started = performance.now();
          const model = await prune(runner, dense, criterion, layers, ratio, seed);
          const accuracyPruned = (await runner.evaluate(model, test)).accuracy;
          await runner.train(model, tune, { epochs: finetuneEpochs, seed, ...FINETUNE });
          const accuracyFinetuned = (await runner.evaluate(model, test)).accuracy;
          records.push({
            model: name, dataset: 'fashion-mnist', criterion, flopsReduction: denseFlops / model.graph.flops(), targetReduction: target, ratio, seed,
            accuracyPruned, accuracyFinetuned, denseAccuracy, params: model.graph.paramCount(), flops: model.graph.flops(),
            denseParams: dense.graph.paramCount(), denseFlops, finetuneEpochs, seconds: (performance.now() - started) / 1000,
          });
          log(`${name} ${target}× seed ${seed} ${criterion}: pruned ${(100 * accuracyPruned).toFixed(2)}%, fine-tuned ${(100 * accuracyFinetuned).toFixed(2)}% (${((performance.now() - started) / 1000).toFixed(0)} s)`);
          model.dispose();
          await writeRecords(out, head, records);
        }
      }
    }
    dense.dispose();
  }
});
printTable(records);
console.log(`wrote ${out}`);

type Row = { model: string; criterion: string; targetReduction: number; flopsReduction: number; accuracyPruned: number; accuracyFinetuned?: number; skipped?: string };

/** mean ± SE over seeds per (model, target, criterion), then the bars: ThiNet against L1 and random, and least squares, before fine-tuning. */
function printTable(all: Record<string, unknown>[]): void {
  const rows = (all as unknown as Row[]).filter((r) => !r.skipped);
  const pct = (v: number[]) => (v.length ? `${(100 * mean(v)).toFixed(2)} ± ${(100 * se(v)).toFixed(2)}` : '–');
  const pick = (model: string, target: number, criterion: string) => rows.filter((r) => r.model === model && r.targetReduction === target && r.criterion === criterion);
  console.log('\nmodel         target  FLOPs  criterion     pruned (mean ± SE)  fine-tuned (mean ± SE)  seeds');
  const keys = [...new Set(rows.map((r) => `${r.model}|${r.targetReduction}`))];
  for (const key of keys) {
    const [model, t] = key.split('|');
    for (const c of CRITERIA) {
      const rs = pick(model, Number(t), c);
      if (!rs.length) continue;
      const tuned = rs.map((r) => r.accuracyFinetuned).filter((a): a is number => a !== undefined);
      console.log(`${model.padEnd(13)} ${`${t}×`.padEnd(7)} ${mean(rs.map((r) => r.flopsReduction)).toFixed(2)}×  ${c.padEnd(12)}  ${pct(rs.map((r) => r.accuracyPruned)).padEnd(18)}  ${pct(tuned).padEnd(22)}  ${rs.length}`);
    }
  }
  console.log('\nbars, before fine-tuning (accuracy points, mean ± SE of the per-seed difference):');
  for (const key of keys) {
    const [model, t] = key.split('|');
    const diff = (a: string, b: string) => {
      const x = pick(model, Number(t), a), y = pick(model, Number(t), b);
      const d = x.flatMap((r) => { const o = y.find((s) => (s as unknown as { seed: number }).seed === (r as unknown as { seed: number }).seed); return o ? [r.accuracyPruned - o.accuracyPruned] : []; });
      return d.length ? `${(100 * mean(d)) >= 0 ? '+' : ''}${(100 * mean(d)).toFixed(2)} ± ${(100 * se(d)).toFixed(2)} (${d.length})` : '–';
    };
    console.log(`${model.padEnd(13)} ${`${t}×`.padEnd(4)} thinet − l1 ${diff('thinet', 'l1').padEnd(20)} thinet − random ${diff('thinet', 'random').padEnd(20)} thinet − thinet-nols ${diff('thinet', 'thinet-nols')}`);
  }
}
