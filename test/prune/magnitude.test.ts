// Han et al.'s magnitude pruning (quality × std, per-layer and global sparsity), sparsity
// schedules, and the exact removal of dead neurons.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet300100 } from '../../src/nn/nets.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { sparsity, prunableWeights, bakeMask } from '../../src/prune/masks.js';
import { sparsityTargets } from '../../src/prune/schedule.js';
import { removeDeadUnits } from '../../src/prune/dead.js';

test('per-layer sparsity masks exactly that share of each layer, smallest |w| first', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 1 });
  const before = model.params.value('fc1', 'weight').toArray() as Float32Array;
  pruneByMagnitude(model, { kind: 'layer', sparsity: { conv1: 0.5, fc1: 0.9 } });
  const s = sparsity(model);
  assert.is(s.layers.conv1.zeros, 250);
  assert.is(s.layers.fc1.zeros, 360000);
  assert.is(s.layers.conv2.zeros, 0, 'layers not named are left alone');
  const after = model.params.value('fc1', 'weight').f32();
  let largestCut = 0;
  let smallestKept = Infinity;
  after.forEach((v, i) => (v === 0 ? (largestCut = Math.max(largestCut, Math.abs(before[i]))) : (smallestKept = Math.min(smallestKept, Math.abs(v)))));
  assert.ok(largestCut <= smallestKept, 'every cut weight is smaller than every kept one');
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.2 });
  assert.is(sparsity(model).layers.fc1.zeros, 360000, 'a lower target never unmasks');
  model.dispose();
});

test('global sparsity uses one threshold across layers; quality uses quality × std per layer', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet300100()), k, { seed: 2 });
  pruneByMagnitude(model, { kind: 'global', sparsity: 0.92 });
  const s = sparsity(model);
  assert.ok(Math.abs(s.total - 0.92) < 1e-4, `total ${s.total}`);
  assert.ok(s.layers.fc3.sparsity < s.layers.fc1.sparsity, 'layers with larger weights keep more');

  const other = new Model(new Graph(lenet300100()), k, { seed: 2 });
  const w = other.params.value('fc2', 'weight').toArray() as Float32Array;
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
  const expected = w.filter((v) => Math.abs(v) < 0.7 * std).length;
  pruneByMagnitude(other, { kind: 'quality', quality: { fc2: 0.7 } });
  assert.is(sparsity(other).layers.fc2.zeros, expected);
  assert.equal(prunableWeights(other).map((e) => e.node), ['fc1', 'fc2', 'fc3']);
  bakeMask(other);
  assert.is(other.params.mask, null);
  assert.is(sparsity(other).layers.fc2.zeros, expected, 'baking keeps the zeros');
  model.dispose();
  other.dispose();
});

test('magnitude pruning refuses bad targets before touching the model', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet300100()), k);
  assert.throws(() => pruneByMagnitude(model, { kind: 'global', sparsity: 1 }), /magnitude pruning: global sparsity must be in \[0, 1\), got 1/);
  assert.throws(() => pruneByMagnitude(model, { kind: 'layer', sparsity: { conv9: 0.5 } }), /no prunable layer 'conv9' \(prunable: fc1, fc2, fc3\)/);
  assert.throws(() => pruneByMagnitude(model, { kind: 'quality', quality: -1 }), /quality for 'fc1' must be a finite number ≥ 0, got -1/);
  assert.is(model.params.mask, null, 'nothing was masked');
  model.dispose();
});

test('sparsity schedules: one-shot, iterative (geometric kept share), AGP', () => {
  assert.equal(sparsityTargets(0.9, { kind: 'one-shot' }), [0.9]);
  const it = sparsityTargets(0.875, { kind: 'iterative', steps: 3 });
  assertClose(it, [0.5, 0.75, 0.875], 'iterative', { atol: 1e-12, rtol: 0 });
  const agp = sparsityTargets(0.9, { kind: 'agp', steps: 4 });
  assertClose(agp, [0.9 - 0.9 * 0.75 ** 3, 0.9 - 0.9 * 0.5 ** 3, 0.9 - 0.9 * 0.25 ** 3, 0.9], 'agp', { atol: 1e-12, rtol: 0 });
  assert.throws(() => sparsityTargets(1, { kind: 'one-shot' }), /sparsity must be in \[0, 1\), got 1/);
  assert.throws(() => sparsityTargets(0.5, { kind: 'agp', steps: 0 }), /'steps' must be an integer ≥ 1, got 0/);
  assert.throws(() => sparsityTargets(0.5, { kind: 'agp', steps: 2, initial: 0.7 }), /'initial' must be in \[0, 0.5\], got 0.7/);
});

test('dead neurons are removed exactly: no outgoing connections, or no incoming ones (bias folded)', async () => {
  for (const { k } of await backends()) {
    const rng = new Rng(5);
    const model = new Model(new Graph(lenet300100()), k, { seed: 3 });
    const fc1 = model.params.value('fc1', 'weight').f32();
    const fc2 = model.params.value('fc2', 'weight').f32();
    for (const j of [4, 77, 299]) for (let r = 0; r < 100; r++) fc2[r * 300 + j] = 0; // fc1 unit j feeds nothing
    for (const j of [10, 11]) fc1.fill(0, j * 784, (j + 1) * 784); // fc1 unit j reads nothing
    model.params.value('fc1', 'bias').f32()[10] = 0.3; // its constant output relu(0.3) must be folded
    const x = rng.f32(4 * 784, 0, 1);
    const want = model.forward(4, { x }).toArray();
    const { model: slim, removed } = removeDeadUnits(model);
    assert.equal(removed, { fc1: 5 });
    assert.equal(slim.params.value('fc1', 'weight').shape, [295, 784]);
    assertClose(slim.forward(4, { x }).toArray(), want, 'outputs after removing dead units', { atol: 1e-5, rtol: 1e-4 });
    model.dispose();
    slim.dispose();
  }
});

test.run();
