// Han et al.'s pipeline over several seeds: is the pruned model really no worse than a dense one
// trained for as many epochs, or was one seed lucky? For one net and data set, per seed: train the
// dense model, run every recipe from a copy of it, and train a dense model for each distinct total
// epoch count; then the mean and spread of (pruned − dense) per recipe. One seed's test accuracy
// moves by ±0.2 points between near-identical runs, so single runs cannot settle a 0.2-point gap.
//   node --import tsx experiments/han-seeds.ts --only lenet-5/fashion-mnist [--seeds 1,2,3]
//     [--workers N] [--quick] [--tag T] [--dense-epochs N] [--recipe 'name={"lr":0.02}' ...]
//     (each recipe: HanSettings fields over the case's settings in experiments/lib/han-cases.ts;
//      without one, those settings alone; the JSON records the base they were applied to)
//     [--cache DIR]   (keeps the dense models, which depend only on net, data, seed, epochs and
//                      workers, so further recipes on the same seeds skip their training)
// Writes experiments/results/han-seeds-<net>-<data>[-T].json.

import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { withNodePool, defaultWorkerCount } from '../src/node/workers.js';
import { saveModel, loadModel } from '../src/io/native.js';
import { trainParallel, evaluateParallel } from '../src/workers/train-parallel.js';
import { pipelineEpochs, runHan, type HanSettings, type Runner } from '../src/pipeline/han.js';
import { nonzeroParams } from '../src/prune/masks.js';
import { findCase, caseSettings, denseTrainer, flag, recipesOf, startSchedule } from './lib/han-cases.js';

const args = process.argv.slice(2);
const only = flag(args, 'only', 'lenet-5/fashion-mnist');
const c = findCase(only);
const seeds = flag(args, 'seeds', '1,2,3').split(',').map(Number);
const workers = Number(flag(args, 'workers', String(defaultWorkerCount())));
// A smoke run: 2,000 training and 500 test images, one epoch per phase.
const quick = args.includes('--quick');
// Epochs of dense training before pruning starts; the dense baselines train the pruned runs' totals.
const denseEpochs = quick ? 1 : Number(flag(args, 'dense-epochs', String(c.denseEpochs)));
const base = caseSettings(c, quick);
const given = recipesOf(args);
const recipes = given.length ? given : [{ name: 'default', overrides: {} }];

const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const train = quick ? (await loadBuiltin(c.data, 'train')).subset({ end: 2000 }) : await loadBuiltin(c.data, 'train');
const test = quick ? (await loadBuiltin(c.data, 'test')).subset({ end: 500 }) : await loadBuiltin(c.data, 'test');
const runs: { seed: number; recipe: string; totalEpochs: number; keptPercent: number; compression: number; prunedAccuracy: number; denseAccuracy: number }[] = [];
const log = (msg: string) => console.log(`${only}: ${msg}`);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));

await withNodePool({ workers }, async (pool) => {
  const runner: Runner = {
    train: (model, data, options) => trainParallel(model, data, { ...options, pool }),
    evaluate: (model, data) => evaluateParallel(model, data, { pool }),
  };
  const trainDense = denseTrainer(c, k, runner, train, { cache: flag(args, 'cache', ''), workers, quick });
  for (const seed of seeds) {
    // The dense start for each cosine length the recipes go on along (see startSchedule).
    const starts = new Map<number, Uint8Array>();
    const denseAt = new Map<number, number>();
    for (const recipe of recipes) {
      const settings: HanSettings = { ...base, ...recipe.overrides, seed };
      const along = startSchedule(settings, denseEpochs);
      if (!starts.has(along)) {
        const dense = await trainDense(seed, denseEpochs, along);
        starts.set(along, saveModel(dense));
        dense.dispose();
      }
      const { model } = loadModel(starts.get(along)!, k);
      const totalParams = model.params.size;
      const { model: pruned, history } = await runHan(model, {
        train, test, settings, runner, modelName: c.net, datasetName: c.data, versions: { lopper: pkg.version },
      });
      const totalEpochs = denseEpochs + pipelineEpochs(settings);
      if (!denseAt.has(totalEpochs)) {
        const same = await trainDense(seed, totalEpochs);
        denseAt.set(totalEpochs, (await runner.evaluate(same, test)).accuracy);
        same.dispose();
      }
      const kept = nonzeroParams(pruned);
      const run = {
        seed, recipe: recipe.name, totalEpochs, keptPercent: (100 * kept) / totalParams, compression: totalParams / kept,
        prunedAccuracy: history.steps[history.steps.length - 1].accuracy, denseAccuracy: denseAt.get(totalEpochs)!,
      };
      runs.push(run);
      pruned.dispose();
      await report(false);
      log(`seed ${seed} ${recipe.name}: kept ${run.keptPercent.toFixed(2)}%, pruned ${(100 * run.prunedAccuracy).toFixed(2)}% vs dense ${(100 * run.denseAccuracy).toFixed(2)}% after ${totalEpochs} epochs`);
    }
  }
});
await report(true);

/** The table of the runs so far, and the JSON with them (written after every run, so an interrupted sweep keeps what it measured). */
async function report(print: boolean): Promise<void> {
  const summary = recipes.map(({ name, overrides }) => {
    const rs = runs.filter((r) => r.recipe === name);
    const diffs = rs.map((r) => 100 * (r.prunedAccuracy - r.denseAccuracy));
    return {
      recipe: name, overrides, seeds: rs.length, keptPercent: mean(rs.map((r) => r.keptPercent)), compression: mean(rs.map((r) => r.compression)),
      denseMean: 100 * mean(rs.map((r) => r.denseAccuracy)), prunedMean: 100 * mean(rs.map((r) => r.prunedAccuracy)),
      diffMean: mean(diffs), diffSd: sd(diffs), diffs,
    };
  });
  if (print) {
    console.log(`\n${only}, seeds ${seeds.join(',')}: pruned − dense trained the same epochs (points)`);
    console.log('recipe            kept    ×      dense    pruned   diff ± sd       per seed');
    for (const s of summary) {
      console.log(`${s.recipe.padEnd(16)} ${s.keptPercent.toFixed(2).padStart(5)}% ${s.compression.toFixed(1).padStart(5)}  ${s.denseMean.toFixed(2)}%  ${s.prunedMean.toFixed(2)}%  ` +
        `${(s.diffMean >= 0 ? '+' : '') + s.diffMean.toFixed(2)} ± ${s.diffSd.toFixed(2)}    ${s.diffs.map((d) => d.toFixed(2)).join(' ')}`);
    }
  }
  const tag = flag(args, 'tag', '');
  const out = `experiments/results/han-seeds-${only.replace('/', '-')}${tag ? `-${tag}` : ''}${quick ? '-quick' : ''}.json`;
  await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
    experiment: 'han-seeds', date: new Date().toISOString(), command: `node --import tsx experiments/han-seeds.ts ${args.map((a) => (/^[\w.,/=-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`,
    seeds, workers, denseEpochs, base, versions: { lopper: pkg.version, node: process.version }, summary, runs,
  }, null, 2) + '\n'));
  if (print) console.log(`wrote ${out}`);
}
