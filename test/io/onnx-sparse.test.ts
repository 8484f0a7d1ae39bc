// ONNX sparse initializers: pruned weights exported as SparseTensorProto (values, int64 linear
// indices) where that is smaller, run by onnxruntime-web with lopper's outputs (1e-5), read back
// by lopper's importer to the same weights; damaged sparse initializers refused by name.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ort from 'onnxruntime-web';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet300100 } from '../../src/nn/nets.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { decodeModel, encodeModel, type SparseTensorProto } from '../../src/io/onnx/proto.js';
import { int64Tensor } from '../../src/io/onnx/tensor.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

test('pruned weights as sparse initializers: onnxruntime-web runs them, lopper reads them back, the file is smaller', async () => {
  const { k } = (await backends())[0];
  const cases: { def: ReturnType<typeof lenet5>; sparsity: Record<string, number>; sparse: string[] }[] = [
    { def: lenet300100(), sparsity: { fc1: 0.93, fc2: 0.85, fc3: 0.5 }, sparse: ['fc1.weight', 'fc2.weight'] },
    { def: lenet5(), sparsity: { conv1: 0.2, conv2: 0.75, fc1: 0.935, fc2: 0.7 }, sparse: ['conv2.weight', 'fc1.weight', 'fc2.weight'] },
  ];
  for (const { def, sparsity, sparse: expected } of cases) {
    const model = new Model(new Graph(def), k, { seed: 7 });
    pruneByMagnitude(model, { kind: 'layer', sparsity });
    const bytes = exportOnnx(model, { sparseInitializers: true });
    const dense = exportOnnx(model);
    const graph = decodeModel(bytes, 'sparse').graph!;
    const sparse = graph.sparseInitializer!.map((s) => s.values!.name);
    // The weights under a third nonzero; not the last fc of LeNet-300-100 (50 %), nor conv1 (80 %).
    assert.equal(sparse, expected, def.name);
    assert.ok(bytes.length < 0.5 * dense.length, `${def.name}: ${bytes.length} B sparse against ${dense.length} B dense`);
    const x = new Rng(8).f32(2 * 784);
    const want = model.forward(2, { x }).toArray();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [2, 1, 28, 28]) });
    assertClose(out[session.outputNames[0]].data as Float32Array, want, `${def.name} in onnxruntime-web`, { atol: 1e-5, rtol: 1e-5 });
    await session.release();
    const back = importOnnx(bytes, k, { file: 'sparse.onnx' });
    assertClose(back.forward(2, { x }).toArray(), want, `${def.name} read back`, { atol: 1e-6, rtol: 1e-6 });
    back.dispose();
    model.dispose();
  }
});

test('sparse initializers with [nnz, rank] indices are read; damaged ones are refused, naming them', async () => {
  const { k } = (await backends())[0];
  const model = new Model(new Graph(lenet300100()), k, { seed: 9 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.95 });
  const x = new Rng(10).f32(784);
  const want = model.forward(1, { x }).toArray();
  const bytes = exportOnnx(model, { sparseInitializers: true });
  const edit = (change: (s: SparseTensorProto) => void) => {
    const proto = decodeModel(bytes, 'edit');
    change(proto.graph!.sparseInitializer![0]);
    return encodeModel(proto);
  };
  const linear = (s: SparseTensorProto) => {
    const raw = s.indices!.rawData!;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  };
  // Coordinate indices [nnz, 2], as other exporters may write them.
  const coords = edit((s) => {
    const at = linear(s);
    s.indices = int64Tensor('i', [at.length, 2], at.flatMap((i) => [Math.floor(i / 784), i % 784]));
  });
  const back = importOnnx(coords, k, { file: 'coords.onnx' });
  assertClose(back.forward(1, { x }).toArray(), want, 'coordinate indices', { atol: 1e-6, rtol: 1e-6 });
  back.dispose();
  const refused = (bytes: Uint8Array, why: RegExp) => assert.throws(() => importOnnx(bytes, k, { file: 'bad.onnx' }), why);
  refused(edit((s) => { s.indices = int64Tensor('i', [linear(s).length], linear(s).map((i, p) => (p === 3 ? 300 * 784 : i))); }),
    /bad\.onnx: sparse initializer 'fc1\.weight': index 3 is 235200, outside the 235200 entries of dims \[300,784\]/);
  refused(edit((s) => { s.indices = int64Tensor('i', [linear(s).length], linear(s).map((i, p, a) => (p === 5 ? a[4] : i))); }),
    /sparse initializer 'fc1\.weight': indices must ascend without duplicates; index 5/);
  refused(edit((s) => { s.indices = int64Tensor('i', [2], [0, 1]); }), /sparse initializer 'fc1\.weight': indices must be integers of dims \[\d+\] or \[\d+,2\]/);
  refused(edit((s) => { s.dims = [300, -1]; }), /sparse initializer 'fc1\.weight' has dimension -1/);
  refused(edit((s) => { s.values!.name = ''; }), /a sparse initializer has no name/);
  refused(edit((s) => { s.values!.name = 'fc1.bias'; }), /initializer 'fc1\.bias' is defined twice/);
  refused(edit((s) => { s.indices = null; }), /sparse initializer 'fc1\.weight' has no indices tensor/);
  model.dispose();
});

test.run();
