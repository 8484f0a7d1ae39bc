// Maxout neuron pruning (Rueda et al. 2017) on the maxout LeNet-5 (Fashion-MNIST): win counts over
// the training set, the least-winning neurons of every unit removed, retraining, iterated; against
// a dense maxout LeNet-5 trained for the same total number of epochs. Writes
// experiments/results/maxout.json after every run: records { seed, iteration, paramsRemovedShare,
// accuracy, denseAccuracy (dense trained the same total epochs) }.
//   node --import tsx experiments/maxout.ts [--seeds 1,2,3] [--dense-epochs 6] [--iterations 3]
//     [--retrain-epochs 2] [--remove 0.75] [--weight-sparsity 0] [--weight-steps 2] [--weight-epochs 1]
//     [--retrain-lr 0.005] [--distill ALPHA,T] [--pass-samples 0] [--train-limit 0] [--workers 2]
//     [--out experiments/results/maxout.json]
// --remove is the share of each unit's k = 4 neurons gone after the last iteration (0.75: one stays).
// --weight-sparsity > 0 masks that share of the remaining weights afterwards (magnitude, global),
// in --weight-steps steps of --weight-epochs retraining each; those iterations follow the structural ones.
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { lenet5Maxout } from '../src/nn/nets.js';
import { Rng } from '../src/nn/random.js';
import { createRunner } from '../src/pipeline/runner.js';
import { runStructured, STRUCTURED_DEFAULTS } from '../src/pipeline/structured.js';
import { command, denseModel, flag as argFlag, mean, se, versions, writeRecords } from './lib/criteria-runs.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => argFlag(args, name, fallback);
const seeds = flag('seeds', '1,2,3').split(',').map(Number);
const denseEpochs = Number(flag('dense-epochs', '6'));
const iterations = Number(flag('iterations', '3'));
const retrainEpochs = Number(flag('retrain-epochs', '2'));
const remove = Number(flag('remove', '0.75'));
const weightSparsity = Number(flag('weight-sparsity', '0'));
const weightSteps = Number(flag('weight-steps', '2'));
const weightEpochs = Number(flag('weight-epochs', '1'));
const passSamples = Number(flag('pass-samples', '0'));
const trainLimit = Number(flag('train-limit', '0'));
const workers = Number(flag('workers', String(defaultWorkerCount())));
const out = flag('out', 'experiments/results/maxout.json');
const LR = 0.02;
const retrainLr = Number(flag('retrain-lr', String(LR / 4)));
// Retraining against the starting dense model's logits as well as the labels (src/nn/distill.ts).
const distillFlag = flag('distill', '');
const distill = distillFlag ? (([alpha, temperature]) => ({ alpha, temperature }))(distillFlag.split(',').map(Number)) : undefined;

const k = await loadNodeKernels();
let train = await loadBuiltin('fashion-mnist', 'train');
const test = await loadBuiltin('fashion-mnist', 'test');
if (trainLimit > 0) train = train.subset(new Rng(7).shuffle(train.order()).slice(0, trainLimit), `fashion-mnist-${trainLimit}`);
const weightIterations = weightSparsity > 0 ? weightSteps : 0;
const totalEpochs = denseEpochs + iterations * retrainEpochs + weightIterations * weightEpochs;
const lastIteration = iterations + weightIterations;
const head = {
  experiment: 'maxout', command: command('experiments/maxout.ts', args), versions: await versions(k),
  settings: { seeds, denseEpochs, iterations, retrainEpochs, remove, weightSparsity, weightSteps, weightEpochs, retrainLr, distill: distill ?? null, passSamples, trainLimit, trainSamples: train.size, workers, totalEpochs, lr: LR },
};
const records: Record<string, unknown>[] = [];
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

await withNodePool({ workers }, async (pool) => {
  const runner = createRunner({ pool });
  for (const seed of seeds) {
    const opts = { name: 'lenet-5-maxout', net: lenet5Maxout, seed, lr: LR, cache: 'experiments/models/criteria', log: (m: string) => log(`seed ${seed}: ${m}`) };
    // The fair baseline: dense, trained as many epochs in all as the dense start plus every retraining.
    const same = await denseModel(k, runner, train, { ...opts, epochs: totalEpochs });
    const denseAccuracy = (await runner.evaluate(same, test)).accuracy;
    same.dispose();
    log(`seed ${seed}: dense after ${totalEpochs} epochs ${(100 * denseAccuracy).toFixed(2)}%`);
    const start = await denseModel(k, runner, train, { ...opts, epochs: denseEpochs });
    const denseParams = start.params.size; // a dense model has no zero parameters to speak of
    const { model } = await runStructured(start, {
      train, test, runner, modelName: 'lenet-5-maxout', datasetName: 'fashion-mnist',
      settings: { ...STRUCTURED_DEFAULTS, method: 'maxout', ratio: remove, steps: iterations, retrainEpochs, lr: retrainLr, seed, passSamples, latencyBatch: 0, ...(distill ? { distill } : {}),
        ...(weightSparsity > 0 ? { weights: { sparsity: weightSparsity, steps: weightSteps, epochs: weightEpochs, scope: 'global' as const } } : {}) },
      onStep: (s, stage) => {
        log(`seed ${seed}: ${stage}: ${s.nonzeroParams} of ${s.params} params non-zero, accuracy ${(100 * s.accuracy).toFixed(2)}%`);
        // Removed: the structure gone (maxout neurons) and the weights masked (weight pruning).
        const rec = { seed, iteration: s.iteration, paramsRemovedShare: 1 - s.nonzeroParams / denseParams, structuralShare: 1 - s.params / denseParams, accuracy: s.accuracy, denseAccuracy, params: s.params, nonzeroParams: s.nonzeroParams, denseParams };
        if (s.phase === 'retrain' || s.phase === 'dense') records.push(rec);
        if (s.phase === 'remove' || s.phase === 'prune') records.push({ ...rec, stage: `${s.phase === 'remove' ? 'neurons removed' : 'weights masked'}, before retraining` });
      },
    });
    model.dispose();
    await writeRecords(out, head, records);
  }
});

const last = records.filter((r) => r.iteration === lastIteration && r.stage === undefined) as { accuracy: number; denseAccuracy: number; paramsRemovedShare: number }[];
if (last.length) {
  const pct = (v: number[]) => `${(100 * mean(v)).toFixed(2)} ± ${(100 * se(v)).toFixed(2)}`;
  console.log(`\nafter ${lastIteration} iterations (${last.length} seeds): params removed ${pct(last.map((r) => r.paramsRemovedShare))}%, ` +
    `accuracy ${pct(last.map((r) => r.accuracy))}%, dense (same ${totalEpochs} epochs) ${pct(last.map((r) => r.denseAccuracy))}%`);
}
console.log(`wrote ${out}`);
