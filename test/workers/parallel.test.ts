// The worker pool against the single-threaded spec: 1, 2 and 3 workers give train()'s
// parameters, optimiser state, losses and progress reports within rounding, whatever the
// optimiser, penalties, mask, schedule or shard sizes; evaluation equals evaluate(); worker
// errors name the worker and never leave the others waiting; pools terminate.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Worker } from 'node:worker_threads';
import { createNodePool, nodeWorkerHandle } from '../../src/node/workers.js';
import { shards, WorkerPool } from '../../src/workers/pool.js';
import { paramRanges } from '../../src/workers/layout.js';
import { evaluateParallel, trainParallel } from '../../src/workers/train-parallel.js';
import type { PassResult } from '../../src/workers/worker.js';
import { Model } from '../../src/nn/model.js';
import { Graph } from '../../src/graph/graph.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { evaluate, train, type BatchProgress, type EpochReport, type TrainOptions } from '../../src/nn/train.js';
import { Optimizer } from '../../src/nn/optim/optimizer.js';
import { lenet300100, lenet5, sequential } from '../../src/nn/nets.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { MaxPool2d } from '../../src/nn/layers/maxpool2d.js';
import { BatchNorm } from '../../src/nn/layers/batchnorm.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Relu } from '../../src/nn/layers/relu.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import type { GraphDef } from '../../src/graph/graph.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { groupLassoProximal } from '../../src/prune/criteria/group-lasso.js';
import type { Kernels } from '../../src/kernels/kernels.js';

const pools: Record<number, WorkerPool> = {};
const pool = (n: 1 | 2 | 3) => (pools[n] ??= createNodePool({ workers: n }));
let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());

/** n random 8-bit images of [C, H, W] with labels in [0, 10). */
function images(n: number, shape: [number, number, number] = [1, 28, 28], seed = 1): Dataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.int(0, 255));
  const labels = Int32Array.from({ length: n }, () => rng.int(0, 9));
  return new Dataset({ name: `random-${n}`, shape, pixels, labels, classes: 10 });
}

