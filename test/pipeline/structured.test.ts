// runStructured: every method through the one pipeline (score → remove → fine-tune → repeat) on
// small nets — what it removes, the history it records, the same result on a worker pool, a
// resumed run equal to an uninterrupted one, and settings refused before any work.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bands as data } from '../helpers/bands.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { createNodePool } from '../../src/node/workers.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { sequential } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, Maxout, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import { runStructured, STRUCTURED_DEFAULTS, type Method, type StructuredSettings } from '../../src/pipeline/structured.js';
import { createRunner } from '../../src/pipeline/runner.js';
import { sparsityTargets } from '../../src/prune/schedule.js';
import { pruneFilters } from '../../src/prune/filters.js';
import { groupLasso } from '../../src/prune/criteria/group-lasso.js';
import type { CheckpointStore } from '../../src/pipeline/stages.js';
import type { Kernels } from '../../src/kernels/kernels.js';

let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());

const convNet = () => new Graph(sequential('conv', { name: 'image', shape: [1, 10, 10] }, [
  ['conv1', new Conv2d({ filters: 8, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
  ['conv2', new Conv2d({ filters: 8, kernel: 3 })], ['relu2', new Relu()],
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 16 })], ['relu3', new Relu()], ['fc2', new Dense({ units: 4 })],
]));
const maxoutNet = () => new Graph(sequential('maxout', { name: 'image', shape: [1, 10, 10] }, [
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 24 })], ['maxout1', new Maxout({ k: 4 })], ['fc2', new Dense({ units: 4 })],
]));

const train = data(120, 1);
const testSet = data(40, 2);
const base = (method: Method, more: Partial<StructuredSettings> = {}): StructuredSettings => ({
  ...STRUCTURED_DEFAULTS, method, ratio: 0.5, retrainEpochs: 1, batchSize: 16, latencyBatch: 0, lasso: { lambda: 0.05, epochs: 2, epsilon: 1e-3 }, ...more,
});
const run = (settings: StructuredSettings, runner = createRunner(), checkpoint?: CheckpointStore) =>
  ({ train, test: testSet, runner, settings, modelName: 'm', datasetName: 'd', checkpoint });

test('every unit criterion removes its share from the conv layers and records dense → remove → retrain', async () => {
  for (const method of ['l1', 'l2', 'apoz', 'taylor', 'random'] as const) {
    const start = new Model(convNet(), await k(), { seed: 1 });
    const { model, history, removed } = await runStructured(start, run(base(method)));
    assert.equal(removed, { conv1: 4, conv2: 4 }, method);
    assert.equal(history.steps.map((s) => s.phase), ['dense', 'remove', 'retrain'], method);
    assert.equal(model.graph.node('conv2').outputShape[0], 4, method);
    assert.ok(history.steps[1].flops < history.steps[0].flops, `${method}: fewer FLOPs`);
    assert.match(history.method, new RegExp(`^${method} \\(`));
    model.dispose();
  }
});

test('taylor in steps with fine-tuning between, global scope across layers', async () => {
  const start = new Model(convNet(), await k(), { seed: 2 });
  const { model, history, removed } = await runStructured(start, run(base('taylor', { steps: 3, scope: 'global', ratio: 0.5 })));
  assert.equal(history.steps.map((s) => s.phase), ['dense', 'remove', 'retrain', 'remove', 'retrain', 'remove', 'retrain']);
  assert.is(removed.conv1 + removed.conv2, 8, 'half the units in all');
  assert.ok(history.steps[3].params < history.steps[1].params, 'every step removes some');
  model.dispose();
  const l1 = await runStructured(new Model(convNet(), await k(), { seed: 2 }), run(base('l1', { scope: 'global', ratio: 0.5, retrainEpochs: 0 })));
  assert.is(l1.removed.conv1 + l1.removed.conv2, 8, 'global L1: half the units in all, relative to each layer');
  l1.model.dispose();
});

