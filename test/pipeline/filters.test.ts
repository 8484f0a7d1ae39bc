// runFilterPruning (L1-norm filters, then retraining) at the pipeline level: the layers it acts on
// by default, its history, and settings refused before any work. The CLI test runs it on LeNet-5.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { lenet300100, lenet5 } from '../../src/nn/nets.js';
import { evaluate, train } from '../../src/nn/train.js';
import { defaultFilterLayers, runFilterPruning, FILTER_DEFAULTS, type FilterSettings } from '../../src/pipeline/filters.js';
import { Rng } from '../helpers/rng.js';
import { teacherLogits } from '../../src/nn/distill.js';

const runner = { train, evaluate: async (m: Model, d: Dataset) => evaluate(m, d) };

function tiny(): Dataset {
  const rng = new Rng(3);
  return new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: 40 * 784 }, () => rng.int(0, 255)),
    labels: Int32Array.from({ length: 40 }, (_, i) => i % 10),
  });
}

test('by default: the conv layers; for a net without any, the hidden fully connected layers', () => {
  assert.equal(defaultFilterLayers(new Graph(lenet5())), ['conv1', 'conv2']);
  assert.equal(defaultFilterLayers(new Graph(lenet300100())), ['fc1', 'fc2']);
});

test('removes the share of neurons asked for, retrains, and records dense → remove → retrain', async () => {
  const [{ k }] = await backends();
  const data = tiny();
  const start = new Model(new Graph(lenet300100()), k, { seed: 1 });
  const { model, history, removed } = await runFilterPruning(start, {
    train: data, test: data, runner, modelName: 'lenet-300-100', datasetName: 'tiny',
    settings: { ...FILTER_DEFAULTS, ratio: { fc1: 0.5 }, retrainEpochs: 1, batchSize: 8, latencyBatch: 0 },
  });
  assert.equal(removed, { fc1: 150 });
  assert.is(model.graph.node('fc1').outputShape[0], 150);
  assert.is(model.graph.node('fc2').outputShape[0], 100);
  assert.equal(history.steps.map((s) => s.phase), ['dense', 'remove', 'retrain']);
  assert.equal(history.settings.layers, ['fc1']);
  assert.is(history.steps[1].params, model.params.size);
  assert.ok(history.steps[1].params < history.steps[0].params);
  assert.is(start.params.size, 266610, 'the start model is left as it was');
  model.dispose();
  start.dispose();
});

test('with distillation, the retraining learns from the unpruned model too', async () => {
  const [{ k }] = await backends();
  const data = tiny();
  const start = new Model(new Graph(lenet300100()), k, { seed: 1 });
  const settings: FilterSettings = { ...FILTER_DEFAULTS, ratio: { fc1: 0.5 }, retrainEpochs: 1, batchSize: 8, latencyBatch: 0 };
  const run = (s: FilterSettings) => runFilterPruning(start, { train: data, test: data, runner, modelName: 'm', datasetName: 'd', settings: s });
  const plain = await run(settings);
  const taught = await run({ ...settings, distill: { alpha: 0.8, temperature: 3 } });
  const removedOnly = await run({ ...settings, retrainEpochs: 0 });
  // A runner that records the teacher itself (the CLI's draws a progress bar) is asked once.
  let asked = 0;
  const own = await runFilterPruning(start, {
    train: data, test: data, modelName: 'm', datasetName: 'd', settings: { ...settings, distill: { alpha: 0.8, temperature: 3 } },
    runner: { ...runner, logits: async (m, d) => { asked++; return teacherLogits(m, d); } },
  });
  assert.is(asked, 1);
  assert.equal(own.model.params.values.toArray(), taught.model.params.values.toArray());
  own.model.dispose();
  assert.equal(taught.history.settings.distill, { alpha: 0.8, temperature: 3 });
  assert.not.equal(taught.model.params.values.toArray(), plain.model.params.values.toArray(), 'the teacher changes the retraining');
  assert.not.equal(taught.model.params.values.toArray(), removedOnly.model.params.values.toArray(), 'it trained');
  for (const m of [start, plain.model, taught.model, removedOnly.model]) m.dispose();
});

test('bad settings are refused before any work', async () => {
  const [{ k }] = await backends();
  const data = tiny();
  const model = new Model(new Graph(lenet300100()), k);
  for (const [settings, pattern] of [
    [{ ratio: 1 }, /filter pruning: 'ratio' must be in \[0, 1\), got 1/],
    [{ retrainEpochs: 1.5 }, /'retrainEpochs' must be an integer ≥ 0, got 1.5/],
    [{ lr: -1 }, /'lr' must be a finite number > 0, got -1/],
    [{ layers: ['fc3'] }, /'fc3' cannot be pruned/],
    [{ distill: { alpha: 2, temperature: 4 } }, /filter pruning: distillation 'alpha' must be in \[0, 1\], got 2/],
  ] as const) {
    try {
      await runFilterPruning(model, { train: data, test: data, runner, modelName: 'm', datasetName: 'd', settings: { ...FILTER_DEFAULTS, ...settings } as FilterSettings });
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
  }
  model.dispose();
});

test.run();