/** A small conv net with pooling (no dropout, no batch norm) on 1×12×12. */
function tinyConv(): GraphDef {
  return sequential('tiny-conv', { name: 'image', shape: [1, 12, 12] }, [
    ['conv1', new Conv2d({ filters: 4, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
    ['flatten', new Flatten()], ['fc1', new Dense({ units: 10 })],
  ]);
}

/** Batch norm between a conv and a dense layer, on 1×4×4. */
function bnNet(): GraphDef {
  return sequential('bn', { name: 'x', shape: [1, 4, 4] }, [
    ['conv', new Conv2d({ filters: 3, kernel: 3, padding: 1 })], ['bn', new BatchNorm({ momentum: 0.5 })],
    ['flatten', new Flatten()], ['fc', new Dense({ units: 10 })],
  ]);
}

const CLOSE = { atol: 1e-5, rtol: 1e-4 };

/**
 * Trains two copies of the model, one with train() and one with trainParallel() on `n` workers,
 * and checks that parameters (state included), epoch reports and progress reports agree.
 */
async function compare(def: GraphDef, data: Dataset, options: TrainOptions, n: 1 | 2 | 3, setup: (m: Model) => void = () => {}):
  Promise<{ single: Model; multi: Model; reports: { single: EpochReport[]; multi: EpochReport[] } }> {
  const single = new Model(new Graph(def), await k(), { seed: 7 });
  const multi = new Model(new Graph(def), await k(), { seed: 7 });
  setup(single);
  setup(multi);
  const batchesA: BatchProgress[] = [];
  const batchesB: BatchProgress[] = [];
  const a = await train(single, data, { ...options, onBatch: (p) => batchesA.push(p) });
  const b = await trainParallel(multi, data, { ...options, pool: pool(n), onBatch: (p) => batchesB.push(p) });
  const what = `${def.name}, ${n} worker(s)`;
  assertClose(multi.params.values.f32(), single.params.values.f32(), `${what}: parameters`, CLOSE);
  assertClose(b.map((r) => r.loss), a.map((r) => r.loss), `${what}: epoch losses`, CLOSE);
  assert.equal(b.map((r) => r.trainAccuracy), a.map((r) => r.trainAccuracy), `${what}: training accuracy`);
  assert.equal(b.map((r) => r.lr), a.map((r) => r.lr), `${what}: learning rates`);
  assert.equal(batchesB.map((p) => [p.epoch, p.batch, p.batches]), batchesA.map((p) => [p.epoch, p.batch, p.batches]), `${what}: onBatch calls`);
  assertClose(batchesB.map((p) => p.loss), batchesA.map((p) => p.loss), `${what}: onBatch losses`, CLOSE);
  return { single, multi, reports: { single: a, multi: b } };
}

test('shards are contiguous, cover everything and differ in size by at most one', () => {
  assert.equal(shards(7, 2).map((s) => [s.start, s.count]), [[0, 4], [4, 3]]);
  assert.equal(shards(64, 2).map((s) => s.count), [32, 32]);
  assert.equal(shards(1, 3).map((s) => s.count), [1, 0, 0]);
  assert.equal(shards(10, 3).map((s) => [s.start, s.count]), [[0, 4], [4, 3], [7, 3]]);
});

test('parameter ranges are contiguous, 16-byte aligned and cover the trainable parameters', () => {
  assert.equal(paramRanges(10, 2), [{ start: 0, end: 8 }, { start: 8, end: 10 }]);
  assert.equal(paramRanges(3, 3), [{ start: 0, end: 3 }, { start: 3, end: 3 }, { start: 3, end: 3 }]);
  for (const [T, W] of [[431080, 2], [266610, 3], [17, 3], [1, 1]]) {
    const r = paramRanges(T, W);
    assert.is(r[0].start, 0);
    assert.is(r[W - 1].end, T);
    r.forEach((x, w) => {
      assert.ok(x.start % 4 === 0 && x.start <= x.end, `range ${w} of ${T}/${W}`);
      if (w > 0) assert.is(x.start, r[w - 1].end);
    });
  }
});

test('optimisers over the workers’ parameter ranges step exactly like one over everything', async () => {
  const model = new Model(new Graph(tinyConv()), await k(), { seed: 4 });
  const p = model.params;
  const rng = new Rng(3);
  const mask = p.enableMask().f32();
  for (let i = 0; i < mask.length; i += 5) mask[i] = 0;
  p.applyMask();
  const start = p.values.toArray();
  const grads = Float32Array.from({ length: p.trainableSize }, () => rng.uniform(-1, 1));
  for (const options of [{ kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, l1: 1e-3 }, { kind: 'adam', lr: 0.01, weightDecay: 1e-2 }] as const) {
    const run = (ranges: { start: number; end: number }[]) => {
      p.values.set(start);
      const optimizers = ranges.map((r) => new Optimizer(p, options, r));
      for (let s = 0; s < 3; s++) {
        p.grads.set(grads.map((g) => g * (s + 1)));
        for (const o of optimizers) o.step();
      }
      const state = optimizers.flatMap((o) => o.buffers().map((b) => Array.from(b)));
      optimizers.forEach((o) => o.dispose());
      return { values: p.values.toArray(), state };
    };
    const whole = run([{ start: 0, end: p.trainableSize }]);
    for (const W of [2, 3]) {
      const parts = run(paramRanges(p.trainableSize, W));
      assert.equal(Array.from(parts.values), Array.from(whole.values), `${options.kind}, ${W} ranges: parameters`);
      // Each state buffer is split into the ranges in order: concatenated, they are the whole one's.
      const buffers = whole.state.length;
      for (let i = 0; i < buffers; i++) {
        assert.equal(parts.state.filter((_, j) => j % buffers === i).flat(), whole.state[i], `${options.kind}, ${W} ranges: state ${i}`);
      }
    }
    assert.ok(whole.values.some((v, i) => v !== start[i]), 'the parameters moved');
  }
  assert.throws(() => new Optimizer(p, { kind: 'sgd', lr: 0.1 }, { start: 8, end: p.trainableSize + 1 }), /range \[8, \d+\) is not within/);
  model.dispose();
});

test('1, 2 and 3 workers train LeNet-300-100 like train(): SGD with momentum, a short last batch, a test set', async () => {
  const data = images(150);
  const test = images(50, [1, 28, 28], 9).withNormalise(data.normalise);
  // 150 = 4 × 32 + 22: shards of 32 are 16/16 and 11/11/10, of 22 are 11/11 and 8/7/7.
  const options = { epochs: 2, batchSize: 32, seed: 11, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } as const, test };
  for (const n of [1, 2, 3] as const) {
    const { single, multi, reports } = await compare(lenet300100(), data, options, n);
    assertClose(reports.multi.map((r) => r.testLoss!), reports.single.map((r) => r.testLoss!), `${n} worker(s): test losses`, CLOSE);
    assert.equal(reports.multi.map((r) => r.testAccuracy), reports.single.map((r) => r.testAccuracy));
    single.dispose();
    multi.dispose();
  }
});

test('Adam with a mask, L1, L2 and a cosine schedule: 2 and 3 workers match train() and pruned weights stay 0', async () => {
  const data = images(90, [1, 12, 12], 3);
  const options: TrainOptions = {
    epochs: 2, batchSize: 20, seed: 2, schedule: { kind: 'cosine', epochs: 2, minLr: 1e-4 },
    optimizer: { kind: 'adam', lr: 0.01, l1: 1e-4, weightDecay: 1e-3 },
  };
  // Every third weight of conv1 and of fc1 pruned, and zeroed as pruning does.
  const prune = (m: Model) => {
    for (const node of ['conv1', 'fc1']) {
      const mask = m.params.maskOf(node, 'weight').f32();
      for (let i = 0; i < mask.length; i += 3) mask[i] = 0;
    }
    m.params.applyMask();
  };
  for (const n of [2, 3] as const) {
    const { single, multi } = await compare(tinyConv(), data, options, n, prune);
    const mask = multi.params.mask!.f32();
    const values = multi.params.values.f32();
    let pruned = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] !== 0) continue;
      pruned++;
      assert.is(values[i], 0, `${n} workers: pruned weight ${i}`);
    }
    assert.ok(pruned > 40, `${pruned} pruned weights checked`);
    single.dispose();
    multi.dispose();
  }
});

