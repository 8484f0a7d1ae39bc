// Every structured criterion at 2× and 3× FLOPs reduction on LeNet-5 and the VGG-style net
// (Fashion-MNIST): the same per-layer share of filters removed by each criterion (the share that
// reaches the FLOPs target), accuracy right after removal and after fine-tuning, over seeds.
// Writes experiments/results/criteria.json after every run: records { model, criterion,
// flopsReduction, seed, accuracyPruned, accuracyFinetuned, denseAccuracy, params, flops, latencyMs }.
//   node --import tsx experiments/criteria.ts [--models lenet-5,vgg-small] [--criteria l1,l2,apoz,taylor,random]
//     [--reductions 2,3] [--seeds 1,2,3] [--dense-epochs 8] [--finetune-epochs 2] [--taylor-steps 1]
//     [--pass-samples 10000] [--train-limit 0] [--finetune-limit 0] [--test-limit 0] [--cached-only] [--latency-batch 64]
//     [--lasso-lambda 1] [--lasso-epochs 2] [--workers 2] [--out experiments/results/criteria.json]
// `group-lasso` among --criteria trains --lasso-epochs with the penalty first, then removes the same
// share as the others by group norm (lasso.remove 'ratio'), so it too is compared at equal FLOPs.
// What makes the VGG run affordable: --finetune-limit runs the pipeline (data passes, fine-tuning)
// on that many of the training samples (a seeded subset; the dense model keeps --train-limit's), --test-limit
// evaluates on the first that many test images, --cached-only refuses to train a dense model that
// is not cached in experiments/models/criteria (so a sweep reuses the ones trained beforehand).
// APoZ needs a ReLU after each pruned layer: Caffe's LeNet-5 has none after its convs, so APoZ
// runs on the VGG net only (a LeNet-5 record says why it is missing).
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { lenet5, vggSmall } from '../src/nn/nets.js';
import { pruneFilters } from '../src/prune/filters.js';
import { replaceLayers } from '../src/prune/surgery.js';
import { createRunner } from '../src/pipeline/runner.js';
import { defaultFilterLayers, runStructured, STRUCTURED_DEFAULTS, type Method } from '../src/pipeline/structured.js';
import { command, denseModel, flag as argFlag, mean, se, versions, writeRecords } from './lib/criteria-runs.js';
import type { Model } from '../src/nn/model.js';
import { Rng } from '../src/nn/random.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => argFlag(args, name, fallback);
const list = (name: string, fallback: string) => flag(name, fallback).split(',').filter(Boolean);
const models = list('models', 'lenet-5,vgg-small');
const criteria = list('criteria', 'l1,l2,apoz,taylor,random') as Method[];
const reductions = list('reductions', '2,3').map(Number);
const seeds = list('seeds', '1,2,3').map(Number);
const denseEpochs = Number(flag('dense-epochs', '8'));
const finetuneEpochs = Number(flag('finetune-epochs', '2'));
const taylorSteps = Number(flag('taylor-steps', '1'));
const passSamples = Number(flag('pass-samples', '10000'));
const trainLimit = Number(flag('train-limit', '0'));
const finetuneLimit = Number(flag('finetune-limit', '0'));
const testLimit = Number(flag('test-limit', '0'));
const cachedOnly = args.includes('--cached-only');
const lasso = { ...STRUCTURED_DEFAULTS.lasso, lambda: Number(flag('lasso-lambda', '1')), epochs: Number(flag('lasso-epochs', '2')), remove: 'ratio' as const };
// Latency is timing: measure it (batch 64) only in a run under the timing lock; 0 leaves latencyMs out.
const latencyBatch = Number(flag('latency-batch', '64'));
const workers = Number(flag('workers', String(defaultWorkerCount())));
const out = flag('out', 'experiments/results/criteria.json');
const NETS = { 'lenet-5': { net: lenet5, lr: 0.02 }, 'vgg-small': { net: vggSmall, lr: 0.05 } } as const;

const k = await loadNodeKernels();
let train = await loadBuiltin('fashion-mnist', 'train');
let test = await loadBuiltin('fashion-mnist', 'test');
if (trainLimit > 0) train = train.subset(new Rng(7).shuffle(train.order()).slice(0, trainLimit), `fashion-mnist-${trainLimit}`);
if (testLimit > 0) test = test.subset(test.order().slice(0, testLimit), `fashion-mnist-test-${testLimit}`);
// The pipeline's training set: a seeded subset of the one the dense model trained on.
const finetune = finetuneLimit > 0 && finetuneLimit < train.size ? train.subset(new Rng(11).shuffle(train.order()).slice(0, finetuneLimit), `${train.name}-finetune-${finetuneLimit}`) : train;
const head = {
  experiment: 'criteria', command: command('experiments/criteria.ts', args), versions: await versions(k),
  settings: { models, criteria, reductions, seeds, denseEpochs, finetuneEpochs, taylorSteps, passSamples, trainLimit, trainSamples: train.size, finetuneSamples: finetune.size, testSamples: test.size, cachedOnly, latencyBatch, workers, ...(criteria.includes('group-lasso') ? { lasso } : {}) },
};
const records: Record<string, unknown>[] = [];
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

