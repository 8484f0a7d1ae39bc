// Han et al.'s pipeline end to end on a small MNIST subset: stages and history, the sparsity
// reached, dead neurons removed, dropout rescaled, and a run interrupted and resumed from its
// checkpoint ending exactly where an uninterrupted run does.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100, sequential } from '../../src/nn/nets.js';
import { Dense, Dropout, Flatten, Relu } from '../../src/nn/layers/index.js';
import { train, evaluate } from '../../src/nn/train.js';
import { loadBuiltin } from '../../src/node/data.js';
import { runHan, HAN_DEFAULTS, type CheckpointStore, type HanSettings } from '../../src/pipeline/han.js';
import type { Kernels } from '../../src/kernels/kernels.js';

const runner = { train, evaluate: async (m: Model, d: Parameters<typeof evaluate>[1]) => evaluate(m, d) };

function memoryStore(): CheckpointStore & { bytes: Uint8Array | null; saves: number } {
  const store = {
    bytes: null as Uint8Array | null,
    saves: 0,
    async load() { return store.bytes; },
    async save(b: Uint8Array) { store.bytes = b.slice(); store.saves++; },
  };
  return store;
}

async function data() {
  const all = await loadBuiltin('mnist', 'train');
  return { train: all.subset({ end: 1200 }), test: (await loadBuiltin('mnist', 'test')).subset({ end: 400 }) };
}

const SETTINGS: HanSettings = {
  ...HAN_DEFAULTS, sparsity: 0.9, schedule: { kind: 'iterative', steps: 2 }, retrainEpochs: 1, l1Epochs: 1,
  lr: 0.05, batchSize: 32, latencyBatch: 8,
};

