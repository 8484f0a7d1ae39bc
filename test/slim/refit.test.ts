// Layer-local refits: least squares recovers a conv exactly when the target is one, its error
// from the moments equals the error measured by running the conv, and the refit lowers the
// error it minimises — for streamline slimming (conv → BN → ReLU → pool → LRN) and for branch
// slimming of an inception block. Chains and blocks are found where they are and nowhere else.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { Graph, type GraphDef } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { BatchNorm, Conv2d, Dense, Flatten, GlobalAvgPool, Lrn, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import { inceptionBlock, inceptionSmall, lenet5Bn } from '../../src/nn/nets.js';
import { fitConvs, choleskySolve } from '../../src/slim/fit.js';
import { regressConvs } from '../../src/slim/regress.js';
import { findChains, streamline } from '../../src/slim/streamline.js';
import { findBlocks, slimBranches } from '../../src/slim/branch.js';
import { Draft } from '../../src/slim/draft.js';
import { foldModel } from '../../src/slim/exact.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { onnxFixtures } from '../helpers/onnx-fixtures.js';
import { importOnnx } from '../../src/io/onnx/import.js';

function randomData(shape: [number, number, number], n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  return new Dataset({ name: 'random', shape, pixels: rng.f32(n * shape[0] * shape[1] * shape[2]), labels: Array.from({ length: n }, (_, i) => i % 4), classes: 4, normalise: 'none' });
}

const X = { name: 'x', shape: [3, 10, 10] };

function chainNet(): GraphDef {
  return {
    name: 'chain', inputs: [X], outputs: ['fc'], nodes: [
      { name: 'conv', layer: new Conv2d({ filters: 4, kernel: 3, padding: 1 }), inputs: ['x'] },
      { name: 'bn', layer: new BatchNorm({}), inputs: ['conv'] },
      { name: 'relu', layer: new Relu(), inputs: ['bn'] },
      { name: 'pool', layer: new MaxPool2d({ kernel: 2 }), inputs: ['relu'] },
      { name: 'lrn', layer: new Lrn({ size: 3, alpha: 0.5 }), inputs: ['pool'] },
      { name: 'flat', layer: new Flatten(), inputs: ['lrn'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  };
}

/** Mean squared difference between a linear conv with these weights on `input` and `target`, over all of `data`. */
function measuredError(k: Kernels, model: Model, data: Dataset, input: string, target: string, layer: Conv2d, weight: Float32Array, bias: Float32Array): number {
  const shape = model.graph.shapeOf(input);
  const one = new Model(new Graph({ name: 'one', inputs: [{ name: 'x', shape }], nodes: [{ name: 'c', layer, inputs: ['x'] }], outputs: ['c'] }), k);
  one.params.value('c', 'weight').set(weight);
  one.params.value('c', 'bias').set(bias);
  const order = data.order();
  data.fillBatch(model.input(data.size).f32(), new Int32Array(data.size), order);
  model.forward(data.size);
  const y = one.forward(data.size, { x: model.activation(input).toArray() }).f32();
  const want = model.activation(target).f32();
  let e = 0;
  for (let i = 0; i < y.length; i++) e += (y[i] - want[i]) ** 2;
  one.dispose();
  return e / y.length;
}

test('Cholesky solves a symmetric positive definite system', () => {
  const A = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
  const x = [1, -2, 0.5];
  const B = Float64Array.from([0, 1, 2].map((i) => x.reduce((s, v, j) => s + A[i * 3 + j] * v, 0)));
  choleskySolve(Float64Array.from(A), B, 3, 1);
  assertClose(B, x, 'x', { atol: 1e-12, rtol: 1e-12 });
  assert.throws(() => choleskySolve(Float64Array.from([1, 2, 2, 1]), new Float64Array(2), 2, 1), /singular at row 1/);
});

test('least squares recovers a conv when the target is that conv, and its errors are the measured ones', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(chainNet()), k, { seed: 3 });
  const data = randomData([3, 10, 10], 40, 1);
  const layer = new Conv2d({ filters: 4, kernel: 3, padding: 1 });
  const init = { weight: new Float32Array(4 * 27), bias: new Float32Array(4) };
  const [fit] = fitConvs(model, [{ input: 'x', target: 'conv', layer, init }], data, { samples: 40, ridge: 0 });
  assertClose(fit.weight, model.params.value('conv', 'weight').f32(), 'weights recovered', { atol: 1e-4, rtol: 1e-3 });
  assertClose(fit.bias, model.params.value('conv', 'bias').f32(), 'bias recovered', { atol: 1e-4, rtol: 1e-3 });
  assert.ok(fit.errorAfter < 1e-8, `error after: ${fit.errorAfter}`);
  const before = measuredError(k, model, data, 'x', 'conv', layer, init.weight, init.bias);
  assertClose([fit.errorBefore], [before], 'error before, from the moments vs measured', { atol: 1e-7, rtol: 1e-4 });
  model.dispose();
});

test('streamline: conv → BN → ReLU → pool → LRN becomes one strided conv; the refit lowers the error it minimises', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(chainNet()), k, { seed: 4 });
  const data = randomData([3, 10, 10], 48, 2);
  const chains = findChains(Draft.of(model));
  assert.equal(chains.map((c) => [c.conv, c.nodes]), [['conv', ['bn', 'relu', 'pool', 'lrn']]]);
  assert.equal(chains[0].layer.attrs(), { filters: 4, kernel: [4, 4], stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1, bias: true, activation: 'relu' });
  const { model: slim, fits } = streamline(model, data, { samples: 48 });
  assert.equal(slim.graph.nodes.map((n) => n.layer.op), ['Conv2d', 'Flatten', 'Dense']);
  assert.equal(slim.graph.shapeOf('conv'), model.graph.shapeOf('lrn'));
  assert.ok(fits[0].errorAfter < fits[0].errorBefore, `${fits[0].errorBefore} → ${fits[0].errorAfter}`);
  // The error the fit reports is the error of the linear slim conv, measured.
  const linear = new Conv2d({ ...chains[0].layer.attrs(), activation: undefined } as never);
  const measured = measuredError(k, model, data, 'x', 'lrn', linear, fits[0].weight, fits[0].bias);
  assertClose([fits[0].errorAfter], [measured], 'error after, from the moments vs measured', { atol: 1e-7, rtol: 1e-3 });
  slim.dispose();
  model.dispose();
});

