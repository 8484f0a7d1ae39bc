// The exact merges change no output beyond float rounding (1e-5): batch norm folded, linear
// pairs multiplied, parallel 1×1 + k×k branches merged, dropout dropped, ReLU fused — on toy
// nets, on the reference nets with random statistics, and on a PyTorch export with batch norm.
// Merges that would not be exact are left alone.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { onnxFixtures } from '../helpers/onnx-fixtures.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { Graph, type GraphDef } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Add, BatchNorm, Conv2d, Dense, Dropout, Flatten, Identity, Relu } from '../../src/nn/layers/index.js';
import { inceptionSmall, lenet5Bn, vggSmall } from '../../src/nn/nets.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { foldModel } from '../../src/slim/exact.js';
import { Draft } from '../../src/slim/draft.js';
import { mergeLinearPairs } from '../../src/slim/linear.js';
import type { Kernels } from '../../src/kernels/kernels.js';

const EXACT = { atol: 1e-5, rtol: 1e-5 };

/** Batch-norm parameters and statistics away from their defaults (weights keep their fan-in scaled init). */
function randomise(model: Model, rng: Rng): void {
  const v = model.params.values.f32();
  const range: Record<string, [number, number]> = { runningVar: [0.5, 2], gamma: [0.5, 1.5], beta: [-0.5, 0.5], runningMean: [-0.3, 0.3], bias: [-0.2, 0.2] };
  for (const e of model.params.entries) {
    const r = range[e.name];
    if (r) for (let i = e.start; i < e.start + e.size; i++) v[i] = rng.uniform(r[0], r[1]);
  }
}

/** Folds a net with random parameters; the outputs on random inputs agree; returns the folded graph's ops. */
function checkFold(k: Kernels, def: GraphDef, seed = 1): { ops: string[]; merges: string[] } {
  const rng = new Rng(seed);
  const model = new Model(new Graph(def), k);
  randomise(model, rng);
  const x = rng.f32(3 * model.graph.inputs[0].shape.reduce((a, b) => a * b, 1));
  const want = model.forward(3, { x }).toArray();
  const { model: folded, merges } = foldModel(model);
  assertClose(folded.forward(3, { x }).toArray(), want, `${def.name}: folded output`, EXACT);
  assertClose(model.forward(3, { x }).toArray(), want, `${def.name}: the input model is unchanged`, { atol: 0, rtol: 0 });
  const ops = folded.graph.nodes.map((n) => n.layer.op);
  folded.dispose();
  model.dispose();
  return { ops, merges };
}

const X = { name: 'x', shape: [3, 8, 8] };

test('batch norm folds into the conv and the dense before it, ReLUs fuse, on LeNet-5-BN and the VGG-style net', async () => {
  const [{ k }] = await backends();
  const lenet = checkFold(k, lenet5Bn());
  assert.equal(lenet.ops, ['Conv2d', 'MaxPool2d', 'Conv2d', 'MaxPool2d', 'Flatten', 'Dense', 'Dense']);
  assert.ok(lenet.merges.includes('bn1 folded into conv1'), lenet.merges.join('; '));
  assert.ok(lenet.merges.includes('bn3 folded into fc1'), lenet.merges.join('; '));
  const vgg = checkFold(k, vggSmall(), 2);
  assert.not.ok(vgg.ops.includes('BatchNorm'));
  assert.not.ok(vgg.ops.includes('Relu'));
});

test('the inception net: ReLUs fuse, dropout goes, pools, LRN and concats stay', async () => {
  const [{ k }] = await backends();
  const { ops } = checkFold(k, inceptionSmall(), 3);
  assert.not.ok(ops.includes('Dropout'));
  assert.not.ok(ops.includes('Relu'));
  assert.is(ops.filter((o) => o === 'Lrn').length, 2);
  assert.is(ops.filter((o) => o === 'Concat').length, 2);
});