test('maxout removes the least-winning neurons inside every unit; correlation masks dense connections', async () => {
  const start = new Model(maxoutNet(), await k(), { seed: 3 });
  const { model, history, removed } = await runStructured(start, run(base('maxout', { ratio: 0.75, steps: 3 })));
  assert.equal(removed, { maxout1: 18 });
  assert.is((model.graph.node('maxout1').layer as Maxout).k, 1, 'one neuron stays per unit');
  assert.equal(history.steps.map((s) => s.phase).filter((p) => p === 'remove').length, 3);
  model.dispose();
  const dense = new Model(convNet(), await k(), { seed: 4 });
  const c = await runStructured(dense, run(base('correlation', { ratio: 0.6, layers: ['fc1'] })));
  const e = c.model.params.entry('fc1', 'weight');
  assert.ok(Math.abs(c.removed.fc1 / e.size - 0.6) < 0.02, `masked ${c.removed.fc1} of ${e.size}`);
  assert.equal(c.history.steps.map((s) => s.phase), ['dense', 'prune', 'retrain']);
  assert.ok(c.history.steps[2].sparsity > 0.1, 'masked weights stay zero while retraining');
  c.model.dispose();
});

test('weight pruning follows the structural steps through Han\'s stages: masked to the share, kept while retraining', async () => {
  const start = new Model(maxoutNet(), await k(), { seed: 3 });
  const { model, history } = await runStructured(start, run(base('maxout', { ratio: 0.5, steps: 1, weights: { sparsity: 0.6, steps: 2, epochs: 1, scope: 'global' } })));
  assert.equal(history.steps.map((s) => `${s.phase} ${s.iteration}`), ['dense 0', 'remove 1', 'retrain 1', 'prune 2', 'retrain 2', 'prune 3', 'retrain 3']);
  assert.ok(Math.abs(history.steps[3].sparsity - sparsityTargets(0.6, { kind: 'iterative', steps: 2 })[0]) < 0.01, `the schedule's first step: ${history.steps[3].sparsity}`);
  assert.ok(Math.abs(history.steps[6].sparsity - 0.6) < 0.01, `all the way, after retraining: ${history.steps[6].sparsity}`);
  assert.ok(history.steps[6].nonzeroParams < history.steps[2].nonzeroParams * 0.5, 'masked weights count as removed');
  assert.is(history.steps[6].params, history.steps[2].params, 'masking keeps the structure');
  model.dispose();
});

test('group lasso trains with the penalty, then removes what it drove under ε', async () => {
  const start = new Model(convNet(), await k(), { seed: 5 });
  const { model, history, removed } = await runStructured(start, run(base('group-lasso', { lasso: { lambda: 4, epochs: 2, epsilon: 1e-3 } })));
  assert.equal(history.steps.map((s) => s.phase), ['dense', 'retrain', 'remove', 'retrain']);
  assert.ok(removed.conv1 + removed.conv2 > 0, `removed ${JSON.stringify(removed)}`);
  // Removing exact zeros changes nothing: the accuracy after the group-lasso phase and after removal agree.
  assert.is(history.steps[2].accuracy, history.steps[1].accuracy);
  model.dispose();
});

test("group lasso with remove 'ratio' cuts the share of units with the smallest group norms", async () => {
  const settings = base('group-lasso', { lasso: { lambda: 0.05, epochs: 1, epsilon: 1e-3, remove: 'ratio' } });
  const { model, history, removed } = await runStructured(new Model(convNet(), await k(), { seed: 5 }), run(settings));
  assert.equal(history.steps.map((s) => s.phase), ['dense', 'retrain', 'remove', 'retrain']);
  assert.equal(removed, { conv1: 4, conv2: 4 });
  model.dispose();
  // Without penalty epochs or retraining it is filter pruning by the group-lasso criterion.
  const start = new Model(convNet(), await k(), { seed: 5 });
  const direct = pruneFilters(start, { ratio: 0.5, layers: ['conv1', 'conv2'], criterion: groupLasso });
  const piped = await runStructured(new Model(convNet(), await k(), { seed: 5 }), run({ ...settings, retrainEpochs: 0, lasso: { ...settings.lasso, epochs: 0 } }));
  assert.equal(piped.model.params.values.toArray(), direct.model.params.values.toArray());
  for (const m of [start, direct.model, piped.model]) m.dispose();
});

