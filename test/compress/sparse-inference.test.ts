// Sparse inference: pruned Dense and Conv2d layers through the CSR kernels give the dense outputs
// (1e-5), on every build and batch size; the plan is per layer, dropped by a training pass, freed
// with the model.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet300100 } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, Relu } from '../../src/nn/layers/index.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { useSparseKernels } from '../../src/compress/sparse-inference.js';
import { shareWeights } from '../../src/compress/share.js';

test('the sparse path computes the dense outputs, Dense and Conv2d, every batch size', async () => {
  const rng = new Rng(6);
  for (const { k } of await backends()) {
    for (const def of [lenet300100(), lenet5()]) {
      const model = new Model(new Graph(def), k, { seed: 1 });
      pruneByMagnitude(model, { kind: 'layer', sparsity: 0.9 });
      for (const batch of [1, 3, 8, 13]) {
        const x = rng.f32(batch * 784);
        const want = model.forward(batch, { x }).toArray();
        const plans = useSparseKernels(model, { path: 'sparse' });
        assert.equal(plans.map((p) => p.batches.map((b) => b.path)), plans.map(() => ['sparse', 'sparse']));
        // Batch 1 (and 3, nearest to 1) on SELL-4 in Dense layers; 13 (nearest 64) on CSR.
        assert.equal(plans.map((p) => p.batches.map((b) => b.kernel)), plans.map((p) => (p.op === 'Dense' ? ['sell4', 'csr'] : ['csr', 'csr'])));
        assert.equal(model.inferenceForwards(), plans.map((p) => p.node));
        assertClose(model.forward(batch, { x }).toArray(), want, `${def.name} batch ${batch} [${k.build}]`, { atol: 1e-5, rtol: 1e-5 });
      }
      model.dispose();
    }
  }
});

test('a strided, padded conv with a bias-free Dense: the same outputs', async () => {
  const { k } = (await backends())[0];
  const graph = new Graph({
    name: 'odd', inputs: [{ name: 'x', shape: [3, 9, 7] }], outputs: ['fc'],
    nodes: [
      { name: 'conv', layer: new Conv2d({ filters: 5, kernel: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2] }), inputs: ['x'] },
      { name: 'relu', layer: new Relu(), inputs: ['conv'] },
      { name: 'flat', layer: new Flatten(), inputs: ['relu'] },
      { name: 'fc', layer: new Dense({ units: 7, bias: false }), inputs: ['flat'] },
    ],
  });
  const model = new Model(graph, k, { seed: 2 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.7 });
  const x = new Rng(3).f32(2 * 3 * 9 * 7);
  const want = model.forward(2, { x }).toArray();
  useSparseKernels(model, { path: 'sparse' });
  assertClose(model.forward(2, { x }).toArray(), want, 'odd conv', { atol: 1e-5, rtol: 1e-5 });
  model.dispose();
});

test('auto times both paths per layer; dense layers are left alone; training drops the plan; dispose frees it', async () => {
  const { k } = (await backends())[0];
  const live = k.heap.liveBytes;
  const model = new Model(new Graph(lenet300100()), k, { seed: 1 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: { fc1: 0.95, fc2: 0.9, fc3: 0 } });
  const plans = useSparseKernels(model, { batches: [1, 4], reps: 3 });
  assert.equal(plans.map((p) => p.node), ['fc1', 'fc2'], 'fc3 is dense');
  for (const p of plans) {
    assert.equal(p.batches.map((b) => b.batch), [1, 4]);
    assert.ok(p.batches.every((b) => b.denseMs >= 0 && b.sparseMs >= 0 && ['csr', 'sell4'].includes(b.kernel)) && p.density < 0.11, JSON.stringify(p));
  }
  // Whatever each batch size chose, the outputs are the dense ones.
  const x = new Float32Array(3 * 784).map((_, i) => Math.cos(i));
  const sparseOut = model.forward(3, { x }).toArray();
  const fresh = new Model(model.graph, k);
  fresh.params.values.set(model.params.values.f32());
  assertClose(sparseOut, fresh.forward(3, { x }).toArray(), 'auto plan', { atol: 1e-5, rtol: 1e-5 });
  fresh.dispose();
  useSparseKernels(model, { path: 'sparse' });
  model.forward(2, { x: new Float32Array(2 * 784), training: true });
  assert.equal(model.inferenceForwards(), []);
  useSparseKernels(model, { path: 'sparse' });
  shareWeights(model, { fc: 2 });
  assert.equal(model.inferenceForwards(), [], 'sharing rewrites the weights: the plan built from them goes');
  useSparseKernels(model, { path: 'sparse' });
  model.dispose();
  assert.is(k.heap.liveBytes, live, 'nothing left on the heap');
  const other = new Model(new Graph(lenet300100()), k);
  assert.throws(() => useSparseKernels(other, { batches: [0] }), /useSparseKernels: 'batches' must be integers ≥ 1/);
  other.dispose();
});

test.run();