test('Nesterov SGD with weight decay and a step schedule on a conv net: 2 and 3 workers match train(), with unequal shards and idle workers', async () => {
  const data = images(43, [1, 12, 12], 8);
  // Batches of 7 (shards 4/3 and 3/2/2) and a last batch of 1 (1/0 and 1/0/0: idle workers).
  const options: TrainOptions = {
    epochs: 3, batchSize: 7, seed: 4, schedule: { kind: 'step', every: 1, gamma: 0.5 },
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 5e-4 },
  };
  for (const n of [2, 3] as const) {
    const { single, multi } = await compare(tinyConv(), data, options, n);
    single.dispose();
    multi.dispose();
  }
});

test('distillation: 2 and 3 workers match train(), each shard blending its own samples\' soft targets', async () => {
  const data = images(45, [1, 12, 12], 6);
  const rng = new Rng(12);
  const teacher = Float32Array.from({ length: 450 }, () => rng.uniform(-3, 3));
  const options: TrainOptions = { epochs: 2, batchSize: 10, seed: 3, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 }, distill: { teacher, alpha: 0.6, temperature: 3 } };
  for (const n of [2, 3] as const) {
    const { single, multi } = await compare(tinyConv(), data, options, n);
    single.dispose();
    multi.dispose();
  }
});

