// readModelFile / writeModelFile: the format follows the extension; .onnx and .lopm round-trip
// a model (and its metadata); unknown extensions and missing files are named.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5 } from '../../src/nn/nets.js';
import { modelFormat, readModelFile, writeModelFile } from '../../src/node/model-file.js';
import { assertClose } from '../helpers/close.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { shareWeights } from '../../src/compress/share.js';
import { encodeLop } from '../../src/compress/lop-file.js';

let dir = '';
test.before(async () => { dir = await mkdtemp(join(tmpdir(), 'lopper-model-file-')); });
test.after(async () => { await rm(dir, { recursive: true, force: true }); });

test('.onnx and .lopm round-trip a model, its outputs and its metadata', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 4 });
  const x = new Rng(1).f32(2 * 784);
  const want = model.forward(2, { x }).toArray();
  for (const name of ['m.onnx', 'm.lopm', 'M.ONNX']) {
    const path = join(dir, name);
    const size = await writeModelFile(path, model, { method: 'test', step: 3 });
    assert.ok(size > 400_000, `${name}: ${size} bytes`);
    const back = await readModelFile(path, k);
    assert.is(back.format, name.endsWith('lopm') ? 'lopm' : 'onnx');
    assert.equal(back.meta, { method: 'test', step: 3 });
    if (back.format === 'onnx') assert.is(back.onnx?.opset, 17);
    assert.equal(Array.from(back.model.forward(2, { x }).toArray()), Array.from(want), `${name}: same outputs`);
    back.model.dispose();
  }
  model.dispose();
});

test('unknown extensions, missing and damaged files are named', async () => {
  const [{ k }] = await backends();
  assert.throws(() => modelFormat('model.pt'), /model\.pt: unknown model format '\.pt'; lopper reads \.onnx, \.lopm and \.lop files/);
  assert.throws(() => modelFormat('model'), /unknown model format '\(no extension\)'/);
  try {
    await readModelFile(join(dir, 'none.onnx'), k);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /none\.onnx: no such file/);
  }
  await writeFile(join(dir, 'bad.onnx'), 'not a model at all');
  try {
    await readModelFile(join(dir, 'bad.onnx'), k);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /bad\.onnx: not an ONNX model/);
  }
});

test('a .lop file reads into a model on the sparse path with its shared weights; writing one is refused', async () => {
  const { k } = (await backends())[0];
  const model = new Model(new Graph(lenet5()), k, { seed: 2 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.95 });
  const shared = shareWeights(model);
  const path = join(dir, 'm.lop');
  await writeFile(path, encodeLop(model, shared));
  const file = await readModelFile(path, k);
  assert.is(file.format, 'lop');
  assert.equal(file.lop!.shared.map((s) => s.node), shared.map((s) => s.node));
  assert.equal([...file.model.params.values.f32()], [...model.params.values.f32()]);
  const x = new Rng(1).f32(784);
  assertClose(file.model.forward(1, { x }).toArray(), model.forward(1, { x }).toArray(), 'sparse path', { atol: 1e-5, rtol: 1e-5 });
  await writeModelFile(join(dir, 'x.lop'), model).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /then 'lopper compress' it/));
  file.model.dispose();
  model.dispose();
});

test.run();
