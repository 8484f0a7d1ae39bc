// QDQ ONNX export: onnxruntime-web loads and runs a quantised LeNet-5; its outputs are within one
// quantisation step of lopper's int8 inference; weights are int8, the file ≥ 3.8× smaller.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { ortRunModel } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { Graph, Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { lenet5 } from '../../src/nn/nets.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { exportQdqOnnx } from '../../src/io/onnx/export-qdq.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { decodeModel, DataType } from '../../src/io/onnx/proto.js';
import { quantizeModel } from '../../src/compress/quantize/model.js';
import { int8Model } from '../../src/compress/quantize/int8-layers.js';

test('a QDQ LeNet-5 runs in onnxruntime-web within one step of lopper int8, and is ≥ 3.8× smaller', async () => {
  const [{ k }] = await backends();
  const rng = new Rng(1);
  const n = 64;
  const data = new Dataset({ name: 'random', shape: [1, 28, 28], pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255)), labels: new Int32Array(n), classes: 10 });
  const model = new Model(new Graph(lenet5()), k, { seed: 2 });
  const q = await quantizeModel(model, data, { method: 'percentile' });
  const bytes = exportQdqOnnx(q.model, new Map(q.layers.map((l) => [l.node, l.weightScales])));
  const fp32 = exportOnnx(model);
  assert.throws(() => exportQdqOnnx(q.model, new Map([['pool1', new Float32Array(20)]])), /exportQdqOnnx: node 'pool1' is not a Dense or Conv2d layer/);
  assert.throws(() => exportQdqOnnx(q.model, new Map([['fc2', new Float32Array(3)]])), /'fc2' has 10 output channels, 3 scales given/);
  assert.ok(fp32.length / bytes.length >= 3.8, `QDQ is ${(fp32.length / bytes.length).toFixed(2)}× smaller`);
  const proto = decodeModel(bytes, 'qdq');
  const ops = proto.graph!.node!.map((x) => x.opType);
  assert.is(ops.filter((o) => o === 'QuantizeLinear').length, 4);
  assert.is(ops.filter((o) => o === 'DequantizeLinear').length, 8);
  const weights = proto.graph!.initializer!.filter((t) => t.name!.endsWith('weight_quantized'));
  assert.is(weights.length, 4);
  assert.ok(weights.every((t) => t.dataType === DataType.INT8));

  const x = new Float32Array(8 * 784);
  data.fillBatch(x, null, Int32Array.from({ length: 8 }, (_, i) => i));
  const [ort] = await ortRunModel(bytes, [[x, [8, 1, 28, 28]]]);
  const lopper = int8Model(q).forward(8, { x }).toArray();
  // One step of fc2's input moves a logit by at most s_x·Σ|w_j| (w_j: row j of fc2, dequantized).
  const fc2 = q.layers.find((l) => l.node === 'fc2')!;
  const w = q.model.params.value('fc2', 'weight').f32();
  let step = 0;
  for (let j = 0; j < 10; j++) {
    let l1 = 0;
    for (let i = 0; i < 500; i++) l1 += Math.abs(w[j * 500 + i]);
    step = Math.max(step, fc2.inputScale * l1);
  }
  let worst = 0;
  for (let i = 0; i < lopper.length; i++) worst = Math.max(worst, Math.abs(ort.data[i] - lopper[i]));
  assert.ok(worst <= step, `largest difference ${worst} > one step ${step}`);
  // Import: the QDQ file comes back as FakeQuant nodes and the dequantized weights; it computes what the quantised model does.
  const back = importOnnx(bytes, k);
  assert.is(back.graph.nodes.filter((n) => n.layer.op === 'FakeQuant').length, 4);
  const again = back.forward(8, { x }).toArray();
  const fake = q.model.forward(8, { x }).toArray();
  for (let i = 0; i < fake.length; i++) assert.ok(Math.abs(again[i] - fake[i]) <= 1e-5, `imported logit ${i}: ${again[i]} vs ${fake[i]}`);
  console.log(`  (ort-web vs lopper int8: largest logit difference ${worst.toExponential(2)}, one step ${step.toExponential(2)}; ${(fp32.length / bytes.length).toFixed(2)}× smaller)`);
});

test.run();