test('dense → dense and 1×1 conv → conv (both orders) multiply into one layer', async () => {
  const [{ k }] = await backends();
  const dense = checkFold(k, {
    name: 'dense-pair', inputs: [X], outputs: ['fc2'], nodes: [
      { name: 'flat', layer: new Flatten(), inputs: ['x'] },
      { name: 'fc1', layer: new Dense({ units: 40 }), inputs: ['flat'] },
      { name: 'drop', layer: new Dropout({ rate: 0.5 }), inputs: ['fc1'] },
      { name: 'fc2', layer: new Dense({ units: 5 }), inputs: ['drop'] },
    ],
  });
  assert.equal(dense.ops, ['Flatten', 'Dense']);
  const convs = checkFold(k, {
    name: 'conv-pairs', inputs: [X], outputs: ['d'], nodes: [
      { name: 'a', layer: new Conv2d({ filters: 8, kernel: 1 }), inputs: ['x'] },
      { name: 'b', layer: new Conv2d({ filters: 4, kernel: 3, stride: 2 }), inputs: ['a'] },
      { name: 'c', layer: new Conv2d({ filters: 2, kernel: 1 }), inputs: ['b'] },
      { name: 'r', layer: new Relu(), inputs: ['c'] },
      { name: 'flat', layer: new Flatten(), inputs: ['r'] },
      { name: 'd', layer: new Dense({ units: 3 }), inputs: ['flat'] },
    ],
  });
  assert.equal(convs.ops, ['Conv2d', 'Flatten', 'Dense'], convs.merges.join('; '));
});

test('a 1×1 conv before a padded conv is merged only when it has no bias (padding would see the bias)', async () => {
  const [{ k }] = await backends();
  const def = (bias: boolean): GraphDef => ({
    name: `pad-${bias}`, inputs: [X], outputs: ['b'], nodes: [
      { name: 'a', layer: new Conv2d({ filters: 8, kernel: 1, bias }), inputs: ['x'] },
      { name: 'b', layer: new Conv2d({ filters: 4, kernel: 3, padding: 1 }), inputs: ['a'] },
    ],
  });
  assert.equal(checkFold(k, def(true)).ops, ['Conv2d', 'Conv2d']);
  assert.equal(checkFold(k, def(false)).ops, ['Conv2d']);
});

test('a merge that would cost more FLOPs than the pair (a bottleneck) is not made', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph({
    name: 'bottleneck', inputs: [X], outputs: ['fc2'], nodes: [
      { name: 'flat', layer: new Flatten(), inputs: ['x'] },
      { name: 'fc1', layer: new Dense({ units: 4 }), inputs: ['flat'] },
      { name: 'fc2', layer: new Dense({ units: 100 }), inputs: ['fc1'] },
    ],
  }), k);
  const d = Draft.of(model);
  assert.equal(mergeLinearPairs(d), []);
  model.dispose();
});

test('parallel 3×3 and 1×1 convs (each with batch norm) into one Add become one conv', async () => {
  const [{ k }] = await backends();
  const { ops, merges } = checkFold(k, {
    name: 'repvgg', inputs: [X], outputs: ['out'], nodes: [
      { name: 'c3', layer: new Conv2d({ filters: 6, kernel: 3, padding: 1, bias: false }), inputs: ['x'] },
      { name: 'bn3', layer: new BatchNorm({}), inputs: ['c3'] },
      { name: 'c1', layer: new Conv2d({ filters: 6, kernel: 1, bias: false }), inputs: ['x'] },
      { name: 'bn1', layer: new BatchNorm({}), inputs: ['c1'] },
      { name: 'c5', layer: new Conv2d({ filters: 6, kernel: 5, padding: 2 }), inputs: ['x'] },
      { name: 'sum', layer: new Add(), inputs: ['bn3', 'bn1', 'c5'] },
      { name: 'out', layer: new Relu(), inputs: ['sum'] },
    ],
  });
  assert.equal(ops, ['Conv2d'], merges.join('; '));
});

test('parallel convs whose kernels do not line up (2×2 against 1×1, stride 2) are not merged', async () => {
  const [{ k }] = await backends();
  const { ops } = checkFold(k, {
    name: 'misaligned', inputs: [X], outputs: ['sum'], nodes: [
      { name: 'c2', layer: new Conv2d({ filters: 6, kernel: 2, stride: 2 }), inputs: ['x'] },
      { name: 'c1', layer: new Conv2d({ filters: 6, kernel: 1, stride: 2 }), inputs: ['x'] },
      { name: 'id', layer: new Identity(), inputs: ['c1'] },
      { name: 'sum', layer: new Add(), inputs: ['c2', 'id'] },
    ],
  });
  assert.equal(ops, ['Conv2d', 'Conv2d', 'Add']);
});

