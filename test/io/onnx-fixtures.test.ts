// The PyTorch fixtures end to end: import matches torch within 1e-4; import → export runs in
// onnxruntime-web with the same outputs; export → import round-trips; import → prune 50% of
// filters → export loads in onnxruntime-web and matches the pruned model.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { assertClose } from '../helpers/close.js';
import { ortRunModel } from '../helpers/ort.js';
import { onnxFixtures } from '../helpers/onnx-fixtures.js';
import { importOnnx, parseOnnx } from '../../src/io/onnx/import.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { pruneFilters } from '../../src/prune/filters.js';
import type { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { train } from '../../src/nn/train.js';
import { Rng } from '../helpers/rng.js';

const TOL = { atol: 1e-4, rtol: 1e-4 };

function run(model: Model, x: Float32Array, batch: number): Float32Array {
  return model.forward(batch, { x }).toArray() as Float32Array;
}

test('every fixture imports and matches torch within 1e-4', async () => {
  const [{ k }] = await backends();
  assert.ok(onnxFixtures().length >= 7, 'the fixtures are there');
  for (const f of onnxFixtures()) {
    const model = importOnnx(f.bytes, k, { file: f.name });
    assert.equal([f.inputDims[0], ...model.graph.shapeOf(model.graph.outputs[0])], f.outputDims, `${f.name}: output shape`);
    assertClose(run(model, f.input, f.inputDims[0]), f.output, `${f.name}: lopper vs torch`, TOL);
    model.dispose();
  }
});

test('the fixtures themselves run in onnxruntime-web with torch\'s outputs (dropout in training mode aside)', async () => {
  for (const f of onnxFixtures().filter((x) => x.name !== 'mlp-dropout')) {
    const [got] = await ortRunModel(f.bytes, [[f.input, f.inputDims]]);
    assertClose(got.data, f.output, `${f.name}: onnxruntime-web vs torch`, TOL);
  }
});

test('import → export: onnxruntime-web matches lopper and torch; export → import round-trips', async () => {
  const [{ k }] = await backends();
  for (const f of onnxFixtures()) {
    const model = importOnnx(f.bytes, k, { file: f.name });
    const mine = run(model, f.input, f.inputDims[0]);
    const bytes = exportOnnx(model);
    const [got] = await ortRunModel(bytes, [[f.input, f.inputDims]]);
    assert.equal(got.dims, f.outputDims, `${f.name}: exported output dims`);
    assertClose(got.data, mine, `${f.name}: exported, onnxruntime-web vs lopper`, TOL);
    assertClose(got.data, f.output, `${f.name}: exported, onnxruntime-web vs torch`, TOL);

    const again = importOnnx(bytes, k, { file: `${f.name} (re-imported)` });
    assert.equal(again.graph.nodes.map((n) => n.layer.op), model.graph.nodes.map((n) => n.layer.op), `${f.name}: the same layers`);
    assert.equal(again.graph.nodes.map((n) => n.name), model.graph.nodes.map((n) => n.name), `${f.name}: the same node names`);
    assert.equal(Array.from(again.params.values.f32()), Array.from(model.params.values.f32()), `${f.name}: the same parameters`);
    assertClose(run(again, f.input, f.inputDims[0]), mine, `${f.name}: re-imported`, { atol: 0, rtol: 0 });
    again.dispose();
    model.dispose();
  }
});

test('import → prune 50% of filters → export: onnxruntime-web loads it and matches the pruned model', async () => {
  const [{ k }] = await backends();
  for (const f of onnxFixtures()) {
    const model = importOnnx(f.bytes, k, { file: f.name });
    const prunable = dependencyGroups(model.graph).filter((g) => g.prunable);
    assert.ok(prunable.length > 0, `${f.name}: some group is prunable`);
    const { model: pruned, cuts } = pruneFilters(model, { ratio: 0.5, ops: ['Conv2d', 'Dense'] });
    assert.ok(cuts.length > 0 && pruned.params.size < model.params.size, `${f.name}: pruning removed parameters`);
    const mine = run(pruned, f.input, f.inputDims[0]);
    const [got] = await ortRunModel(exportOnnx(pruned), [[f.input, f.inputDims]]);
    assert.equal(got.dims, f.outputDims, `${f.name}: pruned output dims`);
    assertClose(got.data, mine, `${f.name}: pruned, onnxruntime-web vs lopper`, TOL);
    pruned.dispose();
    model.dispose();
  }
});

test('imported models train: pruned 50%, a few epochs on a small labelled set lower the loss', async () => {
  const [{ k }] = await backends();
  const rng = new Rng(9);
  for (const f of onnxFixtures()) {
    const model = importOnnx(f.bytes, k, { file: f.name });
    const { model: pruned } = pruneFilters(model, { ratio: 0.5, ops: ['Conv2d', 'Dense'] });
    const shape = model.graph.inputs[0].shape;
    const n = 32;
    const data = new Dataset({
      name: `${f.name}-random`, shape, normalise: 'none', classes: 10,
      pixels: rng.f32(n * shape.reduce((a, b) => a * b, 1)), labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    });
    const reports = await train(pruned, data, { epochs: 4, batchSize: 8, optimizer: { kind: 'adam', lr: 0.01 } });
    const losses = reports.map((r) => r.loss);
    assert.ok(losses.every(Number.isFinite), `${f.name}: finite losses ${losses}`);
    assert.ok(losses[losses.length - 1] < losses[0], `${f.name}: the loss falls (${losses.map((l) => l.toFixed(3)).join(' → ')})`);
    pruned.dispose();
    model.dispose();
  }
});

test('parseOnnx reports the file: IR, opset, producer, ops, batch', () => {
  const lenet = onnxFixtures().find((f) => f.name === 'lenet5')!;
  const { info, graph } = parseOnnx(lenet.bytes);
  assert.is(info.opset, 9);
  assert.match(info.producer, /^pytorch/);
  assert.equal(info.ops, { Conv: 2, Relu: 3, MaxPool: 2, Flatten: 1, Gemm: 2 });
  assert.is(info.batch, 2);
  assert.equal(graph.inputs, [{ name: 'x', shape: [1, 28, 28] }]);
  assert.equal(graph.outputs, ['y']);
  const nhwc = parseOnnx(onnxFixtures().find((f) => f.name === 'nhwc')!.bytes);
  assert.is(nhwc.info.batch, 'batch');
  // The input's transpose stays; the one before the flatten folds into the Dense's weights.
  assert.equal(nhwc.graph.nodes.map((n) => n.layer.op), ['Transpose', 'Conv2d', 'Relu', 'Conv2d', 'Relu', 'Flatten', 'Dense']);
  assert.equal(dependencyGroups(nhwc.graph).filter((g) => g.prunable).map((g) => g.producers[0]), ['/conv1/Conv', '/conv2/Conv']);
});

test.run();
