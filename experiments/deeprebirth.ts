// DeepRebirth (Li, Wang & Kong 2018) on Fashion-MNIST: the small GoogLeNet-style net and
// LeNet-5-BN, per seed: train, fold exactly, streamline-slim, branch-slim (each refit
// layer-locally by least squares), fine-tune; test accuracy and measured latency at batch 1 and 8
// after every step (all step models timed in alternation), per-layer latency before and after.
//   node --import tsx experiments/deeprebirth.ts [--seeds 1,2,3] [--nets inception-small,lenet-5-bn]
//     [--train N] [--test N] [--epochs E] [--finetune-epochs F] [--finetune-lr X] [--samples S]
//     [--regress-epochs R] [--runs R] [--workers W] [--tag T]
//     [--finetune-from STEP]  (the slimmed model to fine-tune: streamline or branch, default the
//                           last step the net has)
//     [--distill ALPHA,T]  (fine-tune against the original's logits as well as the labels)
//     [--control]          (also fine-tune the original itself by the same recipe: is the gain
//                           over the original the slimming's or only the extra epochs'?)
//     [--latency skip]     (accuracy only, no timing: for a background run at low priority; the
//                           step models are kept in --cache for the run below)
//     [--latency-only]     (times the step models an earlier --latency skip run kept in --cache,
//                           and puts the latencies into its JSON: run it alone, under the lock)
//     [--cache DIR]   (keeps the trained originals, which depend only on net, seed, --train, --epochs
//                      and --workers, so other slimming recipes on the same seeds skip their training)
// Writes experiments/results/deeprebirth[-T].json after every run (an interrupted sweep keeps
// what it measured): records { model, seed, step, accuracy, denseAccuracy, latencyMs, batch }
// (latencyMs null until timed), and `controls` { model, seed, accuracy } with --control.

import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
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
import { teacherLogits } from '../src/nn/distill.js';
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
const distillFlag = flag(args, 'distill', '');
const [distillAlpha, distillT] = distillFlag ? distillFlag.split(',').map(Number) : [0, 1];
const control = args.includes('--control');
const finetuneFrom = flag(args, 'finetune-from', 'last');
if (!['last', 'streamline', 'branch'].includes(finetuneFrom)) throw new RangeError(`deeprebirth: --finetune-from must be streamline or branch, got '${finetuneFrom}'`);
const latencyMode = args.includes('--latency-only') ? 'only' : flag(args, 'latency', 'measure');
if (!['measure', 'skip', 'only'].includes(latencyMode)) throw new RangeError(`deeprebirth: --latency must be 'skip' (or absent), got '${latencyMode}'`);
if (latencyMode !== 'measure' && !cache) throw new RangeError('deeprebirth: --latency skip and --latency-only keep the step models in --cache DIR; pass one');
if (distillFlag && !(distillAlpha >= 0 && distillAlpha <= 1 && distillT > 0)) throw new RangeError(`deeprebirth: --distill must be ALPHA,T with ALPHA in [0, 1] and T > 0, got '${distillFlag}'`);
const BATCHES = [1, 8];
const optimizer = (lr: number): OptimizerOptions => ({ kind: 'adam', lr });

const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const trainData = (await loadBuiltin('fashion-mnist', 'train')).subset({ end: trainSize });
const testSize = Number(flag(args, 'test', '10000'));
const testData = (await loadBuiltin('fashion-mnist', 'test')).subset({ end: testSize });

type Step = 'original' | SlimStep | 'finetuned';
interface Record { model: string; seed: number; step: Step; accuracy: number; denseAccuracy: number; latencyMs: number | null; batch: number }
interface Profile { model: string; seed: number; step: Step; batch: number; totalMs: number; tensorMs: number; nonTensorMs: number; layers: LayerTime[] }
const records: Record[] = [];
const controls: { model: string; seed: number; accuracy: number }[] = [];
const profiles: Profile[] = [];
const fits: { model: string; seed: number; step: Step; node: string; replaced: string[]; errorBefore: number; errorAfter: number; regress?: { errorBefore: number; errorAfter: number } }[] = [];
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const se = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length));

const out = `experiments/results/deeprebirth${tag ? `-${tag}` : ''}.json`;
const stepFile = (net: string, seed: number, step: Step) => `${cache}/${net}-seed${seed}-${tag || 'main'}-${step}.lopm`;
// What the JSON says the run was: this run's flags, or (--latency-only) the accuracy run's.
let settings: { [key: string]: unknown } = {
  seeds, nets, trainSize, testSize: testData.size, epochs, finetuneEpochs, finetuneLr, samples, regressEpochs, runs, workers,
  distill: distillFlag ? { alpha: distillAlpha, temperature: distillT } : null, control, finetuneFrom,
  optimizer: 'adam 2e-3 cosine; fine-tune adam (finetuneLr) cosine', batchSize: 64,
};
let command = `node --import tsx experiments/deeprebirth.ts ${args.join(' ')}`.trim();
let latency: { command: string; runs: number; loadAverage: number[]; date: string } | null = null;

