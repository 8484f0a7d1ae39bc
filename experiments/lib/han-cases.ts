// The networks, data and recipes of the Han et al. experiments (experiments/han.ts and
// experiments/han-seeds.ts): dense training for each case, and the pipeline settings that
// experiments/han-seeds.ts found best on Fashion-MNIST for each net (3 seeds for LeNet-5, 8 for
// LeNet-300-100).

import { mkdir, readFile } from 'node:fs/promises';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { BuiltinName } from '../../src/node/data.js';
import { writeAtomic } from '../../src/node/data.js';
import type { Dataset } from '../../src/nn/data/dataset.js';
import type { OptimizerOptions } from '../../src/nn/optim/optimizer.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { saveModel, loadModel } from '../../src/io/native.js';
import { HAN_DEFAULTS, type HanSettings, type Runner } from '../../src/pipeline/han.js';
import { lenet5, lenet300100 } from '../../src/nn/nets.js';

export interface HanCase {
  net: 'lenet-300-100' | 'lenet-5';
  data: BuiltinName;
  denseEpochs: number;
  optimizer: OptimizerOptions;
  /** The pipeline's settings over HAN_DEFAULTS. */
  han: Partial<HanSettings>;
}

export const HAN_NETS = { 'lenet-300-100': lenet300100, 'lenet-5': lenet5 };

// LeNet-5: per-layer targets (conv2 keeps far more than a global threshold would leave it) and
// distillation from the dense model; 3 steps × 3 epochs, then 12. Total 8.0 % kept.
const LENET5: Partial<HanSettings> = {
  sparsity: 0.92, scope: 'global', schedule: { kind: 'iterative', steps: 3 }, retrainEpochs: 3, finalEpochs: 12,
  l1Epochs: 0, lr: 0.01, weightDecay: 5e-4, layerSparsity: { conv1: 0.2, conv2: 0.75, fc1: 0.935, fc2: 0.7 },
  distill: { alpha: 0.9, temperature: 4 },
};
// LeNet-300-100: AGP in 6 steps × 2 epochs at the dense model's learning rate, then 8; fc2 and
// fc3 keep more than fc1. 8.2 % kept.
const LENET300: Partial<HanSettings> = {
  sparsity: 0.917, scope: 'global', schedule: { kind: 'agp', steps: 6 }, retrainEpochs: 2, finalEpochs: 8,
  l1Epochs: 0, lr: 0.05, weightDecay: 5e-4, layerSparsity: { fc1: 0.93, fc2: 0.85, fc3: 0.5 },
};

export const HAN_CASES: HanCase[] = [
  { net: 'lenet-300-100', data: 'fashion-mnist', denseEpochs: 15, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, han: LENET300 },
  { net: 'lenet-5', data: 'fashion-mnist', denseEpochs: 15, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }, han: LENET5 },
  { net: 'lenet-300-100', data: 'mnist', denseEpochs: 30, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, han: LENET300 },
  { net: 'lenet-5', data: 'mnist', denseEpochs: 30, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }, han: LENET5 },
];

/** The case named `net/data`, or an error listing the cases. */
export function findCase(only: string): HanCase {
  const c = HAN_CASES.find((x) => `${x.net}/${x.data}` === only);
  if (!c) throw new Error(`--only must be one of ${HAN_CASES.map((x) => `${x.net}/${x.data}`).join(', ')}; got '${only}'`);
  return c;
}

/** The case's settings; a quick (smoke) run trains one epoch per phase and skips the latency. */
export function caseSettings(c: HanCase, quick: boolean): HanSettings {
  return { ...HAN_DEFAULTS, ...c.han, ...(quick ? { retrainEpochs: 1, finalEpochs: 1, l1Epochs: 0, latencyBatch: 0 } : {}) };
}

/**
 * Trains the case's dense model for a seed and a number of epochs. With a cache directory the
 * model is kept there and reused: it depends only on net, data, seed, epochs, workers and quick.
 */
export function denseTrainer(c: HanCase, k: Kernels, runner: Runner, train: Dataset, o: { cache: string; workers: number; quick: boolean }) {
  /** `epochs` of a cosine over `scheduleEpochs` (default: the same, a finished run). */
  return async (seed: number, epochs: number, scheduleEpochs = epochs): Promise<Model> => {
    const of = scheduleEpochs === epochs ? '' : `-of${scheduleEpochs}`;
    const file = `${o.cache}/${c.net}-${c.data}-seed${seed}-epochs${epochs}${of}-workers${o.workers}${o.quick ? '-quick' : ''}.lop`;
    const cached = o.cache ? await readFile(file).catch(() => null) : null;
    if (cached) return loadModel(new Uint8Array(cached), k, file).model;
    const model = new Model(new Graph(HAN_NETS[c.net]()), k, { seed });
    await runner.train(model, train, { epochs, batchSize: 64, seed, optimizer: c.optimizer, schedule: { kind: 'cosine', epochs: scheduleEpochs } });
    if (o.cache) {
      await mkdir(o.cache, { recursive: true });
      await writeAtomic(file, saveModel(model));
    }
    return model;
  };
}

/**
 * The cosine the dense start trains along: its own epochs, or with an lrSchedule that goes on
 * along the start's cosine, that cosine (which must begin where dense training stops).
 */
export function startSchedule(s: HanSettings, denseEpochs: number): number {
  if (typeof s.lrSchedule !== 'object') return denseEpochs;
  if (s.lrSchedule.startEpoch !== denseEpochs) {
    throw new Error(`lrSchedule.startEpoch must be the ${denseEpochs} dense epochs, got ${s.lrSchedule.startEpoch}`);
  }
  return s.lrSchedule.epochs;
}

/** `--name value` from argv, else the fallback. */
export function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Every `--recipe name={json}` from argv: HanSettings fields over the case's settings. */
export function recipesOf(args: string[]): { name: string; overrides: Partial<HanSettings> }[] {
  return args.flatMap((a, i) => (args[i - 1] === '--recipe' ? [a] : [])).map((r) => {
    const eq = r.indexOf('=');
    if (eq < 1) throw new Error(`--recipe must be name={json}, got '${r}'`);
    return { name: r.slice(0, eq), overrides: JSON.parse(r.slice(eq + 1)) as Partial<HanSettings> };
  });
}