test('a proximal step (group lasso) after every step: 1, 2 and 3 workers match train(), and groups reach exact zeros', async () => {
  const data = images(45, [1, 12, 12], 6);
  const probe = new Model(new Graph(tinyConv()), await k(), { seed: 7 });
  const groups = dependencyGroups(probe.graph).filter((g) => g.prunable);
  const proximal = groupLassoProximal(probe, groups, 0.4, ['filter', 'channel', 'shape']);
  probe.dispose();
  const options: TrainOptions = { epochs: 2, batchSize: 10, seed: 3, schedule: { kind: 'cosine', epochs: 2 }, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, proximal };
  for (const n of [1, 2, 3] as const) {
    const { single, multi } = await compare(tinyConv(), data, options, n);
    const v = multi.params.values.f32();
    const zero = Array.from({ length: proximal.offsets.length - 1 }, (_, g) => proximal.indices.subarray(proximal.offsets[g], proximal.offsets[g + 1]).every((i) => v[i] === 0));
    if (n === 1) assert.ok(zero.some(Boolean), 'the penalty zeroes some groups');
    single.dispose();
    multi.dispose();
  }
});

test('LeNet-5: 2 workers match train() over a few steps', async () => {
  const data = images(48, [1, 28, 28], 2);
  const { single, multi } = await compare(lenet5(), data, { epochs: 1, batchSize: 24, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } }, 2);
  single.dispose();
  multi.dispose();
});

test('batch norm: 1 worker trains like train(); with 2 and 3, the running statistics become the shard-weighted mean', async () => {
  const data = images(41, [1, 4, 4], 6);
  const options: TrainOptions = { epochs: 2, batchSize: 10, seed: 1, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } };
  const whole = await compare(bnNet(), data, options, 1);
  whole.single.dispose();
  whole.multi.dispose();
  // Several workers normalise each shard by its own statistics, so the gradients (and the weights
  // after a step) differ from one thread's; the running statistics after one batch do not.
  const batch = data.subset({ end: 21 });
  for (const n of [2, 3] as const) {
    const a = new Model(new Graph(bnNet()), await k(), { seed: 1 });
    const b = new Model(new Graph(bnNet()), await k(), { seed: 1 });
    await train(a, batch, { ...options, epochs: 1, batchSize: 21 });
    await trainParallel(b, batch, { ...options, epochs: 1, batchSize: 21, pool: pool(n) });
    // The running mean is linear in the batch mean, so the weighted mean of shards is exact.
    const mean = b.params.value('bn', 'runningMean').f32();
    assertClose(mean, a.params.value('bn', 'runningMean').f32(), `${n} workers: running mean`, { atol: 1e-6, rtol: 1e-5 });
    assert.ok(mean.some((v) => v !== 0), 'the running mean moved');
    a.dispose();
    b.dispose();
  }
});

test('the optimiser state carries over between trainParallel calls as between train() calls', async () => {
  const data = images(60, [1, 12, 12], 5);
  const options = { batchSize: 16, optimizer: { kind: 'adam', lr: 0.01 } as const };
  const a = new Model(new Graph(tinyConv()), await k(), { seed: 3 });
  const b = new Model(new Graph(tinyConv()), await k(), { seed: 3 });
  const stateA = new Optimizer(a.params, options.optimizer);
  const stateB = new Optimizer(b.params, options.optimizer);
  await train(a, data, { ...options, epochs: 1, seed: 5, optimizerState: stateA });
  await train(a, data, { ...options, epochs: 1, seed: 6, optimizerState: stateA });
  await trainParallel(b, data, { ...options, epochs: 1, seed: 5, optimizerState: stateB, pool: pool(2) });
  await trainParallel(b, data, { ...options, epochs: 1, seed: 6, optimizerState: stateB, pool: pool(3) });
  assert.is(stateB.steps, 8);
  assert.is(stateB.steps, stateA.steps);
  assertClose(b.params.values.f32(), a.params.values.f32(), 'parameters', CLOSE);
  const [m, v] = stateB.buffers();
  assertClose(m, stateA.buffers()[0], 'Adam first moment', { atol: 1e-7, rtol: 1e-4 });
  assertClose(v, stateA.buffers()[1], 'Adam second moment', { atol: 1e-9, rtol: 1e-3 });
  assert.ok(m.some((x) => x !== 0), 'the moments were carried back');
  stateA.dispose();
  stateB.dispose();
  a.dispose();
  b.dispose();
});