async function pretrained(k: Kernels, d: Awaited<ReturnType<typeof data>>): Promise<Model> {
  const model = new Model(new Graph(lenet300100()), k, { seed: 4 });
  await train(model, d.train, { epochs: 2, batchSize: 32, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
  return model;
}

test('the pipeline prunes to the target, retrains, removes dead neurons and records every stage', async () => {
  const [{ k }] = await backends();
  const d = await data();
  const store = memoryStore();
  const stages: string[] = [];
  const { model, history } = await runHan(await pretrained(k, d), {
    ...d, settings: SETTINGS, runner, checkpoint: store, modelName: 'lenet-300-100', datasetName: 'mnist',
    onStep: (_, stage) => stages.push(stage),
  });
  assert.equal(stages, ['dense', 'l1', 'prune 1', 'retrain 1', 'prune 2', 'retrain 2', 'remove dead']);
  assert.equal(history.steps.map((s) => s.phase), ['dense', 'retrain', 'prune', 'retrain', 'prune', 'retrain', 'remove']);
  assert.is(store.saves, stages.length, 'a checkpoint after every stage');
  const [dense, , prune1, , , retrain2, last] = history.steps;
  assert.ok(Math.abs(prune1.sparsity - (1 - Math.sqrt(0.1))) < 0.01, `first step sparsity ${prune1.sparsity}`);
  assert.ok(retrain2.sparsity >= 0.9 - 1e-3, `final sparsity ${retrain2.sparsity}`);
  assert.ok(retrain2.accuracy > 0.8, `accuracy after pruning ${retrain2.accuracy}`);
  assert.ok(last.params <= retrain2.params && last.flops <= retrain2.flops, 'removal never grows the model');
  assert.ok(dense.latencyMs! > 0, 'latency measured');
  assert.ok(retrain2.nonzeroParams < 0.15 * dense.nonzeroParams, '≥ 6.7× fewer non-zero parameters');
  model.dispose();
});

test('finalEpochs retrains the last pruning step longer than the others (0: not at all)', async () => {
  const [{ k }] = await backends();
  const d = await data();
  for (const finalEpochs of [3, 0]) {
    const epochs: Record<string, number> = {};
    const stages: string[] = [];
    const { model } = await runHan(await pretrained(k, d), {
      ...d, settings: { ...SETTINGS, l1Epochs: 0, removeDead: false, latencyBatch: 0, finalEpochs }, runner, modelName: 'm', datasetName: 'd',
      onEpoch: (_, stage) => { epochs[stage] = (epochs[stage] ?? 0) + 1; },
      onStep: (_, stage) => stages.push(stage),
    });
    if (finalEpochs) assert.equal(epochs, { 'retrain 1': 1, 'retrain 2': 3 });
    else assert.equal(stages, ['dense', 'prune 1', 'retrain 1', 'prune 2']);
    model.dispose();
  }
});

test('an interrupted run resumes from its checkpoint and ends where an uninterrupted one does', async () => {
  const [{ k }] = await backends();
  const d = await data();
  const settings = { ...SETTINGS, l1Epochs: 0, removeDead: false };
  const base = await pretrained(k, d);
  const clone = () => { const m = new Model(base.graph, k); m.params.values.f32().set(base.params.values.f32()); return m; };
  const whole = await runHan(clone(), { ...d, settings, runner, modelName: 'm', datasetName: 'd' });

  const store = memoryStore();
  let stops = 0;
  try {
    await runHan(clone(), {
      ...d, settings, runner, checkpoint: store, modelName: 'm', datasetName: 'd',
      onStep: (_, stage) => { if (stage === 'retrain 1') { stops++; throw new Error('interrupted'); } },
    });
  } catch (e) {
    assert.is((e as Error).message, 'interrupted');
  }
  assert.is(stops, 1);
  const resumed = await runHan(clone(), { ...d, settings, runner, checkpoint: store, modelName: 'm', datasetName: 'd' });
  assert.is(resumed.history.steps.length, whole.history.steps.length);
  assert.equal(resumed.model.params.values.toArray(), whole.model.params.values.toArray());

  try {
    await runHan(clone(), { ...d, settings: { ...settings, sparsity: 0.8 }, runner, checkpoint: store, modelName: 'm', datasetName: 'd' });
    assert.unreachable('other settings must be refused');
  } catch (e) {
    assert.match((e as Error).message, /checkpoint: made with other settings/);
  }
  for (const m of [base, whole.model, resumed.model]) m.dispose();
});

test('with distillation, a resumed run records the teacher again and ends where an uninterrupted one does', async () => {
  const [{ k }] = await backends();
  const d = await data();
  const settings: HanSettings = { ...SETTINGS, l1Epochs: 0, removeDead: false, latencyBatch: 0, distill: { alpha: 0.5, temperature: 4 } };
  const base = await pretrained(k, d);
  const clone = () => { const m = new Model(base.graph, k); m.params.values.f32().set(base.params.values.f32()); return m; };
  const whole = await runHan(clone(), { ...d, settings, runner, modelName: 'm', datasetName: 'd' });
  const plain = await runHan(clone(), { ...d, settings: { ...settings, distill: undefined }, runner, modelName: 'm', datasetName: 'd' });
  assert.not.equal(whole.model.params.values.toArray(), plain.model.params.values.toArray(), 'the teacher changes the training');
  assert.ok(whole.history.steps.at(-1)!.accuracy > 0.8, `accuracy ${whole.history.steps.at(-1)!.accuracy}`);

  const store = memoryStore();
  await runHan(clone(), {
    ...d, settings, runner, checkpoint: store, modelName: 'm', datasetName: 'd',
    onStep: (_, stage) => { if (stage === 'retrain 1') throw new Error('interrupted'); },
  }).catch(() => {});
  const resumed = await runHan(clone(), { ...d, settings, runner, checkpoint: store, modelName: 'm', datasetName: 'd' });
  assert.equal(resumed.model.params.values.toArray(), whole.model.params.values.toArray());
  for (const m of [base, whole.model, plain.model, resumed.model]) m.dispose();
});

test('dropout is rescaled by sqrt(kept connections / original connections)', async () => {
  const [{ k }] = await backends();
  const d = await data();
  const net = sequential('dropout-mlp', { name: 'image', shape: [1, 28, 28] }, [
    ['flatten', new Flatten()], ['fc1', new Dense({ units: 64 })], ['relu1', new Relu()], ['drop', new Dropout({ rate: 0.5 })],
    ['fc2', new Dense({ units: 10 })],
  ]);
  const { model } = await runHan(new Model(new Graph(net), k, { seed: 1 }), {
    ...d, settings: { ...SETTINGS, sparsity: 0.75, scope: 'layer', schedule: { kind: 'one-shot' }, retrainEpochs: 0, l1Epochs: 0, removeDead: false },
    runner, modelName: 'mlp', datasetName: 'mnist',
  });
  const rate = (model.graph.node('drop').layer as Dropout).rate;
  assert.ok(Math.abs(rate - 0.5 * Math.sqrt(0.25)) < 1e-3, `rate ${rate}`);
  model.dispose();
});

test("lrSchedule: 'restart' gives each training phase its own cosine, 'continuous' one over all, {startEpoch, epochs} goes on along the start's", async () => {
  const [{ k }] = await backends();
  const d = await data();
  const expected = {
    restart: [1, 2, 2, 5].map((epochs) => ({ kind: 'cosine', epochs })),
    continuous: [0, 1, 3, 5].map((startEpoch) => ({ kind: 'cosine', epochs: 10, startEpoch })),
    along: [7, 8, 10, 12].map((startEpoch) => ({ kind: 'cosine', epochs: 20, startEpoch })),
  };
  for (const [name, lrSchedule] of [['restart', 'restart'], ['continuous', 'continuous'], ['along', { startEpoch: 7, epochs: 20 }]] as const) {
    const seen: { epochs: number; schedule: unknown }[] = [];
    const recording = { ...runner, train: async (_m: Model, _d: unknown, o: { epochs: number; schedule?: unknown }) => { seen.push({ epochs: o.epochs, schedule: o.schedule }); return []; } };
    const settings: HanSettings = { ...SETTINGS, lrSchedule, schedule: { kind: 'agp', steps: 3 }, retrainEpochs: 2, finalEpochs: 5, latencyBatch: 0 };
    const { model } = await runHan(new Model(new Graph(lenet300100()), k, { seed: 1 }), { ...d, settings, runner: recording as never, modelName: 'm', datasetName: 'd' });
    model.dispose();
    assert.equal(seen.map((x) => x.epochs), [1, 2, 2, 5], 'L1, two retrainings, the final one');
    assert.equal(seen.map((x) => x.schedule), expected[name]);
  }
});

test('bad settings are refused before any work', async () => {
  const [{ k }] = await backends();
  const d = await data();
  const model = new Model(new Graph(lenet300100()), k);
  for (const [settings, pattern] of [
    [{ sparsity: 1 }, /Han pruning: 'sparsity' must be in \[0, 1\), got 1/],
    [{ retrainEpochs: -1 }, /'retrainEpochs' must be an integer ≥ 0, got -1/],
    [{ finalEpochs: 1.5 }, /'finalEpochs' must be an integer ≥ 0, got 1.5/],
    [{ scope: 'all' }, /'scope' must be 'global' or 'layer', got "all"/],
    [{ lr: 0 }, /'lr' must be a finite number > 0, got 0/],
    [{ lrSchedule: 'cyclic' }, /'lrSchedule' must be 'restart', 'continuous' or \{startEpoch, epochs\}, got "cyclic"/],
    [{ lrSchedule: { startEpoch: 5, epochs: 7 } }, /startEpoch \+ the 3 epochs the pipeline trains ≤ epochs, got \{"startEpoch":5,"epochs":7\}/],
    [{ layerSparsity: { fc1: 0.9, fc9: 0.5 } }, /Han pruning: layerSparsity names 'fc9', not a prunable layer of .* \(prunable: fc1, fc2, fc3\)/],
    [{ sparsity: 0, layerSparsity: { fc1: 0.9 } }, /'sparsity' must be > 0 with layerSparsity: it shapes the steps, got 0/],
    [{ distill: { alpha: -0.1, temperature: 2 } }, /distillation 'alpha' must be in \[0, 1\], got -0.1/],
    [{ distill: { alpha: 0.5, temperature: Infinity } }, /Han pruning: distillation 'temperature' must be a finite number > 0, got Infinity/],
  ] as const) {
    try {
      await runHan(model, { ...d, settings: { ...SETTINGS, ...settings } as HanSettings, runner, modelName: 'm', datasetName: 'd' });
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
  }
  model.dispose();
});

test.run();