test('local regression after least squares lowers the error with the activation included', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(chainNet()), k, { seed: 4 });
  const data = randomData([3, 10, 10], 48, 2);
  const { model: slim, fits } = streamline(model, data, { samples: 48, regress: { epochs: 5, lr: 3e-3, batchSize: 16 } });
  const r = fits[0].regress!;
  assert.ok(r.errorAfter < r.errorBefore, `${r.errorBefore} → ${r.errorAfter}`);
  // The slim model carries the regressed weights.
  assertClose(slim.params.value('conv', 'weight').f32(), fits[0].weight, 'weights in the model', { atol: 0, rtol: 0 });
  assert.throws(() => regressConvs(model, [], data, { epochs: -1 }), /'epochs' must be an integer ≥ 0/);
  assert.throws(() => regressConvs(model, [], data, { lr: 0 }), /'lr' must be a finite number > 0/);
  slim.dispose();
  model.dispose();
});

test('chains: LeNet-5-BN has two (after folding too); a lone conv → ReLU is not one', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5Bn()), k);
  assert.equal(findChains(Draft.of(model)).map((c) => c.nodes), [['bn1', 'relu1', 'pool1'], ['bn2', 'relu2', 'pool2']]);
  const { model: folded } = foldModel(model);
  const chains = findChains(Draft.of(folded));
  assert.equal(chains.map((c) => [c.conv, c.nodes, c.layer.kernel, c.layer.stride]), [['conv1', ['pool1'], [6, 6], [2, 2]], ['conv2', ['pool2'], [6, 6], [2, 2]]]);
  const plain = new Model(new Graph({
    name: 'plain', inputs: [X], outputs: ['r'], nodes: [
      { name: 'c', layer: new Conv2d({ filters: 2, kernel: 3 }), inputs: ['x'] }, { name: 'r', layer: new Relu(), inputs: ['c'] },
    ],
  }), k);
  assert.equal(findChains(Draft.of(plain)), []);
  for (const m of [model, folded, plain]) m.dispose();
});

