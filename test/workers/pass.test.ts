// Data passes: the statistics of a pass on this thread against naive counts, on 1 and 2 workers
// against this thread (within rounding), bad hooks refused before any work, and a worker that
// dies mid-pass failing the pass with its name while the pool recovers for the next one.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { createNodePool, nodeWorkerHandle, workerEntry } from '../../src/node/workers.js';
import { WorkerPool } from '../../src/workers/pool.js';
import { localPass, poolPass } from '../../src/workers/pass.js';
import type { HookSpec, PassStats } from '../../src/workers/hooks.js';
import { Model } from '../../src/nn/model.js';
import { Graph, type GraphDef } from '../../src/graph/graph.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { sequential } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import '../helpers/dying-hook.js';

let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());
const pools: WorkerPool[] = [];
const pool = (n: number) => { const p = createNodePool({ workers: n }); pools.push(p); return p; };

export function images(n: number, shape: [number, number, number] = [1, 10, 10], seed = 1): Dataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.int(0, 255));
  const labels = Int32Array.from({ length: n }, () => rng.int(0, 9));
  return new Dataset({ name: `random-${n}`, shape, pixels, labels, classes: 10 });
}

export function tinyNet(): GraphDef {
  return sequential('tiny', { name: 'image', shape: [1, 10, 10] }, [
    ['conv1', new Conv2d({ filters: 5, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
    ['flatten', new Flatten()], ['fc1', new Dense({ units: 7 })], ['relu2', new Relu()], ['fc2', new Dense({ units: 10 })],
  ]);
}

const HOOKS: Record<string, HookSpec> = { relu1: { kind: 'zeros', node: 'relu1' }, relu2: { kind: 'zeros', node: 'relu2' } };

/** Zeros per channel of `node` over the dataset, counted one sample at a time. */
function naiveZeros(model: Model, data: Dataset, node: string): Float64Array {
  const [C, ...rest] = model.graph.shapeOf(node);
  const S = rest.reduce((a, b) => a * b, 1);
  const out = new Float64Array(C);
  for (let i = 0; i < data.size; i++) {
    data.fillBatch(model.input(1).f32(), null, [i]);
    model.forward(1);
    const a = model.activation(node).f32();
    for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) if (a[c * S + s] === 0) out[c]++;
  }
  return out;
}

function sameStats(a: PassStats, b: PassStats, label: string): void {
  assert.equal(Object.keys(a).sort(), Object.keys(b).sort(), `${label}: hook ids`);
  for (const id of Object.keys(a)) {
    for (const key of Object.keys(a[id])) {
      const x = a[id][key];
      const y = b[id][key];
      if (typeof x === 'number') assert.is(y, x, `${label}: ${id}.${key}`);
      else assertClose(y as Float64Array, x, `${label}: ${id}.${key}`, { atol: 1e-6, rtol: 1e-6 });
    }
  }
}

test('a pass on this thread counts the zeros a sample-by-sample forward counts', async () => {
  const model = new Model(new Graph(tinyNet()), await k(), { seed: 3 });
  const data = images(37);
  const stats = await localPass().run(model, data, HOOKS, { batchSize: 8 });
  for (const node of ['relu1', 'relu2']) {
    assert.equal(Array.from(stats[node].zeros as Float64Array), Array.from(naiveZeros(model, data, node)), node);
    assert.is(stats[node].samples, 37);
  }
  assert.is(stats.relu1.perSample, 64);
  assert.ok((stats.relu2.zeros as Float64Array).some((z) => z > 0) && (stats.relu1.zeros as Float64Array).some((z) => z < 37 * 64), 'the counts are not trivial');
  model.dispose();
});

test('a pass on 1 and 2 workers gives this thread\'s statistics, whatever the batch size', async () => {
  const model = new Model(new Graph(tinyNet()), await k(), { seed: 4 });
  const data = images(53, undefined, 2);
  const here = await localPass().run(model, data, HOOKS, { batchSize: 16 });
  for (const n of [1, 2]) {
    const p = pool(n);
    let last = 0;
    const there = await poolPass(p).run(model, data, HOOKS, { batchSize: 5, onProgress: (done, total) => { assert.ok(done > last && total === 53); last = done; } });
    sameStats(here, there, `${n} workers`);
    assert.is(last, 53, 'progress reaches the end');
  }
  // A chosen subset, in a chosen order.
  const indices = Int32Array.from([5, 2, 40, 7]);
  sameStats(await localPass().run(model, data, HOOKS, { indices }), await poolPass(pools[1]).run(model, data, HOOKS, { indices }), 'subset');
  model.dispose();
});

test('bad hooks and options are refused before any work, naming what is wrong', async () => {
  const model = new Model(new Graph(tinyNet()), await k(), { seed: 4 });
  const data = images(4);
  const cases: [Record<string, HookSpec>, object, RegExp][] = [
    [{ a: { kind: 'nope', node: 'relu1' } }, {}, /hook kind 'nope' \(known: zeros, /],
    [{ a: { kind: 'zeros', node: 'relu9' } }, {}, /hook 'a' \(zeros\) reads 'relu9', not a node of model 'tiny'/],
    [HOOKS, { batchSize: 0 }, /'batchSize' must be an integer ≥ 1, got 0/],
    [HOOKS, { indices: Int32Array.from([4]) }, /index 4 is not in \[0, 4\)/],
    [HOOKS, { indices: new Int32Array(0) }, /no samples/],
  ];
  for (const [hooks, options, message] of cases) {
    for (const pass of [localPass(), poolPass(pools[0] ?? pool(1))]) {
      try {
        await pass.run(model, data, hooks, options);
        assert.unreachable(`${message} must throw`);
      } catch (e) {
        assert.match((e as Error).message, message);
      }
    }
  }
  model.dispose();
});

test('a worker dying mid-pass fails the pass naming it; the pool restarts it for the next pass', async () => {
  const entry = workerEntry();
  const tsx = import.meta.resolve('tsx/esm/api');
  const hook = new URL('../helpers/dying-hook.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(hook)}); }).then(() => import(${JSON.stringify(entry.href)}))`;
  let started = 0;
  const p = new WorkerPool(() => { started++; return nodeWorkerHandle(new Worker(boot, { eval: true })); }, 2);
  pools.push(p);
  const model = new Model(new Graph(tinyNet()), await k(), { seed: 5 });
  const data = images(20);
  const die = { d: { kind: 'die', node: 'relu1', die: true } };
  try {
    await poolPass(p).run(model, data, { ...HOOKS, ...die });
    assert.unreachable('a pass whose worker dies must fail');
  } catch (e) {
    assert.match((e as Error).message, /^worker [01] of 2: task 'pass' on 10 samples of 'random-20' failed: the worker thread exited with code 7/);
  }
  const again = await poolPass(p).run(model, data, HOOKS);
  sameStats(await localPass().run(model, data, HOOKS), again, 'after the restart');
  assert.ok(started >= 3 && started <= 4, `dead workers were replaced (${started} started)`);
  model.dispose();
});

test.after(async () => {
  await Promise.all(pools.map((p) => p.terminate()));
});

test.run();
