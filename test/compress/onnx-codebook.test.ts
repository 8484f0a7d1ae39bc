// The codebook ONNX: shared weights as Gather(codebook, Cast(indices)), run by onnxruntime-web
// with lopper's outputs (1e-5), ≥ 3.5× smaller than the f32 ONNX; uint16 indices past 256 entries.

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
import { decodeModel } from '../../src/io/onnx/proto.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { shareWeights } from '../../src/compress/share.js';
import { exportCodebookOnnx } from '../../src/compress/onnx-codebook.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

test('onnxruntime-web runs the codebook ONNX with lopper\'s outputs; it is ≥ 3.5× smaller', async () => {
  const { k } = (await backends())[0];
  for (const def of [lenet300100(), lenet5()]) {
    const model = new Model(new Graph(def), k, { seed: 4 });
    pruneByMagnitude(model, { kind: 'layer', sparsity: 0.9 });
    const shared = shareWeights(model);
    const bytes = exportCodebookOnnx(model, shared);
    const f32 = exportOnnx(model);
    assert.ok(f32.length / bytes.length >= 3.5, `${def.name}: ${bytes.length} B against ${f32.length} B`);
    const types = decodeModel(bytes, 'codebook').graph!.initializer!.filter((t) => t.name!.endsWith('.indices')).map((t) => t.dataType);
    assert.equal(types, shared.map((s) => (s.bits === 8 ? 4 : 2)), 'uint8 indices, uint16 for 256 clusters + zero');
    const x = new Rng(5).f32(3 * 784);
    const want = model.forward(3, { x }).toArray();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [3, 1, 28, 28]) });
    assertClose(out[session.outputNames[0]].data as Float32Array, want, `${def.name} in onnxruntime-web`, { atol: 1e-5, rtol: 1e-5 });
    await session.release();
    model.dispose();
  }
});

test('a weight the model does not have is refused, naming it', async () => {
  const { k } = (await backends())[0];
  const model = new Model(new Graph(lenet300100()), k);
  const [s] = shareWeights(model, { fc: 2 });
  assert.throws(() => exportCodebookOnnx(model, [{ ...s, node: 'nope' }]), /exportCodebookOnnx: the model has no weight 'nope.weight'/);
  model.dispose();
});

test.run();
