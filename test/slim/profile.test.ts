// The latency decomposition: one entry per layer in graph order, tensor layers told apart from
// the rest, the split summing the layers, several models measured side by side. No timing
// assertions (the machine is shared): only what the numbers are and how they add up.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5Bn } from '../../src/nn/nets.js';
import { profileLatency } from '../../src/slim/profile.js';
import { foldModel } from '../../src/slim/exact.js';

test('per-layer times of a model and its folded copy, split into tensor and non-tensor layers', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5Bn()), k);
  const { model: folded } = foldModel(model);
  const [a, b] = profileLatency([model, folded], 2, { runs: 3, warmup: 1 });
  assert.equal(a.layers.map((l) => l.name), model.graph.nodes.map((n) => n.name));
  assert.equal(b.layers.map((l) => l.name), folded.graph.nodes.map((n) => n.name));
  assert.equal(a.layers.filter((l) => l.tensor).map((l) => l.name), ['conv1', 'conv2', 'fc1', 'fc2']);
  assert.is(a.batch, 2);
  assert.is(a.model, 'lenet-5-bn');
  for (const p of [a, b]) {
    assert.ok(p.layers.every((l) => Number.isFinite(l.ms) && l.ms >= 0));
    assert.ok(p.totalMs > 0);
    const sum = (t: boolean) => p.layers.filter((l) => l.tensor === t).reduce((s, l) => s + l.ms, 0);
    assert.ok(Math.abs(p.tensorMs - sum(true)) < 1e-9 && Math.abs(p.nonTensorMs - sum(false)) < 1e-9);
  }
  assert.throws(() => profileLatency([model], 1, { runs: 0 }), /'runs' must be an integer ≥ 1/);
  folded.dispose();
  model.dispose();
});

test.run();
