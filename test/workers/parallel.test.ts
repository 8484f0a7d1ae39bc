// The worker pool against the single-threaded spec: 1 and 2 workers give train.ts's gradients,
// parameters and evaluation within rounding; worker errors name the worker; pools terminate.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Worker } from 'node:worker_threads';
import { createNodePool, nodeWorkerHandle } from '../../src/node/workers.js';
import { shards, WorkerPool } from '../../src/workers/pool.js';
import { combine, evaluateParallel, trainParallel } from '../../src/workers/train-parallel.js';
import type { PassResult } from '../../src/workers/worker.js';
import { Model } from '../../src/nn/model.js';
import { Graph } from '../../src/graph/graph.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { computeGradients, evaluate, train } from '../../src/nn/train.js';
import { lenet300100, lenet5, sequential } from '../../src/nn/nets.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { MaxPool2d } from '../../src/nn/layers/maxpool2d.js';
import { BatchNorm } from '../../src/nn/layers/batchnorm.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Relu } from '../../src/nn/layers/relu.js';
import type { GraphDef } from '../../src/graph/graph.js';
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

/** The full batch's mean gradient, single-threaded. */
function reference(model: Model, data: Dataset, indices: Int32Array): Float32Array {
  const loss = new SoftmaxCrossEntropy(model.k);
  computeGradients(model, loss, data, indices, new Int32Array(indices.length));
  loss.dispose();
  return model.params.grads.toArray() as Float32Array;
}

/** The same gradient from the pool's workers, combined as trainParallel does. */
async function parallel(p: WorkerPool, model: Model, data: Dataset, indices: Int32Array): Promise<{ grads: Float32Array; loss: number; count: number }> {
  await p.ensure(model);
  await p.share(data);
  p.push(model);
  const parts = await p.run<PassResult>('gradients', data, indices, { args: (s: { count: number }) => ({ scale: s.count / indices.length }) });
  combine(p, model, parts);
  const loss = parts.reduce((a, s) => a + s.result.loss, 0);
  const count = parts.reduce((a, s) => a + s.result.count, 0);
  return { grads: model.params.grads.toArray() as Float32Array, loss, count };
}

test('shards are contiguous, cover everything and differ in size by at most one', () => {
  assert.equal(shards(7, 2).map((s) => [s.start, s.count]), [[0, 4], [4, 3]]);
  assert.equal(shards(64, 2).map((s) => s.count), [32, 32]);
  assert.equal(shards(1, 3).map((s) => s.count), [1, 0, 0]);
  assert.equal(shards(10, 3).map((s) => [s.start, s.count]), [[0, 4], [4, 3], [7, 3]]);
});

test('1, 2 and 3 workers give the full-batch gradient of LeNet-300-100 (even and odd batches)', async () => {
  const data = images(200);
  const model = new Model(new Graph(lenet300100()), await k(), { seed: 3 });
  for (const indices of [data.order({ shuffle: true, seed: 5 }).slice(0, 64), Int32Array.from([9, 3, 150, 7, 42]), Int32Array.from([17])]) {
    const want = reference(model, data, indices);
    for (const n of [1, 2, 3] as const) {
      const got = await parallel(pool(n), model, data, indices);
      assert.is(got.count, indices.length);
      assertClose(got.grads, want, `${n} worker(s), batch ${indices.length}`, { atol: 1e-5, rtol: 1e-4 });
    }
  }
  model.dispose();
});

test('1 and 2 workers give the full-batch gradient of a small conv net and of LeNet-5', async () => {
  for (const [def, shape] of [[tinyConv(), [1, 12, 12]], [lenet5(), [1, 28, 28]]] as const) {
    const data = images(64, [...shape] as [number, number, number], 2);
    const model = new Model(new Graph(def), await k(), { seed: 4 });
    const indices = data.order({ shuffle: true, seed: 1 }).slice(0, 24);
    const want = reference(model, data, indices);
    for (const n of [1, 2] as const) {
      const got = await parallel(pool(n), model, data, indices);
      assertClose(got.grads, want, `${def.name}, ${n} worker(s)`, { atol: 1e-5, rtol: 1e-4 });
    }
    model.dispose();
  }
});

test('trainParallel on 2 workers gives train()’s parameters and losses', async () => {
  const data = images(160);
  const test = images(50, [1, 28, 28], 9).withNormalise(data.normalise);
  const make = async () => new Model(new Graph(lenet300100()), await k(), { seed: 7 });
  const options = { epochs: 2, batchSize: 32, seed: 11, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } as const, test };
  const a = await make();
  const b = await make();
  const single = await train(a, data, options);
  const multi = await trainParallel(b, data, { ...options, pool: pool(2) });
  assertClose(b.params.values.f32(), a.params.values.f32(), 'parameters after 10 steps', { atol: 1e-5, rtol: 1e-4 });
  assertClose(multi.map((r) => r.loss), single.map((r) => r.loss), 'epoch losses', { atol: 1e-5, rtol: 1e-4 });
  assertClose(multi.map((r) => r.testLoss!), single.map((r) => r.testLoss!), 'test losses', { atol: 1e-5, rtol: 1e-4 });
  assert.equal(multi.map((r) => r.trainAccuracy), single.map((r) => r.trainAccuracy));
  a.dispose();
  b.dispose();
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

test('batch-norm running statistics become the shard-weighted mean of the workers’', async () => {
  const def = sequential('bn', { name: 'x', shape: [1, 4, 4] }, [
    ['conv', new Conv2d({ filters: 3, kernel: 3, padding: 1 })], ['bn', new BatchNorm({ momentum: 0.5 })],
    ['flatten', new Flatten()], ['fc', new Dense({ units: 10 })],
  ]);
  const data = images(40, [1, 4, 4], 6);
  const a = new Model(new Graph(def), await k(), { seed: 1 });
  const b = new Model(new Graph(def), await k(), { seed: 1 });
  const indices = data.order().slice(0, 21);
  reference(a, data, indices);
  await parallel(pool(2), b, data, indices);
  // The running mean is linear in the batch mean, so the weighted mean of shards is exact.
  assertClose(b.params.value('bn', 'runningMean').f32(), a.params.value('bn', 'runningMean').f32(), 'running mean', { atol: 1e-6, rtol: 1e-5 });
  a.dispose();
  b.dispose();
});

test('an error inside a worker rejects with a message naming the worker and the task', async () => {
  const data = images(20);
  const model = new Model(new Graph(lenet300100()), await k());
  const p = pool(2);
  await p.ensure(model);
  await p.share(data);
  try {
    await p.run('gradients', data, Int32Array.from([0, 1, 2, 99]));
    assert.unreachable('an out-of-range index must fail');
  } catch (e) {
    assert.instance(e, Error);
    assert.match((e as Error).message, /^worker 1 of 2: task 'gradients' on 2 samples of 'random-20' failed: .*99/);
  }
  try {
    await p.run('no-such-task', data, Int32Array.from([0]));
    assert.unreachable('an unknown task must fail');
  } catch (e) {
    assert.match((e as Error).message, /worker 0 of 2: .*unknown task 'no-such-task' \(known: gradients, evaluate/);
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