if (latencyMode === 'only') await timeKeptModels();
else await withNodePool({ workers }, runAccuracy);
await report(true);

async function runAccuracy(pool: Parameters<Parameters<typeof withNodePool>[1]>[0]): Promise<void> {
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
    // Fine-tune a copy of the last slimmed model (the refit-only accuracy stays measurable), and
    // with --control a copy of the original by the same recipe.
    const teacher = distillFlag ? teacherLogits(original, trainData) : undefined;
    const fineTune = async (from: Model): Promise<Model> => {
      const m = new Model(from.graph, k);
      m.params.values.set(from.params.values.f32());
      await train(m, trainData, {
        epochs: finetuneEpochs, batchSize: 64, seed: seed + 1000, optimizer: optimizer(finetuneLr), schedule: { kind: 'cosine', epochs: finetuneEpochs },
        ...(teacher ? { distill: { teacher, alpha: distillAlpha, temperature: distillT } } : {}),
      });
      return m;
    };
    const from = steps.find((s) => s.step === finetuneFrom) ?? steps[steps.length - 1];
    models.push({ step: 'finetuned', model: await fineTune(from.model) });
    const accuracy = models.map((m) => evaluate(m.model, testData).accuracy);
    if (control) {
      const tunedOriginal = await fineTune(original);
      controls.push({ model: net, seed, accuracy: evaluate(tunedOriginal, testData).accuracy });
      tunedOriginal.dispose();
    }
    if (latencyMode === 'skip') {
      await mkdir(cache, { recursive: true });
      for (const m of models) await writeAtomic(stepFile(net, seed, m.step), saveModel(m.model));
      for (const batch of BATCHES) models.forEach((m, i) => records.push({ model: net, seed, step: m.step, accuracy: accuracy[i], denseAccuracy: accuracy[0], latencyMs: null, batch }));
    } else {
      for (const batch of BATCHES) {
        profileLatency(models.map((m) => m.model), batch, { runs }).forEach((p, i) => {
          records.push({ model: net, seed, step: models[i].step, accuracy: accuracy[i], denseAccuracy: accuracy[0], latencyMs: p.totalMs, batch });
          profiles.push({ ...p, model: net, seed, step: models[i].step });
        });
      }
    }
    for (const m of models) m.model.dispose();
    log(`${net} seed ${seed} (${((performance.now() - started) / 1000).toFixed(0)} s): ` + models.map((m, i) => `${m.step} ${(100 * accuracy[i]).toFixed(2)}%`).join(', ') +
      (control ? `, control ${(100 * controls[controls.length - 1].accuracy).toFixed(2)}%` : '') +
      ' | ' + BATCHES.map((b) => `b${b}: ` + records.filter((r) => r.model === net && r.seed === seed && r.batch === b).map((r) => r.latencyMs?.toFixed(2) ?? '-').join('/') + ' ms').join(' '));
    await report(false);
  }
}
}

/** --latency-only: the step models kept by a --latency skip run, timed net by net and seed by seed, into its JSON. */
async function timeKeptModels(): Promise<void> {
  const json = JSON.parse(await readFile(out, 'utf8'));
  settings = json.settings;
  command = json.command;
  latency = { command: `node --import tsx experiments/deeprebirth.ts ${args.join(' ')}`.trim(), runs, loadAverage: loadavg(), date: new Date().toISOString() };
  records.push(...json.records);
  controls.push(...(json.controls?.records ?? []));
  fits.push(...json.fits);
  const pairs = [...new Set((records as Record[]).map((r) => `${r.model}|${r.seed}`))];
  for (const pair of pairs) {
    const [net, seed] = [pair.split('|')[0], Number(pair.split('|')[1])];
    const mine = records.filter((r) => r.model === net && r.seed === seed);
    const steps = [...new Set(mine.map((r) => r.step))];
    const models = await Promise.all(steps.map(async (step) => loadModel(new Uint8Array(await readFile(stepFile(net, seed, step))), k, stepFile(net, seed, step)).model));
    for (const batch of BATCHES) {
      profileLatency(models, batch, { runs }).forEach((p, i) => {
        mine.find((r) => r.step === steps[i] && r.batch === batch)!.latencyMs = p.totalMs;
        profiles.push({ ...p, model: net, seed, step: steps[i] });
      });
    }
    for (const m of models) m.dispose();
    log(`${net} seed ${seed} timed: ` + BATCHES.map((b) => `b${b}: ` + mine.filter((r) => r.batch === b).map((r) => r.latencyMs!.toFixed(2)).join('/') + ' ms').join(' '));
    latency.loadAverage = loadavg();
    await report(false);
  }
}

