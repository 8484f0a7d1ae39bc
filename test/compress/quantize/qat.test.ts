// Quantisation-aware fine-tuning: FakeQuant's straight-through gradient against finite
// differences; QAT after pruning and after weight sharing keeps zeros zero, weights on the
// int8 grid, and learns.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../../helpers/backends.js';
import { gradCheckLayer } from '../../helpers/gradcheck.js';
import { Rng } from '../../helpers/rng.js';
import { Graph, Model } from '../../../src/nn/model.js';
import { Dataset } from '../../../src/nn/data/dataset.js';
import { evaluate } from '../../../src/nn/train.js';
import { lenet5 } from '../../../src/nn/nets.js';
import { FakeQuant } from '../../../src/nn/layers/fakequant.js';
import { quantizeModel } from '../../../src/compress/quantize/model.js';
import { fineTuneQuantized } from '../../../src/compress/quantize/qat.js';

test('FakeQuant: the straight-through gradient matches finite differences inside the range, zero outside', async () => {
  const [{ k }] = await backends();
  // NOTE: steps of 1e-3 against h = 2e-2: the staircase's finite difference is 1 ± 2.5 %.
  const layer = new FakeQuant({ scale: 1e-3 });
  gradCheckLayer(k, layer, [[3, 5]], { h: 2e-2, rtol: 0.05, atol: 1e-3, input: (rng, n) => rng.f32(n, -0.08, 0.08) });
  gradCheckLayer(k, layer, [[7]], { h: 2e-2, input: (rng, n) => rng.f32(n, 0.2, 1).map((v, i) => (i % 2 ? v : -v)) });
  assert.throws(() => new FakeQuant({ scale: 0 }), /FakeQuant: 'scale' must be a finite number ≥ 1e-30, got 0/);
});

function bright(n: number, seed: number): Dataset {
  // Two classes: dark images (0) and bright ones (1), with noise.
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) for (let j = 0; j < 784; j++) pixels[i * 784 + j] = rng.int(0, 150) + (labels[i] ? 100 : 0);
  return new Dataset({ name: 'bright', shape: [1, 28, 28], pixels, labels, classes: 10 });
}

test('QAT after pruning and after weight sharing: zeros stay zero, weights on the grid, it learns', async () => {
  const [{ k }] = await backends();
  const data = bright(128, 1);
  const model = new Model(new Graph(lenet5()), k, { seed: 3 });
  const mask = model.params.maskOf('fc1', 'weight').f32();
  for (let i = 0; i < mask.length; i += 3) mask[i] = 0;
  model.params.applyMask();
  // Weight sharing: conv2's weights take four shared values.
  const w2 = model.params.value('conv2', 'weight').f32();
  for (let i = 0; i < w2.length; i++) w2[i] = [-0.05, -0.01, 0.02, 0.06][i % 4];
  const q = await quantizeModel(model, data, { method: 'minmax' });
  const before = evaluate(q.model, data).accuracy;
  await fineTuneQuantized(q, data, { epochs: 2, batchSize: 16, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } });
  const after = evaluate(q.model, data).accuracy;
  assert.ok(after >= 0.9, `accuracy after QAT ${after} (before ${before})`);
  const fc1 = q.model.params.value('fc1', 'weight').f32();
  for (let i = 0; i < fc1.length; i += 3) assert.is(fc1[i], 0, `fc1 weight ${i} stays pruned`);
  for (const l of q.layers) {
    const w = q.model.params.value(l.node, 'weight').f32();
    const per = w.length / l.weightScales.length;
    for (let i = 0; i < w.length; i += 7) {
      const r = w[i] / l.weightScales[Math.floor(i / per)];
      assert.ok(Math.abs(r - Math.round(r)) < 1e-3 && Math.abs(r) <= 127.001, `${l.node} weight ${i} on the int8 grid (${r})`);
    }
  }
});

test.run();
