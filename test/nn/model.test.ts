// Model-level behaviour: reference nets' sizes, seeded initialisation, save/load, a short
// training run far above chance, masks that stay zero, and refusals of bad data.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet300100, lenet5Maxout, vggSmall } from '../../src/nn/nets.js';
import { loadModel, saveModel } from '../../src/io/native.js';
import { train, evaluate } from '../../src/nn/train.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { loadBuiltin } from '../../src/node/data.js';
import { rejects } from '../helpers/rejects.js';

test('reference nets have the published sizes', () => {
  const five = new Graph(lenet5());
  assert.is(five.paramCount(), 431080, 'Caffe LeNet-5: 20·25+20 + 50·500+50 + 800·500+500 + 500·10+10');
  assert.equal(five.shapeOf('pool2'), [50, 4, 4]);
  assert.is(new Graph(lenet300100()).paramCount(), 266610);
  const maxout = new Graph(lenet5Maxout());
  assert.equal(maxout.shapeOf('maxout1'), [125]);
  assert.is(maxout.paramCount('fc2'), 125 * 10 + 10);
  const vgg = new Graph(vggSmall());
  assert.equal(vgg.shapeOf('pool3'), [128, 3, 3]);
  assert.ok(five.flops('conv2') > five.flops('conv1'), 'conv2 dominates LeNet-5 FLOPs');
  assert.is(five.flops('fc1'), 2 * 800 * 500 + 500);
});

test('initialisation is seeded: same seed, same weights; other seed, other weights', async () => {
  const [{ k }] = await backends();
  const a = new Model(new Graph(lenet300100()), k, { seed: 7 });
  const b = new Model(new Graph(lenet300100()), k, { seed: 7 });
  const c = new Model(new Graph(lenet300100()), k, { seed: 8 });
  assert.equal(a.params.values.toArray(), b.params.values.toArray());
  assert.not.equal(a.params.values.toArray(), c.params.values.toArray());
  const w = a.params.value('fc1', 'weight').f32();
  const bound = 1 / Math.sqrt(784);
  assert.ok(w.every((v) => Math.abs(v) <= bound), 'U(±1/sqrt(fanIn)) as PyTorch');
  for (const m of [a, b, c]) m.dispose();
});

test('forward with timings adds every node\'s milliseconds and changes no output', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 2 });
  const x = Float32Array.from({ length: 3 * 784 }, (_, i) => Math.cos(i));
  const plain = model.forward(3, { x }).toArray();
  const timings = new Map<string, number>([['conv1', 1000]]);
  assert.equal(model.forward(3, { x, timings }).toArray(), plain);
  assert.equal([...timings.keys()].sort(), model.graph.nodes.map((n) => n.name).sort());
  assert.ok(timings.get('conv1')! >= 1000, 'added to what the map held');
  assert.ok([...timings.values()].every((ms) => Number.isFinite(ms) && ms >= 0));
  model.dispose();
});

test('save → load gives the same outputs; damaged files are refused by name', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(vggSmall()), k, { seed: 3 });
  const x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i));
  const before = model.forward(2, { x }).toArray();
  const bytes = saveModel(model, { note: 'test' });
  const { model: copy, meta } = loadModel(bytes, k, 'vgg.lopm');
  assert.equal(meta, { note: 'test' });
  assert.equal(copy.forward(2, { x }).toArray(), before);
  assert.equal(copy.params.values.toArray(), model.params.values.toArray(), 'batch-norm state included');

  const flipped = bytes.slice();
  flipped[bytes.length - 100] ^= 1;
  assert.throws(() => loadModel(flipped, k, 'vgg.lopm'), /vgg\.lopm: not a valid lopper model: CRC-32 is 0x[0-9a-f]{8}, the file says 0x[0-9a-f]{8}/);
  assert.throws(() => loadModel(bytes.subarray(0, 10), k, 'short.lopm'), /short\.lopm: not a valid lopper model: 10 bytes is too short/);
  const wrongMagic = bytes.slice();
  wrongMagic[0] = 88;
  assert.throws(() => loadModel(wrongMagic, k, 'x.lopm'), /magic is "XOPM", expected "LOPM"/);
  model.dispose();
  copy.dispose();
});

