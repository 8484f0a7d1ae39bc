// sensitivity() with every method: one curve per layer the method prunes, each point the
// accuracy of the model with that layer alone pruned to the ratio — checked against pruning it
// directly — the model unchanged afterwards, and data-driven methods refused without a pass.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bands as data } from '../helpers/bands.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { sequential } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, Maxout, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import { evaluate } from '../../src/nn/train.js';
import { localPass } from '../../src/workers/pass.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { pruneFilters } from '../../src/prune/filters.js';
import { criterion } from '../../src/prune/criteria/index.js';
import { sensitivity, type SensitivityMethod } from '../../src/pipeline/sensitivity.js';
import type { Kernels } from '../../src/kernels/kernels.js';

let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());

const convNet = () => new Graph(sequential('conv', { name: 'image', shape: [1, 10, 10] }, [
  ['conv1', new Conv2d({ filters: 8, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 16 })], ['relu2', new Relu()], ['fc2', new Dense({ units: 4 })],
]));
const maxoutNet = () => new Graph(sequential('maxout', { name: 'image', shape: [1, 10, 10] }, [
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 24 })], ['maxout1', new Maxout({ k: 4 })], ['fc2', new Dense({ units: 4 })],
]));
const set = data(60, 1);
const options = (method: SensitivityMethod) => ({
  method, ratios: [0, 0.5], seed: 3,
  evaluate: async (m: Model, d: Dataset) => evaluate(m, d),
  pass: (m: Model, hooks: Parameters<ReturnType<typeof localPass>['run']>[2]) => localPass().run(m, set, hooks),
});

test('unit criteria: a curve per prunable layer, the point at 0.5 is that layer alone pruned by the criterion', async () => {
  for (const method of ['l1-filter', 'l2', 'apoz', 'taylor', 'random'] as const) {
    const model = new Model(convNet(), await k(), { seed: 1 });
    const before = model.params.values.toArray();
    const s = await sensitivity(model, set, options(method));
    assert.equal(s.curves.map((c) => c.layer), ['conv1', 'fc1'], method);
    assert.is(s.curves[0].accuracy[0], s.baseline, `${method}: ratio 0 changes nothing`);
    const c = method === 'l1-filter' ? undefined : criterion(method, 3);
    const groups = dependencyGroups(model.graph).filter((g) => g.prunable);
    const stats = c?.hooks ? await localPass().run(model, set, c.hooks(model, groups)) : {};
    const { model: cut } = pruneFilters(model, { ratio: { fc1: 0.5 }, ...(c ? { criterion: c, stats } : {}) });
    assert.is(s.curves[1].accuracy[1], evaluate(cut, set).accuracy, `${method}: fc1 at 0.5`);
    cut.dispose();
    assert.equal(model.params.values.toArray(), before, `${method}: the model is unchanged`);
    model.dispose();
  }
});

test('maxout removes neurons inside units, correlation masks connections; the model comes back unchanged', async () => {
  const mx = new Model(maxoutNet(), await k(), { seed: 2 });
  const s = await sensitivity(mx, set, options('maxout'));
  assert.equal(s.curves.map((c) => c.layer), ['maxout1']);
  assert.is(s.curves[0].accuracy[0], s.baseline);
  mx.dispose();
  const model = new Model(convNet(), await k(), { seed: 4 });
  const before = model.params.values.toArray();
  const c = await sensitivity(model, set, options('correlation'));
  assert.ok(c.curves.length > 0 && c.curves.every((x) => x.accuracy.length === 2));
  assert.equal(model.params.values.toArray(), before);
  assert.is(model.params.mask, null, 'no mask left behind');
  model.dispose();
});

test('a data-driven method without a data pass is refused before any work', async () => {
  const model = new Model(convNet(), await k(), { seed: 5 });
  let evaluated = 0;
  try {
    await sensitivity(model, set, { method: 'apoz', evaluate: async (m, d) => { evaluated++; return evaluate(m, d); } });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /options\.pass \(method apoz needs a data pass\)/);
  }
  assert.is(evaluated, 0);
  model.dispose();
});

test.run();
