// runStructured with method thinet: layer by layer (remove → fine-tune per layer), the history's
// per-layer objective and reweighting, a FLOPs target, the same result on a worker pool, an
// imported ONNX residual net, a resumed run, and thinet's settings refused before any work.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { bands as data } from '../helpers/bands.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { createNodePool } from '../../src/node/workers.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { sequential } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import { importOnnx } from '../../src/io/onnx/index.js';
import { runStructured, STRUCTURED_DEFAULTS, type StructuredSettings } from '../../src/pipeline/structured.js';
import { createRunner } from '../../src/pipeline/runner.js';
import { checkHistory, renderReport } from '../../src/pipeline/report.js';
import type { CheckpointStore } from '../../src/pipeline/stages.js';
import type { Kernels } from '../../src/kernels/kernels.js';

let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());

const convNet = () => new Graph(sequential('conv', { name: 'image', shape: [1, 10, 10] }, [
  ['conv1', new Conv2d({ filters: 8, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
  ['conv2', new Conv2d({ filters: 8, kernel: 3 })], ['relu2', new Relu()],
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 16 })], ['relu3', new Relu()], ['fc2', new Dense({ units: 4 })],
]));

const train = data(120, 1);
const testSet = data(40, 2);
const base = (more: Partial<StructuredSettings> = {}): StructuredSettings => ({
  ...STRUCTURED_DEFAULTS, method: 'thinet', ratio: 0.5, retrainEpochs: 1, batchSize: 16, latencyBatch: 0, thinet: { samples: 600, leastSquares: true }, ...more,
});
const run = (settings: StructuredSettings, runner = createRunner(), checkpoint?: CheckpointStore, sets = { train, test: testSet }) =>
  ({ ...sets, runner, settings, modelName: 'm', datasetName: 'd', checkpoint });

test('thinet prunes layer by layer with fine-tuning between, recording objective and reweighting per layer', async () => {
  const { model, history, removed } = await runStructured(new Model(convNet(), await k(), { seed: 1 }), run(base()));
  assert.equal(removed, { conv1: 4, conv2: 4 });
  assert.equal(history.steps.map((s) => s.phase), ['dense', 'remove', 'retrain', 'remove', 'retrain']);
  assert.equal(history.steps.map((s) => s.layers.conv1?.channels), [8, 4, 4, 4, 4]);
  assert.equal(history.steps.map((s) => s.layers.conv2?.channels), [8, 8, 8, 4, 4]);
  assert.match(history.method, /^thinet \(Luo et al\. 2017\)/);
  assert.equal(history.thinet!.map((r) => [r.layer, r.unitsBefore, r.removed]), [['conv1', 8, 4], ['conv2', 8, 4]]);
  for (const r of history.thinet!) {
    assert.ok(r.objective >= 0 && Number.isFinite(r.objective), `${r.layer}: objective ${r.objective}`);
    assert.equal(r.reweighting.map((w) => [w.consumer, w.status]), [[r.layer === 'conv1' ? 'conv2' : 'fc1', 'solved']]);
  }
  const plain = await runStructured(new Model(convNet(), await k(), { seed: 1 }), run(base({ thinet: { samples: 600, leastSquares: false } })));
  assert.equal(plain.history.thinet!.map((r) => r.reweighting), [[], []], 'no least squares, no reweighting');
  assert.is(plain.history.thinet![0].objective, history.thinet![0].objective, 'the first layer: the same choice');
  const html = renderReport(JSON.parse(JSON.stringify(history)));
  assert.match(html, '<h2>ThiNet per layer</h2>');
  assert.match(html, '<tr><th>conv2</th><td>8</td><td>4</td>');
  assert.match(html, 'fc1: solved');
  assert.match(renderReport(plain.history), /<td>off<\/td><\/tr>/);
  const bad = { ...history, thinet: [{ ...history.thinet![0], reweighting: [{ consumer: 'conv2', status: 'maybe' }] }] };
  assert.throws(() => checkHistory(JSON.parse(JSON.stringify(bad))), /thinet\[0\]\.reweighting\[0\]\.status must be 'solved' or 'fallback', got "maybe"/);
  model.dispose();
  plain.model.dispose();
});