/** The share of filters per layer that makes the model `reduction`× cheaper in FLOPs (the removal's structure does not depend on the criterion). */
function ratioFor(model: Model, reduction: number): number {
  const layers = defaultFilterLayers(model.graph);
  const dense = model.graph.flops();
  let [lo, hi] = [0, 0.99];
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2;
    const { model: cut } = pruneFilters(model, { ratio: mid, layers });
    const f = cut.graph.flops();
    cut.dispose();
    if (dense / f < reduction) lo = mid; else hi = mid;
  }
  return hi;
}

await withNodePool({ workers }, async (pool) => {
  const runner = createRunner({ pool });
  for (const name of models) {
    const spec = NETS[name as keyof typeof NETS];
    if (!spec) throw new Error(`--models: unknown model '${name}' (known: ${Object.keys(NETS).join(', ')})`);
    for (const seed of seeds) {
      const dense = await denseModel(k, runner, train, { name, net: spec.net, seed, epochs: denseEpochs, lr: spec.lr, cache: 'experiments/models/criteria', cachedOnly, log: (m) => log(`${name} seed ${seed}: ${m}`) });
      const denseAccuracy = (await runner.evaluate(dense, test)).accuracy;
      log(`${name} seed ${seed}: dense ${(100 * denseAccuracy).toFixed(2)}% after ${denseEpochs} epochs`);
      for (const reduction of reductions) {
        const ratio = ratioFor(dense, reduction);
        for (const criterion of criteria) {
          const tag = `${name} seed ${seed} ${reduction}× ${criterion}`;
          if (criterion === 'apoz' && name === 'lenet-5') {
            records.push({ model: name, criterion, flopsReduction: reduction, seed, skipped: 'no ReLU after the conv layers of Caffe LeNet-5: APoZ is undefined there' });
            continue;
          }
          const start = dense.params.values.toArray();
          const started = performance.now();
          const steps = criterion === 'taylor' ? taylorSteps : 1;
          const { model, history } = await runStructured(copy(dense), {
            train: finetune, test, runner, modelName: name, datasetName: 'fashion-mnist',
            settings: { ...STRUCTURED_DEFAULTS, method: criterion, ratio, steps, retrainEpochs: finetuneEpochs, lr: spec.lr / 4, seed, passSamples, latencyBatch, lasso },
            onStep: (s, stage) => log(`${tag}: ${stage}: accuracy ${(100 * s.accuracy).toFixed(2)}%, ${(s.flops / 1e6).toFixed(2)} MFLOPs`),
          });
          if (dense.params.values.toArray().some((v, i) => v !== start[i])) throw new Error('the dense model changed');
          const removes = history.steps.filter((s) => s.phase === 'remove');
          const last = history.steps[history.steps.length - 1];
          records.push({
            model: name, criterion, flopsReduction: history.steps[0].flops / last.flops, targetReduction: reduction, ratio, seed,
            accuracyPruned: removes[removes.length - 1].accuracy, accuracyFinetuned: last.accuracy, denseAccuracy,
            params: last.params, flops: last.flops, latencyMs: last.latencyMs, denseParams: history.steps[0].params, denseFlops: history.steps[0].flops,
            denseLatencyMs: history.steps[0].latencyMs, steps, finetuneEpochs, seconds: (performance.now() - started) / 1000,
          });
          model.dispose();
          await writeRecords(out, head, records);
        }
      }
      dense.dispose();
    }
  }
});

/** A copy with the same parameters (runStructured may dispose the model it starts from). */
function copy(m: Model): Model {
  return replaceLayers(m, new Map());
}

// mean ± SE over seeds per (model, reduction, criterion)
type Row = { model: string; criterion: string; targetReduction: number; accuracyPruned: number; accuracyFinetuned: number; denseAccuracy: number; flopsReduction: number };
const done = records.filter((r) => !('skipped' in r)) as unknown as Row[];
console.log('\nmodel      FLOPs  criterion     pruned (mean ± SE)   fine-tuned (mean ± SE)   dense    seeds');
for (const key of [...new Set(done.map((r) => `${r.model}|${r.targetReduction}|${r.criterion}`))]) {
  const rs = done.filter((r) => `${r.model}|${r.targetReduction}|${r.criterion}` === key);
  const pct = (v: number[]) => `${(100 * mean(v)).toFixed(2)} ± ${(100 * se(v)).toFixed(2)}`;
  console.log(`${rs[0].model.padEnd(10)} ${mean(rs.map((r) => r.flopsReduction)).toFixed(2)}×  ${rs[0].criterion.padEnd(12)}  ${pct(rs.map((r) => r.accuracyPruned)).padEnd(19)}  ${pct(rs.map((r) => r.accuracyFinetuned)).padEnd(23)}  ${(100 * mean(rs.map((r) => r.denseAccuracy))).toFixed(2)}  ${rs.length}`);
}
console.log(`wrote ${out}`);