test('dropout: parallel training is reproducible from a fresh pool', async () => {
  const def = sequential('drop', { name: 'x', shape: [1, 12, 12] }, [
    ['flatten', new Flatten()], ['fc1', new Dense({ units: 32 })], ['relu', new Relu()], ['drop', new Dropout({ rate: 0.5 })], ['fc2', new Dense({ units: 10 })],
  ]);
  const data = images(64, [1, 12, 12], 7);
  const run = async () => {
    const p = createNodePool({ workers: 2 });
    const m = new Model(new Graph(def), await k(), { seed: 1 });
    try {
      await trainParallel(m, data, { epochs: 1, batchSize: 16, optimizer: { kind: 'sgd', lr: 0.1 }, pool: p });
      return m.params.values.toArray();
    } finally {
      m.dispose();
      await p.terminate();
    }
  };
  const first = await run();
  const second = await run();
  assert.equal(Array.from(second), Array.from(first));
  const untrained = new Model(new Graph(def), await k(), { seed: 1 });
  assert.ok(first.some((v, i) => v !== untrained.params.values.f32()[i]), 'training changed the parameters');
  untrained.dispose();
});

test('an onBatch that throws stops parallel training with its error; the pool works afterwards', async () => {
  // Long enough (1,500 batches) that the workers are still running when the callback throws.
  const data = images(3000);
  const model = new Model(new Graph(lenet300100()), await k(), { seed: 2 });
  const seen: number[] = [];
  try {
    await trainParallel(model, data, {
      epochs: 1, batchSize: 2, pool: pool(2),
      onBatch: (p) => {
        seen.push(p.batch);
        if (p.batch === 3) throw new Error('enough');
      },
    });
    assert.unreachable('the callback’s error must reject');
  } catch (e) {
    assert.is((e as Error).message, 'enough');
  }
  assert.equal(seen, [0, 1, 2, 3]);
  const [report] = await trainParallel(model, data.subset({ end: 40 }), { epochs: 1, batchSize: 8, pool: pool(2) });
  assert.ok(Number.isFinite(report.loss));
  model.dispose();
});

test('a worker failing mid-epoch rejects with its error, naming it, and does not leave the others waiting', async () => {
  // The workers read labels from shared memory: corrupt one after they checked the dataset.
  const good = images(64, [1, 12, 12], 3);
  const labels = new Int32Array(new SharedArrayBuffer(good.size * 4));
  labels.set(good.labels);
  const data = new Dataset({ name: 'bad-label', shape: [1, 12, 12], pixels: good.pixels, labels, classes: 10 });
  const model = new Model(new Graph(tinyConv()), await k(), { seed: 2 });
  for (const n of [2, 3] as const) {
    labels[37] = good.labels[37];
    await pool(n).share(data);
    labels[37] = 99;
    try {
      await trainParallel(model, data, { epochs: 1, batchSize: 8, pool: pool(n) });
      assert.unreachable('a bad label must fail');
    } catch (e) {
      assert.match((e as Error).message, new RegExp(`^worker [0-2] of ${n}: training epoch 1 on 'bad-label' failed: .*label \\d+ is 99`));
    }
    const [report] = await trainParallel(model, good, { epochs: 1, batchSize: 8, pool: pool(n) });
    assert.ok(Number.isFinite(report.loss), `${n} workers still train`);
  }
  model.dispose();
});