test('thinet meets a FLOPs target with one ratio, per-layer ratios name the layers', async () => {
  const { history } = await runStructured(new Model(convNet(), await k(), { seed: 2 }), run(base({ flops: 2, retrainEpochs: 0 })));
  const reduction = history.steps[0].flops / history.steps[history.steps.length - 1].flops;
  assert.ok(Math.abs(reduction - 2) < 0.3, `FLOPs ${reduction.toFixed(2)}× for a 2× target`);
  const one = await runStructured(new Model(convNet(), await k(), { seed: 2 }), run(base({ ratio: { conv2: 0.25 }, retrainEpochs: 0 })));
  assert.equal(one.removed, { conv2: 2 });
  assert.equal(one.history.steps.map((s) => s.phase), ['dense', 'remove']);
  one.model.dispose();
});

test('on a worker pool thinet removes and reweights what it does on this thread', async () => {
  const pool = createNodePool({ workers: 2 });
  try {
    const a = await runStructured(new Model(convNet(), await k(), { seed: 3 }), run(base({ retrainEpochs: 0 })));
    const b = await runStructured(new Model(convNet(), await k(), { seed: 3 }), run(base({ retrainEpochs: 0 }), createRunner({ pool })));
    assert.equal(b.history.thinet, a.history.thinet);
    assert.equal(b.model.params.values.toArray(), a.model.params.values.toArray());
    a.model.dispose();
    b.model.dispose();
  } finally {
    await pool.terminate();
  }
});

test('thinet prunes an imported ONNX residual net (channels coupled through its Adds)', async () => {
  const bytes = await readFile(new URL('../fixtures/onnx/residual/model.onnx', import.meta.url));
  const start = importOnnx(new Uint8Array(bytes), await k());
  const sets = { train: data(60, 3, [3, 12, 12]), test: data(20, 4, [3, 12, 12]) };
  const before = start.graph.flops();
  const { model, history } = await runStructured(start, run(base({ ratio: 0.25, retrainEpochs: 0, thinet: { samples: 300, leastSquares: true } }), createRunner(), undefined, sets));
  assert.ok(history.thinet!.length >= 2, `layers pruned: ${history.thinet!.map((r) => r.layer)}`);
  assert.ok(model.graph.flops() < before, 'fewer FLOPs');
  assert.ok(history.thinet!.some((r) => r.reweighting.length > 1), 'a group with several readers (an Add) is reweighted at each');
  model.dispose();
});

test('an interrupted thinet run resumes from its checkpoint to the same result', async () => {
  let saved: Uint8Array | null = null;
  const store: CheckpointStore = { load: async () => saved, save: async (b) => { saved = b; } };
  const whole = await runStructured(new Model(convNet(), await k(), { seed: 7 }), run(base()));
  try {
    await runStructured(new Model(convNet(), await k(), { seed: 7 }), { ...run(base(), createRunner(), store), onStageStart: (_s, i) => { if (i === 3) throw new Error('stop'); } });
    assert.unreachable('interrupted');
  } catch (e) {
    assert.is((e as Error).message, 'stop');
  }
  const resumed = await runStructured(new Model(convNet(), await k(), { seed: 7 }), run(base(), createRunner(), store));
  assert.equal(resumed.model.params.values.toArray(), whole.model.params.values.toArray());
  assert.equal(resumed.history.thinet, whole.history.thinet);
  whole.model.dispose();
  resumed.model.dispose();
});

test('thinet settings are refused before any work', async () => {
  const model = new Model(convNet(), await k(), { seed: 8 });
  for (const [settings, pattern] of [
    [{ steps: 2 }, /'steps' must be 1 for thinet/],
    [{ flops: 1 }, /'flops' must be a reduction factor > 1/],
    [{ flops: 2, ratio: { conv1: 0.5 } }, /give 'flops' or per-layer ratios, not both/],
    [{ flops: 1000 }, /FLOPs target 1000× is out of reach/],
    [{ thinet: { samples: 0, leastSquares: true } }, /'thinet.samples' must be an integer ≥ 1, got 0/],
    [{ method: 'l1', flops: 2 }, /'flops' is for method thinet, not l1/],
    [{ layers: ['fc2'] }, /'fc2' cannot be pruned/],
  ] as [Partial<StructuredSettings>, RegExp][]) {
    let stages = 0;
    try {
      await runStructured(model, { ...run(base(settings)), onStageStart: () => { stages++; } });
      assert.unreachable(JSON.stringify(settings));
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
    assert.is(stages, 0, `${JSON.stringify(settings)}: no stage ran`);
  }
  model.dispose();
});

test.run();
