// L1-norm filter pruning (Li et al. 2016) and sensitivity analysis.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet5Maxout, lenet300100 } from '../../src/nn/nets.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { pruneFilters } from '../../src/prune/filters.js';
import { lowest } from '../../src/prune/criteria/criterion.js';
import { l1Scores } from '../../src/prune/criteria/norms.js';
import { sensitivity } from '../../src/pipeline/sensitivity.js';
import { evaluate, train } from '../../src/nn/train.js';
import { loadBuiltin } from '../../src/node/data.js';

test('L1 scores are the sums of |w| over each filter (and over maxout units)', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5Maxout()), k, { seed: 1 });
  const groups = dependencyGroups(model.graph);
  const conv2 = groups.find((g) => g.producers.includes('conv2'))!;
  const w = model.params.value('conv2', 'weight').f32();
  const direct = Array.from({ length: 50 }, (_, f) => w.subarray(f * 500, (f + 1) * 500).reduce((s, v) => s + Math.abs(v), 0));
  const scores = l1Scores(model, conv2);
  direct.forEach((d, f) => assert.ok(Math.abs(scores[f] - d) < 1e-9 * Math.max(1, d), `filter ${f}`));
  const fc1 = groups.find((g) => g.producers.includes('fc1'))!;
  const fw = model.params.value('fc1', 'weight').f32();
  const unit7 = fw.subarray(7 * 4 * 800, 8 * 4 * 800).reduce((s, v) => s + Math.abs(v), 0);
  assert.ok(Math.abs(l1Scores(model, fc1)[7] - unit7) < 1e-6 * unit7, 'a maxout unit scores its 4 neurons together');
  assert.equal(lowest([3, 1, 2, 1], 2), [1, 3]);
  model.dispose();
});

test('removing 50% of LeNet-5 conv filters by L1 norm shrinks params and FLOPs as counted', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 2 });
  const { model: half, cuts } = pruneFilters(model, { ratio: 0.5 });
  assert.equal(cuts.map((c) => [c.group.producers[0], c.units.length]), [['conv1', 10], ['conv2', 25]]);
  const conv1 = 10 * 25 + 10;
  const conv2 = 25 * 10 * 25 + 25;
  const fc1 = 25 * 16 * 500 + 500;
  assert.is(half.graph.paramCount(), conv1 + conv2 + fc1 + 5010);
  assert.ok(half.graph.flops() < 0.5 * model.graph.flops());
  const kept = l1Scores(model, cuts[0].group);
  const cutMax = Math.max(...cuts[0].units.map((u) => kept[u]));
  const keptMin = Math.min(...[...kept.keys()].filter((u) => !cuts[0].units.includes(u)).map((u) => kept[u]));
  assert.ok(cutMax <= keptMin, 'the weakest filters went');
  assert.throws(() => pruneFilters(model, { ratio: { fc2: 0.5 } }), /filter pruning: 'fc2' cannot be pruned: 'fc2' is a graph output/);
  assert.throws(() => pruneFilters(model, { ratio: { conv9: 0.5 } }), /no layer 'conv9' produces channels/);
  assert.throws(() => pruneFilters(model, { ratio: 1 }), /ratio for 'conv1' must be in \[0, 1\), got 1/);
  model.dispose();
  half.dispose();
});

test('sensitivity: one curve per layer, accuracy falls with the ratio, the model is left as it was', async () => {
  const [{ k }] = await backends();
  const data = (await loadBuiltin('mnist', 'train')).subset({ end: 1000 });
  const test = (await loadBuiltin('mnist', 'test')).subset({ end: 300 });
  const model = new Model(new Graph(lenet300100()), k, { seed: 3 });
  await train(model, data, { epochs: 2, batchSize: 32, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
  const before = model.params.values.toArray();
  const ev = async (m: Model, d: typeof test) => evaluate(m, d);
  const mag = await sensitivity(model, test, { method: 'magnitude', ratios: [0.1, 0.5, 0.95], evaluate: ev });
  assert.equal(mag.curves.map((c) => c.layer), ['fc1', 'fc2', 'fc3']);
  for (const c of mag.curves) assert.ok(c.accuracy[0] >= c.accuracy[2], `${c.layer}: ${c.accuracy}`);
  assert.ok(Math.abs(mag.curves[0].accuracy[0] - mag.baseline) < 0.05, 'pruning 10% barely matters');
  assert.equal(model.params.values.toArray(), before);
  assert.is(model.params.mask, null);
  const l1 = await sensitivity(model, test, { method: 'l1-filter', ratios: [0.5], evaluate: ev });
  assert.equal(l1.curves.map((c) => c.layer), ['fc1', 'fc2']);
  assert.equal(model.params.values.toArray(), before);
  model.dispose();
});

test.run();