test('terminating a pool while it trains rejects the training instead of hanging', async () => {
  const p = createNodePool({ workers: 2 });
  const model = new Model(new Graph(lenet300100()), await k(), { seed: 1 });
  const data = images(3000);
  try {
    await trainParallel(model, data, { epochs: 5, batchSize: 4, pool: p, onBatch: (b) => { if (b.batch === 2) void p.terminate(); } });
    assert.unreachable('training on a terminated pool must fail');
  } catch (e) {
    assert.match((e as Error).message, /^worker [01] of 2: training epoch 1 on 'random-3000' failed: .*terminated/);
  }
  model.dispose();
});

test('evaluateParallel equals evaluate', async () => {
  const data = images(203, [1, 12, 12], 4);
  const model = new Model(new Graph(tinyConv()), await k(), { seed: 5 });
  const want = evaluate(model, data, { batchSize: 64 });
  for (const n of [1, 2] as const) {
    const got = await evaluateParallel(model, data, { pool: pool(n), batchSize: 64 });
    assert.is(got.count, want.count);
    assert.is(got.correct, want.correct);
    assertClose([got.loss], [want.loss], `${n} worker(s) loss`, { atol: 1e-6, rtol: 1e-5 });
  }
  model.dispose();
});

test('an error inside a worker rejects with a message naming the worker and the task', async () => {
  const data = images(20);
  const model = new Model(new Graph(lenet300100()), await k());
  const p = pool(2);
  await p.ensure(model);
  await p.share(data);
  try {
    await p.run('evaluate', data, Int32Array.from([0, 1, 2, 99]));
    assert.unreachable('an out-of-range index must fail');
  } catch (e) {
    assert.instance(e, Error);
    assert.match((e as Error).message, /^worker 1 of 2: task 'evaluate' on 2 samples of 'random-20' failed: .*99/);
  }
  try {
    await p.run('no-such-task', data, Int32Array.from([0]));
    assert.unreachable('an unknown task must fail');
  } catch (e) {
    assert.match((e as Error).message, /worker 0 of 2: .*unknown task 'no-such-task' \(known: evaluate/);
  }
  // The pool still works afterwards.
  const ok = await p.run<PassResult>('evaluate', data, data.order());
  assert.is(ok.reduce((n, s) => n + s.result.count, 0), 20);
  model.dispose();
});

test('a terminated pool rejects calls instead of hanging', async () => {
  const p = createNodePool({ workers: 1 });
  const model = new Model(new Graph(lenet300100()), await k());
  await p.ensure(model);
  await p.terminate();
  await p.terminate();
  try {
    await p.call(0, 'init', (api) => api.dispose());
    assert.unreachable('calls after terminate must fail');
  } catch (e) {
    assert.match((e as Error).message, /worker 0 of 1: init: the pool was terminated/);
  }
  model.dispose();
});

test('a worker that dies rejects the calls waiting on it, naming the worker', async () => {
  // A thread that never answers and exits after 50 ms, in place of a crashing replica.
  const p = new WorkerPool(() => nodeWorkerHandle(new Worker('setTimeout(() => process.exit(3), 50)', { eval: true })), 1);
  try {
    await p.call(0, 'init', (api) => api.init({} as never));
    assert.unreachable('a dead worker must reject');
  } catch (e) {
    assert.match((e as Error).message, /^worker 0 of 1: init failed: the worker thread exited with code 3/);
  }
  try {
    await p.call(0, 'init', (api) => api.dispose());
    assert.unreachable('calls to a dead worker must fail');
  } catch (e) {
    assert.match((e as Error).message, /worker 0 of 1: init: the worker died earlier: the worker thread exited with code 3/);
  }
  await p.terminate();
});

test.after(async () => {
  await Promise.all(Object.values(pools).map((p) => p.terminate()));
});

test.run();
