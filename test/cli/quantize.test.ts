// `lopper quantize` as a child process: writes a QDQ ONNX file that onnxruntime-web runs, with
// per-layer scales and both accuracies in --json; bad flags exit 2 naming the flag.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, lopper } from '../helpers/cli.js';
import { ortRunModel } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { saveDataset } from '../../src/node/data.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { saveModel } from '../../src/io/native.js';
import { Graph, Model } from '../../src/nn/model.js';
import { lenet5 } from '../../src/nn/nets.js';
import { exportOnnx } from '../../src/io/onnx/export.js';

let dir = '';
const at = (name: string) => join(dir, name);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-quantize-'));
  const rng = new Rng(1);
  const n = 48;
  await saveDataset(at('tiny.lopd'), new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  }));
  const model = new Model(new Graph(lenet5()), await loadNodeKernels(), { seed: 2 });
  await writeFile(at('m.lopm'), saveModel(model));
  await writeFile(at('m.onnx'), exportOnnx(model));
  model.dispose();
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('quantize writes QDQ ONNX that onnxruntime-web runs; --json reports scales, sizes and accuracies', async () => {
  const r = await lopper(['quantize', at('m.lopm'), '--data', at('tiny.lopd'), '-o', at('q.onnx'), '--calibration', 'entropy', '--qat-epochs', '1', '--batch-size', '16', '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.command, 'quantize');
  assert.is(out.calibration, 'entropy');
  assert.equal(out.layers.map((l: { node: string }) => l.node), ['conv1', 'conv2', 'fc1', 'fc2']);
  assert.ok(out.fp32Bytes / out.bytes >= 3.8, `${out.fp32Bytes} / ${out.bytes}`);
  assert.ok(out.accuracy >= 0 && out.accuracy <= 1);
  const bytes = new Uint8Array(await readFile(at('q.onnx')));
  assert.is(bytes.length, out.bytes);
  const [y] = await ortRunModel(bytes, [[new Float32Array(2 * 784).fill(0.5), [2, 1, 28, 28]]]);
  assert.equal(y.dims, [2, 10]);
  // inspect reads the same scales and int8 sizes back from the file.
  const [seen, text] = await Promise.all([lopper(['inspect', at('q.onnx'), '--json']), lopper(['inspect', at('q.onnx')])]);
  assert.is(seen.code, 0, seen.stderr);
  const int8 = JSON.parse(seen.stdout).int8 as { node: string; inputScale: number; weightScaleMin: number; weightScaleMax: number; int8Bytes: number }[];
  assert.is(int8.length, 4);
  for (const [i, l] of out.layers.entries()) {
    assert.ok(Math.abs(int8[i].inputScale - l.inputScale) <= 1e-7 * l.inputScale, `${l.node} input scale ${int8[i].inputScale} vs ${l.inputScale}`);
    assert.ok(Math.abs(int8[i].weightScaleMax - l.weightScaleMax) <= 1e-6 * l.weightScaleMax, `${l.node} weight scale max`);
    assert.is(int8[i].int8Bytes, l.int8Bytes, `${l.node} int8 bytes`);
  }
  assert.match(text.stdout, /int8 layer\s+op\s+input scale\s+weight scales\s+int8 weights/);
});

test('quantize refuses a non-ONNX output and an unknown calibration, naming them', async () => {
  const [ext, method, same] = await Promise.all([
    lopper(['quantize', at('m.lopm'), '--data', at('tiny.lopd'), '-o', at('q.lopm')]),
    lopper(['quantize', at('m.lopm'), '--data', at('tiny.lopd'), '-o', at('q.onnx'), '--calibration', 'kl']),
    lopper(['quantize', at('m.onnx'), '--data', at('tiny.lopd'), '-o', at('m.onnx')]),
  ]);
  fails(ext, 2, 'lopper quantize:', 'q.lopm', '.onnx');
  fails(method, 2, 'lopper quantize:', '--calibration', 'kl');
  fails(same, 2, 'lopper quantize:', 'is also an input');
});

test.run();
