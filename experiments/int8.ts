// int8 after pruning: for LeNet-5 on Fashion-MNIST, dense and magnitude-pruned, per seed — the
// fp32 model, PTQ with each calibration, and QAT: QDQ ONNX size, test accuracy (lopper's int8
// kernels), and batch-64 latency in onnxruntime-web and in lopper. Prints a table and writes
// experiments/results/int8.json after every run.
//   node --import tsx experiments/int8.ts [--seeds 1] [--sparsity 0.9] [--retrain-epochs 1]
//     [--qat-epochs 1] [--dense-epochs 20] [--methods minmax,percentile,entropy] [--tag T] [--quick]   (writes results/int8[-T].json)
// Seed 1's dense model is experiments/models/lenet-5.fashion-mnist.lopm (train-lenets.ts, seed 1);
// other seeds train one with the same recipe for --dense-epochs (default 20).

import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { loadModel, saveModel } from '../src/io/native.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5 } from '../src/nn/nets.js';
import { evaluate, train } from '../src/nn/train.js';
import { pruneByMagnitude } from '../src/prune/magnitude.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { exportQdqOnnx } from '../src/io/onnx/export-qdq.js';
import { quantizeModel, type QuantizedModel } from '../src/compress/quantize/model.js';
import { int8Model } from '../src/compress/quantize/int8-layers.js';
import { fineTuneQuantized } from '../src/compress/quantize/qat.js';
import { CALIBRATION_METHODS } from '../src/compress/quantize/calibrate.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const seeds = flag('seeds', '1').split(',').map(Number);
const sparsity = Number(flag('sparsity', '0.9'));
const retrainEpochs = Number(flag('retrain-epochs', quick ? '1' : '1'));
const qatEpochs = Number(flag('qat-epochs', '1'));
const denseEpochs = Number(flag('dense-epochs', quick ? '1' : '20'));
const methods = flag('methods', CALIBRATION_METHODS.join(',')).split(',');
const BATCH = 64;

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const ortPkg = JSON.parse(await readFile(new URL('../node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8'));
let trainSet = await loadBuiltin('fashion-mnist', 'train');
let testSet = await loadBuiltin('fashion-mnist', 'test');
if (quick) {
  trainSet = trainSet.subset({ end: 2000 });
  testSet = testSet.subset({ end: 1000 });
}
const tag = flag('tag', '');
const out = new URL(`./results/int8${tag ? `-${tag}` : ''}.json`, import.meta.url).pathname;
const command = `node --import tsx experiments/int8.ts ${args.join(' ')}`.trim();

interface Run { model: string; pruned: boolean; seed: number; method: string; bytes: number; fp32Bytes: number; accuracy: number; fp32Accuracy: number; ortMs: number; lopperMs: number }
const records: Run[] = [];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const x = new Float32Array(BATCH * 784);
testSet.fillBatch(x, null, Int32Array.from({ length: BATCH }, (_, i) => i));

async function ortMs(bytes: Uint8Array): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [BATCH, 1, 28, 28]) };
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times.slice(5));
}

function lopperMs(model: Model): number {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    model.forward(BATCH, { x });
    times.push(performance.now() - t);
  }
  return median(times.slice(5));
}

async function save(): Promise<void> {
  const json = {
    experiment: 'int8', date: new Date().toISOString(), command, quick, seeds, sparsity, retrainEpochs, qatEpochs, denseEpochs, batch: BATCH,
    versions: { lopper: pkg.version, node: process.version, 'onnxruntime-web': ortPkg.version, kernels: k.build },
    records,
  };
  await writeAtomic(out, new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
}

async function record(name: string, pruned: boolean, seed: number, method: string, q: QuantizedModel | null, fp32: Model, fp32Accuracy: number, fp32Bytes: number): Promise<void> {
  let run: Run;
  if (!q) {
    const bytes = exportOnnx(fp32);
    run = { model: name, pruned, seed, method, bytes: bytes.length, fp32Bytes, accuracy: fp32Accuracy, fp32Accuracy, ortMs: await ortMs(bytes), lopperMs: lopperMs(fp32) };
  } else {
    const bytes = exportQdqOnnx(q.model, new Map(q.layers.map((l) => [l.node, l.weightScales])));
    const runner = int8Model(q);
    const accuracy = evaluate(runner, testSet).accuracy;
    run = { model: name, pruned, seed, method, bytes: bytes.length, fp32Bytes, accuracy, fp32Accuracy, ortMs: await ortMs(bytes), lopperMs: lopperMs(runner) };
    runner.dispose();
  }
  records.push(run);
  console.log(`${name} ${pruned ? 'pruned' : 'dense '} seed ${seed} ${method.padEnd(10)} ${(run.bytes / 1024).toFixed(0).padStart(5)} KiB ` +
    `(${(run.fp32Bytes / run.bytes).toFixed(2)}× smaller)  accuracy ${(100 * run.accuracy).toFixed(2)}% (fp32 ${(100 * fp32Accuracy).toFixed(2)}%)  ` +
    `ort ${run.ortMs.toFixed(2)} ms  lopper ${run.lopperMs.toFixed(2)} ms`);
  await save();
}

async function denseModel(seed: number): Promise<Model> {
  if (seed === 1 && !quick) return loadModel(new Uint8Array(await readFile(new URL('./models/lenet-5.fashion-mnist.lopm', import.meta.url))), k).model;
  const model = new Model(new Graph(lenet5()), k, { seed });
  await train(model, trainSet, { epochs: denseEpochs, batchSize: 64, seed, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }, schedule: { kind: 'cosine', epochs: denseEpochs } });
  return model;
}

for (const seed of seeds) {
  const dense = await denseModel(seed);
  const pruned = loadModel(saveModel(dense), k).model;
  pruneByMagnitude(pruned, { kind: 'global', sparsity });
  await train(pruned, trainSet, { epochs: retrainEpochs, batchSize: 64, seed, optimizer: { kind: 'sgd', lr: 0.002, momentum: 0.9 } });
  for (const [model, isPruned] of [[dense, false], [pruned, true]] as const) {
    const fp32Accuracy = evaluate(model, testSet).accuracy;
    const fp32Bytes = exportOnnx(model).length;
    await record('lenet-5', isPruned, seed, 'fp32', null, model, fp32Accuracy, fp32Bytes);
    for (const method of CALIBRATION_METHODS.filter((m) => methods.includes(m))) {
      const q = quantizeModel(model, trainSet, { method });
      await record('lenet-5', isPruned, seed, `ptq-${method}`, q, model, fp32Accuracy, fp32Bytes);
      if (method === 'minmax' && qatEpochs > 0) {
        await fineTuneQuantized(q, trainSet, { epochs: qatEpochs, batchSize: 64, seed, optimizer: { kind: 'sgd', lr: 0.001, momentum: 0.9 } });
        await record('lenet-5', isPruned, seed, 'qat-minmax', q, model, fp32Accuracy, fp32Bytes);
      }
      q.model.dispose();
    }
  }
  dense.dispose();
  pruned.dispose();
}
console.log(`wrote ${out}`);
