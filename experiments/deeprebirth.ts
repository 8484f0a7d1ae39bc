// DeepRebirth (Li, Wang & Kong 2018) on Fashion-MNIST: the small GoogLeNet-style net and
// LeNet-5-BN, per seed: train, fold exactly, streamline-slim, branch-slim (each refit
// layer-locally by least squares), fine-tune; test accuracy and measured latency at batch 1 and 8
// after every step (all step models timed in alternation), per-layer latency before and after.
//   node --import tsx experiments/deeprebirth.ts [--seeds 1,2,3] [--nets inception-small,lenet-5-bn]
//     [--train N] [--test N] [--epochs E] [--finetune-epochs F] [--finetune-lr X] [--samples S]
//     [--regress-epochs R] [--runs R] [--workers W] [--tag T]
//     [--cache DIR]   (keeps the trained originals, which depend only on net, seed, --train, --epochs
//                      and --workers, so other slimming recipes on the same seeds skip their training)
// Writes experiments/results/deeprebirth[-T].json after every run (an interrupted sweep keeps
// what it measured): records { model, seed, step, accuracy, denseAccuracy, latencyMs, batch }.

import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { withNodePool } from '../src/node/workers.js';
import { trainParallel } from '../src/workers/train-parallel.js';
import { loadModel, saveModel } from '../src/io/native.js';
import type { TrainOptions } from '../src/nn/train.js';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { referenceNets, type ReferenceNet } from '../src/nn/nets.js';
import { evaluate } from '../src/nn/train.js';
import type { OptimizerOptions } from '../src/nn/optim/optimizer.js';
import { slimModel, type SlimStep } from '../src/slim/slim.js';
import { profileLatency, type LayerTime } from '../src/slim/profile.js';
import { flag } from './lib/han-cases.js';

const args = process.argv.slice(2);
const seeds = flag(args, 'seeds', '1,2,3').split(',').map(Number);
const nets = flag(args, 'nets', 'inception-small,lenet-5-bn').split(',') as ReferenceNet[];
const trainSize = Number(flag(args, 'train', '15000'));
const epochs = Number(flag(args, 'epochs', '2'));
const finetuneEpochs = Number(flag(args, 'finetune-epochs', '2'));
const finetuneLr = Number(flag(args, 'finetune-lr', '1e-3'));
const regressEpochs = Number(flag(args, 'regress-epochs', '10'));
const workers = Number(flag(args, 'workers', '2'));
const cache = flag(args, 'cache', '');
const samples = Number(flag(args, 'samples', '512'));
const runs = Number(flag(args, 'runs', '21'));
const tag = flag(args, 'tag', '');
const BATCHES = [1, 8];
const optimizer = (lr: number): OptimizerOptions => ({ kind: 'adam', lr });

const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const trainData = (await loadBuiltin('fashion-mnist', 'train')).subset({ end: trainSize });
const testSize = Number(flag(args, 'test', '10000'));
const testData = (await loadBuiltin('fashion-mnist', 'test')).subset({ end: testSize });

type Step = 'original' | SlimStep | 'finetuned';
interface Record { model: string; seed: number; step: Step; accuracy: number; denseAccuracy: number; latencyMs: number; batch: number }
interface Profile { model: string; seed: number; step: Step; batch: number; totalMs: number; tensorMs: number; nonTensorMs: number; layers: LayerTime[] }
const records: Record[] = [];
const profiles: Profile[] = [];
const fits: { model: string; seed: number; step: Step; node: string; replaced: string[]; errorBefore: number; errorAfter: number; regress?: { errorBefore: number; errorAfter: number } }[] = [];
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const se = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length));