test('imported PyTorch ResNets with batch norm kept (a residual net, torchvision ResNet-18 layout): folding removes every BatchNormalization and matches torch', async () => {
  for (const { k } of await backends()) {
    for (const [name, norms] of [['residual-bn', 6], ['resnet18-bn', 12]] as const) {
      const f = onnxFixtures().find((x) => x.name === name)!;
      const model = importOnnx(f.bytes, k, { file: f.name });
      assert.ok(model.graph.nodes.filter((n) => n.layer.op === 'BatchNorm').length >= norms, `${name}: the file keeps its batch norms`);
      const batch = f.inputDims[0];
      const before = model.forward(batch, { x: f.input }).toArray();
      const { model: folded, merges } = foldModel(model);
      assert.is(folded.graph.nodes.filter((n) => n.layer.op === 'BatchNorm').length, 0, `${name}: no batch norm left`);
      assert.ok(merges.some((m) => m.includes('fused')), `${name}: ReLUs fused into the convs' epilogue`);
      const after = folded.forward(batch, { x: f.input }).toArray();
      assertClose(after, before, `${name} [${k.build}]: folded vs unfolded`, EXACT);
      assertClose(after, f.output, `${name} [${k.build}]: folded vs torch`, { atol: 1e-4, rtol: 1e-4 });
      folded.dispose();
      model.dispose();
    }
  }
});

/** Forward and backward of `fused` and of the same layer followed by a Relu node agree exactly. */
function checkFusedBackward(k: Kernels, fused: Conv2d | Dense, plain: Conv2d | Dense, shape: number[], seed: number): void {
  const rng = new Rng(seed);
  const one = new Model(new Graph({ name: 'fused', inputs: [{ name: 'x', shape }], nodes: [{ name: 'a', layer: fused, inputs: ['x'] }], outputs: ['a'] }), k);
  const two = new Model(new Graph({ name: 'plain', inputs: [{ name: 'x', shape }], nodes: [{ name: 'a', layer: plain, inputs: ['x'] }, { name: 'r', layer: new Relu(), inputs: ['a'] }], outputs: ['r'] }), k);
  two.params.values.set(one.params.values.f32());
  const x = rng.f32(2 * shape.reduce((a, b) => a * b, 1));
  const y1 = one.forward(2, { x });
  const y2 = two.forward(2, { x });
  assertClose(y1.toArray(), y2.toArray(), `${fused.op}: forward`, { atol: 0, rtol: 0 });
  const dy = k.from(rng.f32(y1.size), y1.shape);
  one.backward(dy, { inputGradients: true });
  two.backward(dy, { inputGradients: true });
  assertClose(one.params.grads.toArray(), two.params.grads.toArray(), `${fused.op}: parameter gradients`, { atol: 0, rtol: 0 });
  assertClose(one.gradient('x').toArray(), two.gradient('x').toArray(), `${fused.op}: input gradient`, { atol: 0, rtol: 0 });
  assertClose(one.gradient('a').toArray(), dy.toArray(), `${fused.op}: the output's gradient stays dL/dy`, { atol: 0, rtol: 0 });
  dy.dispose();
  one.dispose();
  two.dispose();
}

test('fused ReLU: forward and backward equal a layer then a Relu node; gradients checked; bad activation refused', async () => {
  const [{ k }] = await backends();
  checkFusedBackward(k, new Conv2d({ filters: 3, kernel: 3, padding: 1, activation: 'relu' }), new Conv2d({ filters: 3, kernel: 3, padding: 1 }), [2, 5, 5], 4);
  checkFusedBackward(k, new Dense({ units: 7, activation: 'relu' }), new Dense({ units: 7 }), [9], 5);
  // A positive input and weights keep the pre-activations away from ReLU's kink, where finite differences fail.
  gradCheckLayer(k, new Dense({ units: 4, activation: 'relu' }), [[6]], { batch: 2, input: (rng, n) => Float32Array.from({ length: n }, () => rng.uniform(0.5, 1)) });
  assert.throws(() => new Conv2d({ filters: 3, kernel: 3, activation: 'gelu' as never }), (e: Error) => e instanceof TypeError && /Conv2d: 'activation'.*gelu/.test(e.message));
  assert.equal(new Dense({ units: 2 }).attrs(), { units: 2, bias: true }, 'no activation, no attribute: saved files stay as they were');
});

test.run();