/** The summary (mean ± SE over seeds per net and step) and the JSON, written after every run. */
async function report(print: boolean): Promise<void> {
  const summary = (settings.nets as string[]).flatMap((net) => {
    const steps = [...new Set(records.filter((r) => r.model === net).map((r) => r.step))];
    return steps.map((step) => {
      const rs = records.filter((r) => r.model === net && r.step === step && r.batch === BATCHES[0]);
      const acc = rs.map((r) => 100 * r.accuracy);
      const drop = rs.map((r) => 100 * (r.accuracy - r.denseAccuracy));
      const speedups = Object.fromEntries(BATCHES.map((b) => {
        const v = records.filter((r) => r.model === net && r.step === step && r.batch === b && r.latencyMs !== null).map((r) => {
          const base = records.find((o) => o.model === net && o.seed === r.seed && o.batch === b && o.step === 'original')!;
          return base.latencyMs! / r.latencyMs!;
        });
        return [`batch${b}`, v.length ? { mean: mean(v), se: se(v), perSeed: v } : null];
      }));
      const ms = (b: number) => records.filter((r) => r.model === net && r.step === step && r.batch === b && r.latencyMs !== null).map((r) => r.latencyMs!);
      const latency = Object.fromEntries(BATCHES.map((b) => [`batch${b}`, ms(b).length ? mean(ms(b)) : null]));
      return { model: net, step, seeds: rs.length, accuracyMean: mean(acc), accuracySe: se(acc), diffMean: mean(drop), diffSe: se(drop), latencyMs: latency, speedup: speedups };
    });
  });
  // The control: the original fine-tuned by the same recipe, per net (mean ± SE over seeds).
  const controlSummary = [...new Set(controls.map((c) => c.model))].map((net) => {
    const acc = controls.filter((c) => c.model === net).map((c) => 100 * c.accuracy);
    const tuned = controls.filter((c) => c.model === net).map((c) => 100 * records.find((r) => r.model === net && r.seed === c.seed && r.step === 'finetuned')!.accuracy - 100 * c.accuracy);
    return { model: net, seeds: acc.length, accuracyMean: mean(acc), accuracySe: se(acc), finetunedMinusControlMean: mean(tuned), finetunedMinusControlSe: se(tuned) };
  });
  if (print) {
    const st = settings as { trainSize: number; epochs: number; finetuneEpochs: number; finetuneLr: number; regressEpochs: number; seeds: number[]; distill: { alpha: number; temperature: number } | null; finetuneFrom?: string };
    console.log(`\nFashion-MNIST, ${st.trainSize} training images, ${st.epochs} epochs + ${st.finetuneEpochs} fine-tuning of the ${st.finetuneFrom ?? 'last'} step (lr ${st.finetuneLr}` +
      `${st.distill ? `, distilled α ${st.distill.alpha} T ${st.distill.temperature}` : ''}), ${st.regressEpochs} epochs of local regression; seeds ${st.seeds.join(',')}; mean ± SE`);
    console.log('net              step         accuracy        vs original     b1 ms   ×b1     b8 ms   ×b8');
    for (const s of summary) {
      console.log(`${s.model.padEnd(16)} ${s.step.padEnd(11)} ${s.accuracyMean.toFixed(2).padStart(6)} ± ${s.accuracySe.toFixed(2)}  ${(s.diffMean >= 0 ? '+' : '') + s.diffMean.toFixed(2)} ± ${s.diffSe.toFixed(2)}   ` +
        BATCHES.map((b) => `${s.latencyMs[`batch${b}`]?.toFixed(2).padStart(6) ?? '     -'}  ${s.speedup[`batch${b}`]?.mean.toFixed(2).padStart(5) ?? '    -'}`).join('  '));
    }
    for (const c of controlSummary) {
      console.log(`${c.model.padEnd(16)} control     ${c.accuracyMean.toFixed(2).padStart(6)} ± ${c.accuracySe.toFixed(2)}  (original fine-tuned alike; finetuned − control ${c.finetunedMinusControlMean >= 0 ? '+' : ''}${c.finetunedMinusControlMean.toFixed(2)} ± ${c.finetunedMinusControlSe.toFixed(2)})`);
    }
  }
  await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
    experiment: 'deeprebirth', date: new Date().toISOString(),
    command, settings, latency,
    versions: { lopper: pkg.version, node: process.version, kernels: k.build },
    summary, controls: controlSummary.length ? { summary: controlSummary, records: controls } : undefined, records, fits, profiles,
  }, null, 2) + '\n'));
  if (print) console.log(`wrote ${out}`);
}