test('on a worker pool the pipeline removes what it removes on this thread', async () => {
  const pool = createNodePool({ workers: 2 });
  try {
    for (const method of ['apoz', 'taylor'] as const) {
      const a = await runStructured(new Model(convNet(), await k(), { seed: 6 }), run(base(method, { retrainEpochs: 0 })));
      const b = await runStructured(new Model(convNet(), await k(), { seed: 6 }), run(base(method, { retrainEpochs: 0 }), createRunner({ pool })));
      assert.equal(b.model.params.values.toArray(), a.model.params.values.toArray(), method);
      a.model.dispose();
      b.model.dispose();
    }
  } finally {
    await pool.terminate();
  }
});

test('an interrupted run resumes from its checkpoint to the same result', async () => {
  let saved: Uint8Array | null = null;
  const store: CheckpointStore = { load: async () => saved, save: async (b) => { saved = b; } };
  const settings = base('taylor', { steps: 2 });
  const whole = await runStructured(new Model(convNet(), await k(), { seed: 7 }), run(settings));
  try {
    await runStructured(new Model(convNet(), await k(), { seed: 7 }), { ...run(settings, createRunner(), store), onStageStart: (_s, i) => { if (i === 3) throw new Error('stop'); } });
    assert.unreachable('interrupted');
  } catch (e) {
    assert.is((e as Error).message, 'stop');
  }
  const resumed = await runStructured(new Model(convNet(), await k(), { seed: 7 }), run(settings, createRunner(), store));
  assert.equal(resumed.model.params.values.toArray(), whole.model.params.values.toArray());
  assert.equal(resumed.removed, whole.removed);
  assert.is(resumed.history.steps.length, whole.history.steps.length);
  try {
    await runStructured(new Model(convNet(), await k(), { seed: 7 }), run({ ...settings, ratio: 0.25 }, createRunner(), store));
    assert.unreachable('other settings');
  } catch (e) {
    assert.match((e as Error).message, /checkpoint: made with other settings \(ratio 0.5, now 0.25\)/);
  }
  whole.model.dispose();
  resumed.model.dispose();
});

test('bad settings are refused before any work', async () => {
  const model = new Model(convNet(), await k(), { seed: 8 });
  for (const [settings, pattern] of [
    [{ method: 'foo' }, /'method' must be one of l1, l2, apoz, taylor, group-lasso, random, maxout, correlation, thinet, got "foo"/],
    [{ ratio: 1 }, /'ratio' must be in \[0, 1\), got 1/],
    [{ scope: 'global', method: 'maxout' }, /scope 'global' ranks units of l1, l2, apoz, taylor or random across layers, not of maxout/],
    [{ steps: 0 }, /'steps' must be an integer ≥ 1, got 0/],
    [{ method: 'maxout' }, /./],
    [{ weights: { sparsity: 1, steps: 1, epochs: 0, scope: 'global' } }, /'weights.sparsity' must be in \[0, 1\), got 1/],
    [{ weights: { sparsity: 0.5, steps: 0, epochs: 0, scope: 'global' } }, /'weights.steps' must be an integer ≥ 1, got 0/],
    [{ layers: ['fc2'] }, /'fc2' cannot be pruned/],
    [{ method: 'group-lasso', lasso: { lambda: 1, epochs: 1, epsilon: 0, remove: 'all' as never } }, /'lasso.remove' must be 'epsilon' or 'ratio', got "all"/],
  ] as [Partial<StructuredSettings>, RegExp][]) {
    try {
      await runStructured(model, run(base('l1', settings)));
      assert.unreachable(JSON.stringify(settings));
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
  }
  model.dispose();
});

test.run();
