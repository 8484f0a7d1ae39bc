// Web worker pools where the host has none (Node has no global Worker): the reason is given, the
// pool refuses clearly, webPoolOrNone falls back and createRunner without a pool trains on this thread.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWebPool, webPoolOrNone, webPoolUnavailable, webWorkerFactory } from '../../src/workers/web.js';
import { createRunner } from '../../src/pipeline/runner.js';
import { Dataset, Graph, Model, evaluate, sequential, Flatten, Dense } from '../../src/index.js';
import { loadNodeKernels } from '../../src/node/kernels.js';

test('without Web Workers: a reason, a clear refusal, and no pool from webPoolOrNone', () => {
  // Node has no global Worker, but other suites in this process may have installed one.
  const g = globalThis as { Worker?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, 'Worker');
  delete g.Worker;
  try {
    withoutWorkers();
  } finally {
    if (saved) Object.defineProperty(g, 'Worker', saved);
  }
});

function withoutWorkers(): void {
  assert.is(typeof (globalThis as { Worker?: unknown }).Worker, 'undefined');
  assert.match(webPoolUnavailable() ?? '', /no Web Workers \(Worker is not defined\)/);
  assert.throws(() => createWebPool({ workers: 2 }), /createWebPool: this host has no Web Workers.*run on this thread/);
  assert.throws(() => webWorkerFactory(), /webWorkerFactory: this host has no Web Workers/);
  const notes: string[] = [];
  assert.is(webPoolOrNone({ workers: 2 }, (why) => notes.push(why)), undefined);
  assert.equal(notes, ['lopper: no worker pool, running on this thread: this host has no Web Workers (Worker is not defined)']);
}

test('createRunner without a pool trains and evaluates on this thread', async () => {
  const k = await loadNodeKernels({ build: 'simd' });
  const graph = sequential('mlp', { name: 'x', shape: [1, 2, 2] }, [['flat', new Flatten()], ['fc', new Dense({ units: 2 })]]);
  const model = new Model(new Graph(graph), k, { seed: 1 });
  const data = new Dataset({ name: 'xor-ish', shape: [1, 2, 2], classes: 2, pixels: Uint8Array.from({ length: 32 }, (_, i) => (i * 37) % 256), labels: Int32Array.from([0, 1, 1, 0, 1, 0, 0, 1]) });
  const runner = createRunner();
  const before = Float32Array.from(model.params.values.f32());
  const [epoch] = await runner.train(model, data, { epochs: 1, batchSize: 4 });
  assert.ok(Number.isFinite(epoch.loss));
  assert.ok(model.params.values.f32().some((v, i) => v !== before[i]), 'the parameters moved');
  assert.equal(await runner.evaluate(model, data), evaluate(model, data));
});

test.run();
