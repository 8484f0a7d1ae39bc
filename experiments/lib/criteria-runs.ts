// What experiments/criteria.ts and experiments/maxout.ts share: flags, the pool-backed runner,
// dense models trained once per (net, seed, epochs) and cached, and results written atomically
// after every run with the seed, the command and the versions.
import { mkdir, readFile } from 'node:fs/promises';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { Dataset } from '../../src/nn/data/dataset.js';
import { writeAtomic } from '../../src/node/data.js';
import { Graph, type GraphDef } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { saveModel, loadModel } from '../../src/io/native.js';
import type { Runner } from '../../src/pipeline/runner.js';

/** `--name value` from argv, else the fallback. */
export function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Where denseModel caches a model. */
export function denseModelFile(cache: string, name: string, seed: number, epochs: number, samples: number): string {
  return `${cache}/${name}-seed${seed}-epochs${epochs}-n${samples}.lopm`;
}

/**
 * A dense model of `net` trained `epochs` (SGD, momentum 0.9, cosine), cached in `cache` by name,
 * seed, epochs and training-set size; `cachedOnly` refuses to train one that is not cached.
 */
export async function denseModel(k: Kernels, runner: Runner, train: Dataset, o: { name: string; net: () => GraphDef; seed: number; epochs: number; lr: number; cache: string; cachedOnly?: boolean; log: (m: string) => void }): Promise<Model> {
  const file = denseModelFile(o.cache, o.name, o.seed, o.epochs, train.size);
  const cached = await readFile(file).catch(() => null);
  if (cached) return loadModel(new Uint8Array(cached), k, file).model;
  if (o.cachedOnly) throw new Error(`--cached-only: no dense model ${file} (train it first without --cached-only)`);
  const model = new Model(new Graph(o.net()), k, { seed: o.seed });
  const started = performance.now();
  await runner.train(model, train, {
    epochs: o.epochs, batchSize: 64, seed: o.seed, schedule: { kind: 'cosine', epochs: o.epochs },
    optimizer: { kind: 'sgd', lr: o.lr, momentum: 0.9, weightDecay: 5e-4 },
    onEpoch: (e) => o.log(`dense epoch ${e.epoch + 1}/${o.epochs}: loss ${e.loss.toFixed(4)}, train accuracy ${(100 * e.trainAccuracy).toFixed(2)}%`),
  });
  o.log(`dense trained in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await mkdir(o.cache, { recursive: true });
  await writeAtomic(file, saveModel(model));
  return model;
}

/** Writes `{ experiment, date, command, versions, …, records }` to `path` (temp name, then rename). */
export async function writeRecords(path: string, head: Record<string, unknown>, records: unknown[]): Promise<void> {
  await writeAtomic(path, new TextEncoder().encode(JSON.stringify({ ...head, date: new Date().toISOString(), records }, null, 2) + '\n'));
}

export async function versions(k: Kernels): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  return { lopper: pkg.version, node: process.version, wasm: k.build };
}

/** The command line that reproduces this run. */
export function command(script: string, args: string[]): string {
  return `node --import tsx ${script} ${args.map((a) => (/^[\w.,/=-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`.trim();
}

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** Standard error of the mean (0 for one value). */
export const se = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1) / v.length));
