// Centroid fine-tuning: the gradient of a shared value (the summed gradients of its members)
// against finite differences of the loss, and training that lowers the loss while pruned weights
// stay zero and shared weights stay shared.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { Dense, Flatten, Relu } from '../../src/nn/layers/index.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { computeGradients } from '../../src/nn/train.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { shareWeights, writeShared } from '../../src/compress/share.js';
import { finetuneCentroids } from '../../src/compress/finetune.js';
import { clusterGradSum } from '../../src/kernels/ops/cluster.js';

async function setup() {
  const { k } = (await backends())[0];
  const rng = new Rng(4);
  const n = 256;
  const pixels = new Float32Array(n * 8);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 8; j++) pixels[i * 8 + j] = rng.uniform(-1, 1);
    labels[i] = (pixels[i * 8] + pixels[i * 8 + 1] > 0 ? 1 : 0) + (pixels[i * 8 + 2] > 0 ? 2 : 0);
  }
  const data = new Dataset({ name: 'toy', shape: [1, 1, 8], pixels, labels, classes: 4, normalise: 'none' });
  const graph = new Graph({
    name: 'toy', inputs: [{ name: 'x', shape: [1, 1, 8] }], outputs: ['fc2'],
    nodes: [
      { name: 'flat', layer: new Flatten(), inputs: ['x'] },
      { name: 'fc1', layer: new Dense({ units: 16 }), inputs: ['flat'] },
      { name: 'relu', layer: new Relu(), inputs: ['fc1'] },
      { name: 'fc2', layer: new Dense({ units: 4 }), inputs: ['relu'] },
    ],
  });
  const model = new Model(graph, k, { seed: 2 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.5 });
  const shared = shareWeights(model, { fc: 3 });
  return { k, data, model, shared };
}

test('a shared value\'s gradient is the finite difference of the loss', async () => {
  const { k, data, model, shared } = await setup();
  const loss = new SoftmaxCrossEntropy(k);
  const indices = Int32Array.from({ length: 32 }, (_, i) => i);
  const labels = new Int32Array(32);
  const lossAt = () => computeGradients(model, loss, data, indices, labels).loss / 32;
  lossAt();
  for (const s of shared) {
    const e = model.params.entry(s.node, s.name);
    const g = clusterGradSum(k.tensor([s.codebook.length]), model.params.grads.view(e.start, e.shape), k.from(s.assign, [e.size], 'i32')).toArray();
    for (let c = 0; c < s.codebook.length; c++) {
      const h = 1e-3;
      const c0 = s.codebook[c];
      s.codebook[c] = c0 + h;
      writeShared(model, s);
      const up = lossAt();
      s.codebook[c] = c0 - h;
      writeShared(model, s);
      const down = lossAt();
      s.codebook[c] = c0;
      writeShared(model, s);
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - g[c]) <= 2e-3 + 2e-2 * Math.abs(fd), `${s.node} centroid ${c}: summed gradient ${g[c]}, finite difference ${fd}`);
    }
    lossAt();
  }
  loss.dispose();
  model.dispose();
});

test('fine-tuning lowers the loss; pruned weights stay zero, shared weights stay shared', async () => {
  const { data, model, shared } = await setup();
  const before = shared.map((s) => s.codebook.slice());
  const reports = await finetuneCentroids(model, shared, data, { epochs: 6, lr: 0.01, batchSize: 32, test: data });
  assert.ok(reports[5].loss < reports[0].loss, `loss ${reports[0].loss} → ${reports[5].loss}`);
  shared.forEach((s, i) => {
    assert.ok(s.codebook.some((c, j) => c !== before[i][j]), `${s.node}: the codebook moved`);
    const w = model.params.value(s.node, s.name).f32();
    for (let j = 0; j < w.length; j++) assert.is(w[j], s.assign[j] < 0 ? 0 : s.codebook[s.assign[j]], `${s.node}[${j}]`);
  });
  let refused = '';
  await finetuneCentroids(model, shared, data, { epochs: 1, lr: -1 }).catch((e: Error) => (refused = e.message));
  assert.match(refused, /finetuneCentroids: 'lr' must be > 0/);
  model.dispose();
});

test.run();
