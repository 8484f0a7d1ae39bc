// The torchvision families (scripts/make-onnx-zoo.py) at opsets 13 and 17, and the hand-built
// fixtures at opsets 18–23 (scripts/make-onnx-newest.ts), end to end: import matches the stored
// output (torch's, or onnxruntime-web's) and onnxruntime-web within 1e-4; 30 % of the filters of every
// prunable conv group removed by L1 norm; the pruned model exports, and onnxruntime-web runs it
// with lopper's outputs.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { assertClose } from '../helpers/close.js';
import { ortRunModel } from '../helpers/ort.js';
import { zooFixtures } from '../helpers/onnx-zoo.js';
import { importOnnx, parseOnnx } from '../../src/io/onnx/import.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { pruneFilters } from '../../src/prune/filters.js';

const TOL = { atol: 1e-4, rtol: 1e-4 };
const FAMILIES = ['densenet', 'efficientnet', 'googlenet', 'mobilenet-v2', 'mobilenet-v3', 'regnet', 'resnet', 'shufflenet-v2', 'squeezenet'];

test('the zoo holds every family at opsets 13 and 17', () => {
  const names = zooFixtures().map((f) => f.name);
  for (const family of FAMILIES) for (const opset of [13, 17]) assert.ok(names.includes(`${family}-op${opset}`), `${family} at opset ${opset}`);
});

test('the newest fixtures cover opsets 18–23 and IR versions 8–11', () => {
  const info = zooFixtures('onnx-newest').map((f) => parseOnnx(f.bytes, { file: f.name }).info);
  assert.equal([...new Set(info.map((i) => i.opset))].sort((a, b) => a - b), [18, 19, 20, 21, 22, 23]);
  assert.equal([...new Set(info.map((i) => i.irVersion))].sort((a, b) => a - b), [8, 9, 10, 11]);
});

for (const f of [...zooFixtures(), ...zooFixtures('onnx-newest')]) {
  test(`${f.name}: imports, runs as torch and onnxruntime-web do, prunes 30 % by L1, exports, runs in onnxruntime-web`, async () => {
    const [{ k }] = await backends();
    const model = importOnnx(f.bytes, k, { file: f.name });
    const batch = f.inputDims[0];
    const mine = model.forward(batch, { x: f.input }).toArray() as Float32Array;
    assertClose(mine, f.output, `${f.name}: lopper vs the stored output`, TOL);
    const [ort] = await ortRunModel(f.bytes, [[f.input, f.inputDims]]);
    assertClose(mine, ort.data, `${f.name}: lopper vs onnxruntime-web`, TOL);

    const { model: pruned, cuts } = pruneFilters(model, { ratio: 0.3 });
    assert.ok(cuts.length > 0 && pruned.params.size < model.params.size, `${f.name}: pruning removed parameters (${model.params.size} → ${pruned.params.size})`);
    const after = pruned.forward(batch, { x: f.input }).toArray() as Float32Array;
    const [got] = await ortRunModel(exportOnnx(pruned), [[f.input, f.inputDims]]);
    assert.equal(got.dims, f.outputDims, `${f.name}: pruned output dims`);
    assertClose(got.data, after, `${f.name}: pruned, onnxruntime-web vs lopper`, TOL);
    pruned.dispose();
    model.dispose();
  });
}

test.run();