test('a short training run on a Fashion-MNIST subset gets far above chance', async () => {
  const [{ k }] = await backends();
  const trainSet = (await loadBuiltin('fashion-mnist', 'train')).subset({ end: 3000 });
  const testSet = (await loadBuiltin('fashion-mnist', 'test')).subset({ end: 1000 });
  const model = new Model(new Graph(lenet300100()), k, { seed: 1 });
  const history = await train(model, trainSet, { epochs: 2, batchSize: 32, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
  assert.ok(history[1].loss < history[0].loss, 'loss falls');
  const { accuracy } = evaluate(model, testSet);
  assert.ok(accuracy > 0.7, `test accuracy ${accuracy} after 2 epochs on 3,000 images (chance is 0.1)`);
  model.dispose();
});

test('masked weights stay exactly zero through training', async () => {
  const [{ k }] = await backends();
  const data = (await loadBuiltin('mnist', 'train')).subset({ end: 256 });
  const model = new Model(new Graph(lenet5()), k, { seed: 2 });
  const mask = model.params.maskOf('fc1', 'weight').f32();
  for (let i = 0; i < mask.length; i += 3) mask[i] = 0;
  model.params.applyMask();
  for (const kind of ['sgd', 'adam'] as const) {
    await train(model, data, { epochs: 1, batchSize: 64, optimizer: { kind, lr: 0.01, weightDecay: 1e-3, l1: 1e-4 } });
  }
  const w = model.params.value('fc1', 'weight').f32();
  let zeros = 0;
  for (let i = 0; i < w.length; i += 3) if (w[i] === 0) zeros++; // ±0: applyMask gives −0 for negative weights
  assert.is(zeros, Math.ceil(w.length / 3));
  assert.ok(w[1] !== 0, 'unmasked weights train');
  model.dispose();
});

test('training refuses data that does not fit the model, and bad options', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet300100()), k);
  const wrongShape = new Dataset({ name: 'tiny', shape: [1, 8, 8], pixels: new Uint8Array(2 * 64), labels: [0, 1] });
  await rejects(() => train(model, wrongShape, { epochs: 1 }), /dataset 'tiny' has samples of shape \[1,8,8\], model 'lenet-300-100' takes \[1,28,28\]/);
  const tooManyClasses = new Dataset({ name: 'wide', shape: [1, 28, 28], pixels: new Uint8Array(784), labels: [11] });
  await rejects(() => train(model, tooManyClasses, { epochs: 1 }), /dataset 'wide' has 12 classes, model 'lenet-300-100' outputs \[10\]/);
  const ok = new Dataset({ name: 'one', shape: [1, 28, 28], pixels: new Uint8Array(784), labels: [3] });
  await rejects(() => train(model, ok, { epochs: -1 }), /train: 'epochs' must be an integer ≥ 0, got -1/);
  await rejects(() => train(model, ok, { epochs: 1, optimizer: { kind: 'sgd', lr: 0 } }), /optimizer sgd: 'lr' must be a finite number > 0, got 0/);
  await rejects(() => train(model, ok, { epochs: 1, optimizer: { kind: 'sgd', lr: 0.1, momentum: 1 } }), /'momentum' must be in \[0, 1\), got 1/);
  await rejects(() => train(model, ok, { epochs: 1, schedule: { kind: 'step', every: 0, gamma: 0.5 } }), /schedule 'step': 'every' must be > 0 epochs, got 0/);
  assert.throws(() => new Dataset({ name: 'nan', shape: [1, 1, 2], pixels: new Float32Array([1, NaN]), labels: [0] }), /nan/);
  assert.throws(() => new Dataset({ name: 'empty', shape: [1, 28, 28], pixels: new Uint8Array(0), labels: [] }), /dataset 'empty' is empty/);
  model.dispose();
});

test.run();
