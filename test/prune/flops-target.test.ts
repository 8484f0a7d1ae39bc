// A FLOPs target as one share of units: the reduction it gives, and its refusals.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5 } from '../../src/nn/nets.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { flopsAfter, ratioForFlops } from '../../src/prune/flops-target.js';
import { pruneFilters } from '../../src/prune/filters.js';

test('ratioForFlops meets 2× and 3× on LeNet-5\'s convs, and counts FLOPs as filter pruning does', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 1 });
  const convs = dependencyGroups(model.graph).filter((g) => g.producers[0].startsWith('conv'));
  for (const target of [2, 3]) {
    const { ratio, flops } = ratioForFlops(model, convs, target);
    assert.ok(Math.abs(model.graph.flops() / flops - target) < 0.05 * target, `${target}×: got ${(model.graph.flops() / flops).toFixed(3)}×`);
    const { model: cut } = pruneFilters(model, { ratio });
    assert.is(cut.graph.flops(), flops);
    assert.is(flopsAfter(model, convs, ratio), flops);
    cut.dispose();
  }
  assert.is(flopsAfter(model, convs, 0), model.graph.flops());
  assert.throws(() => ratioForFlops(model, convs, 0.5), /FLOPs target must be a reduction factor > 1 \(2 for half the FLOPs\), got 0.5/);
  assert.throws(() => ratioForFlops(model, convs.slice(0, 1), 10), /FLOPs target 10× is out of reach/);
  model.dispose();
});

test.run();