test('branch slimming: an inception block becomes one conv with the same output; the refit lowers its error', async () => {
  const [{ k }] = await backends();
  const def: GraphDef = {
    name: 'block', inputs: [{ name: 'x', shape: [6, 7, 7] }], outputs: ['fc'], nodes: [
      { name: 'stem', layer: new Conv2d({ filters: 8, kernel: 3, padding: 1, activation: 'relu' }), inputs: ['x'] },
      ...inceptionBlock('inc', 'stem', { b1: 4, r3: 4, b3: 6, r5: 2, b5: 3, pool: 3 }),
      { name: 'gap', layer: new GlobalAvgPool(), inputs: ['inc'] },
      { name: 'flat', layer: new Flatten(), inputs: ['gap'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  };
  const model = new Model(new Graph(def), k, { seed: 5 });
  const data = randomData([6, 7, 7], 40, 3);
  const blocks = findBlocks(Draft.of(model));
  assert.is(blocks.length, 1);
  assert.equal(blocks[0].branches.map((b) => b.length), [2, 4, 4, 3]);
  const { model: slim, fits } = slimBranches(model, data, { samples: 40 });
  assert.equal(slim.graph.nodes.map((n) => n.layer.op), ['Conv2d', 'Conv2d', 'GlobalAvgPool', 'Flatten', 'Dense']);
  assert.equal(slim.graph.shapeOf('inc'), [16, 7, 7]);
  assert.equal((slim.graph.node('inc').layer as Conv2d).activation, 'relu');
  assert.ok(fits[0].errorAfter < fits[0].errorBefore, `${fits[0].errorBefore} → ${fits[0].errorAfter}`);
  assert.throws(() => findBlocks(Draft.of(model), 2), /'kernel' must be an odd integer/);
  slim.dispose();
  model.dispose();
});

test('the inception net: two stem chains and two blocks, slimmed to six layers with the same output shape', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(inceptionSmall()), k);
  const { model: folded } = foldModel(model);
  const data = randomData([1, 28, 28], 24, 4);
  const s = streamline(folded, data, { samples: 24 });
  assert.equal(s.fits.map((f) => [f.node, f.replaced]), [['conv1', ['pool1', 'lrn1']], ['conv2', ['lrn2', 'pool2']]]);
  const b = slimBranches(s.model, data, { samples: 24 });
  assert.equal(b.model.graph.nodes.map((n) => n.name), ['conv1', 'conv2', 'inc3a', 'inc3b', 'gap', 'flatten', 'fc']);
  assert.equal(b.model.graph.shapeOf('fc'), [10]);
  for (const m of [model, folded, s.model, b.model]) m.dispose();
});

test('an imported PyTorch inception block (ONNX) is found and slimmed, its output shape kept', async () => {
  const [{ k }] = await backends();
  const f = onnxFixtures().find((x) => x.name === 'inception')!;
  const model = importOnnx(f.bytes, k, { file: f.name });
  const { model: folded } = foldModel(model);
  const blocks = findBlocks(Draft.of(folded));
  assert.is(blocks.length, 1);
  assert.is(blocks[0].branches.length, 4);
  const { model: slim, fits } = slimBranches(folded, randomData([3, 12, 12], 32, 6), { samples: 32 });
  assert.not.ok(slim.graph.nodes.some((n) => n.layer.op === 'Concat' || n.layer.op === 'MaxPool2d'));
  assert.equal(slim.graph.shapeOf(blocks[0].concat), folded.graph.shapeOf(blocks[0].concat));
  assert.ok(fits[0].errorAfter < fits[0].errorBefore, `${fits[0].errorBefore} → ${fits[0].errorAfter}`);
  for (const m of [model, folded, slim]) m.dispose();
});

test('fitConvs refuses a conv whose output does not fit the target, and bad options', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(chainNet()), k);
  const data = randomData([3, 10, 10], 8, 1);
  const init = { weight: new Float32Array(4 * 27), bias: new Float32Array(4) };
  assert.throws(() => fitConvs(model, [{ input: 'x', target: 'pool', layer: new Conv2d({ filters: 4, kernel: 3, padding: 1 }), init }], data),
    (e: Error) => e instanceof RangeError && /gives \[4,10,10\], the target 'pool' is \[4,5,5\]/.test(e.message));
  assert.throws(() => fitConvs(model, [], data, { samples: 0 }), /'samples' must be an integer ≥ 1/);
  assert.throws(() => fitConvs(model, [], data, { ridge: -1 }), /'ridge' must be a finite number ≥ 0/);
  model.dispose();
});

test.run();