await withNodePool({ workers }, async (pool) => {
const train = (m: Model, d: typeof trainData, o: TrainOptions) => trainParallel(m, d, { ...o, pool });
// Seeds outermost: after the first seed every net has a result.
for (const seed of seeds) {
  for (const net of nets) {
    const started = performance.now();
    const cached = cache ? `${cache}/${net}-seed${seed}-train${trainSize}-e${epochs}-w${workers}.lopm` : '';
    let original: Model;
    if (cached && existsSync(cached)) {
      original = loadModel(new Uint8Array(await readFile(cached)), k, cached).model;
    } else {
      original = new Model(new Graph(referenceNets[net]()), k, { seed });
      await train(original, trainData, { epochs, batchSize: 64, seed, optimizer: optimizer(2e-3), schedule: { kind: 'cosine', epochs } });
      if (cached) {
        await mkdir(cache, { recursive: true });
        await writeAtomic(cached, saveModel(original));
      }
    }
    const all = slimModel(original, trainData, { fold: true, streamline: true, branch: true, samples, seed, regress: { epochs: regressEpochs } });
    // A net without inception blocks (LeNet-5-BN) has no branch step to report.
    const steps = all.filter((s) => s.step !== 'branch' || s.fits.length > 0);
    for (const s of all) if (!steps.includes(s)) s.model.dispose();
    const models: { step: Step; model: Model }[] = [{ step: 'original', model: original }, ...steps.map((s) => ({ step: s.step as Step, model: s.model }))];
    for (const s of steps) for (const f of s.fits) fits.push({ model: net, seed, step: s.step, node: f.node, replaced: f.replaced, errorBefore: f.errorBefore, errorAfter: f.errorAfter, ...(f.regress ? { regress: f.regress } : {}) });
    // Fine-tune a copy of the last slimmed model: the refit-only accuracy stays measurable.
    const last = steps[steps.length - 1].model;
    const tuned = new Model(last.graph, k);
    tuned.params.values.set(last.params.values.f32());
    await train(tuned, trainData, { epochs: finetuneEpochs, batchSize: 64, seed: seed + 1000, optimizer: optimizer(finetuneLr), schedule: { kind: 'cosine', epochs: finetuneEpochs } });
    models.push({ step: 'finetuned', model: tuned });
    const accuracy = models.map((m) => evaluate(m.model, testData).accuracy);
    for (const batch of BATCHES) {
      const ps = profileLatency(models.map((m) => m.model), batch, { runs });
      ps.forEach((p, i) => {
        const step = models[i].step;
        records.push({ model: net, seed, step, accuracy: accuracy[i], denseAccuracy: accuracy[0], latencyMs: p.totalMs, batch });
        profiles.push({ model: net, seed, step, batch, totalMs: p.totalMs, tensorMs: p.tensorMs, nonTensorMs: p.nonTensorMs, layers: p.layers });
      });
    }
    for (const m of models) m.model.dispose();
    log(`${net} seed ${seed} (${((performance.now() - started) / 1000).toFixed(0)} s): ` + models.map((m, i) => `${m.step} ${(100 * accuracy[i]).toFixed(2)}%`).join(', ') +
      ' | ' + BATCHES.map((b) => `b${b}: ` + records.filter((r) => r.model === net && r.seed === seed && r.batch === b).map((r) => `${r.latencyMs.toFixed(2)}`).join('/') + ' ms').join(' '));
    await report(false);
  }
}
});
await report(true);

/** The summary (mean ± SE over seeds per net and step) and the JSON, written after every run. */
async function report(print: boolean): Promise<void> {
  const summary = nets.flatMap((net) => {
    const steps = [...new Set(records.filter((r) => r.model === net).map((r) => r.step))];
    return steps.map((step) => {
      const rs = records.filter((r) => r.model === net && r.step === step && r.batch === BATCHES[0]);
      const acc = rs.map((r) => 100 * r.accuracy);
      const drop = rs.map((r) => 100 * (r.accuracy - r.denseAccuracy));
      const speedups = Object.fromEntries(BATCHES.map((b) => {
        const v = records.filter((r) => r.model === net && r.step === step && r.batch === b).map((r) => {
          const base = records.find((o) => o.model === net && o.seed === r.seed && o.batch === b && o.step === 'original')!;
          return base.latencyMs / r.latencyMs;
        });
        return [`batch${b}`, { mean: mean(v), se: se(v), perSeed: v }];
      }));
      const latency = Object.fromEntries(BATCHES.map((b) => [`batch${b}`, mean(records.filter((r) => r.model === net && r.step === step && r.batch === b).map((r) => r.latencyMs))]));
      return { model: net, step, seeds: rs.length, accuracyMean: mean(acc), accuracySe: se(acc), diffMean: mean(drop), diffSe: se(drop), latencyMs: latency, speedup: speedups };
    });
  });
  if (print) {
    console.log(`\nFashion-MNIST, ${trainSize} training images, ${epochs} epochs + ${finetuneEpochs} fine-tuning (lr ${finetuneLr}), ${regressEpochs} epochs of local regression; seeds ${seeds.join(',')}; mean ± SE`);
    console.log('net              step         accuracy        vs original     b1 ms   ×b1     b8 ms   ×b8');
    for (const s of summary) {
      console.log(`${s.model.padEnd(16)} ${s.step.padEnd(11)} ${s.accuracyMean.toFixed(2).padStart(6)} ± ${s.accuracySe.toFixed(2)}  ${(s.diffMean >= 0 ? '+' : '') + s.diffMean.toFixed(2)} ± ${s.diffSe.toFixed(2)}   ` +
        `${s.latencyMs.batch1.toFixed(2).padStart(6)}  ${s.speedup.batch1.mean.toFixed(2).padStart(5)}  ${s.latencyMs.batch8.toFixed(2).padStart(6)}  ${s.speedup.batch8.mean.toFixed(2).padStart(5)}`);
    }
  }
  const out = `experiments/results/deeprebirth${tag ? `-${tag}` : ''}.json`;
  await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
    experiment: 'deeprebirth', date: new Date().toISOString(),
    command: `node --import tsx experiments/deeprebirth.ts ${args.join(' ')}`.trim(),
    settings: { seeds, nets, trainSize, testSize: testData.size, epochs, finetuneEpochs, finetuneLr, samples, regressEpochs, runs, workers, optimizer: 'adam 2e-3 cosine; fine-tune adam (finetuneLr) cosine', batchSize: 64 },
    versions: { lopper: pkg.version, node: process.version, kernels: k.build },
    summary, records, fits, profiles,
  }, null, 2) + '\n'));
  if (print) console.log(`wrote ${out}`);
}
