// The statistics hooks against direct oracles: Σ activation × gradient against per-sample
// backward passes, maxout wins against a per-sample count, streaming moments' Pearson r against a
// two-pass reference with constant neurons (σ = 0 → r = 0); 2 workers give 1 worker's results.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { createNodePool } from '../../src/node/workers.js';
import { localPass, poolPass } from '../../src/workers/pass.js';
import type { PassStats } from '../../src/workers/hooks.js';
import { pearson } from '../../src/prune/criteria/correlation.js';
import { Model } from '../../src/nn/model.js';
import { Graph } from '../../src/graph/graph.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { sequential } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, Maxout, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import type { Kernels } from '../../src/kernels/kernels.js';

let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());
const pool = createNodePool({ workers: 2 });

function images(n: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from({ length: n * 100 }, () => rng.int(0, 255));
  for (let i = 0; i < n; i++) pixels[i * 100] = 77; // one constant pixel
  return new Dataset({ name: `random-${n}`, shape: [1, 10, 10], pixels, labels: Int32Array.from({ length: n }, () => rng.int(0, 9)), classes: 10 });
}

const net = () => new Graph(sequential('maxnet', { name: 'image', shape: [1, 10, 10] }, [
  ['conv1', new Conv2d({ filters: 4, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 12 })], ['maxout1', new Maxout({ k: 3 })], ['fc2', new Dense({ units: 10 })],
]));

const HOOKS = {
  t1: { kind: 'taylor', node: 'relu1' }, t2: { kind: 'taylor', node: 'fc1' },
  w: { kind: 'wins', node: 'maxout1' },
  m: { kind: 'moments', node: 'fc1', input: 'flatten' }, mi: { kind: 'moments', node: 'fc1', input: 'image' },
};

function close(a: PassStats, b: PassStats, label: string): void {
  for (const id of Object.keys(a)) {
    for (const key of Object.keys(a[id])) {
      const x = a[id][key];
      if (typeof x === 'number') assert.is(b[id][key], x, `${label} ${id}.${key}`);
      else assertClose(b[id][key] as Float64Array, x, `${label} ${id}.${key}`, { atol: 1e-4, rtol: 1e-4 });
    }
  }
}

test('taylor, wins and moments equal their per-sample and two-pass oracles, on this thread and on 2 workers', async () => {
  const model = new Model(net(), await k(), { seed: 9 });
  const data = images(41);
  // Two fc1 neurons that never vary: zero weights, so their output is their bias.
  const w = model.params.entry('fc1', 'weight');
  const v = model.params.values.f32();
  v.fill(0, w.start + 2 * (w.size / 12), w.start + 4 * (w.size / 12));
  const here = await localPass().run(model, data, HOOKS, { batchSize: 8 });
  close(here, await poolPass(pool).run(model, data, HOOKS, { batchSize: 5 }), '2 workers');

  // Oracles, one sample at a time.
  const loss = new SoftmaxCrossEntropy(model.k);
  const t1 = new Float64Array(4);
  const t1abs = new Float64Array(4);
  const t2 = new Float64Array(12);
  const wins = new Float64Array(12);
  const xs: number[][] = [];
  const ys: number[][] = [];
  const labels = new Int32Array(1);
  for (let i = 0; i < data.size; i++) {
    data.fillBatch(model.input(1).f32(), labels, [i]);
    const logits = model.forward(1);
    loss.forward(logits, labels);
    model.backward(loss.backward());
    const [a1, g1] = [model.activation('relu1').f32(), model.gradient('relu1').f32()];
    for (let c = 0; c < 4; c++) {
      let one = 0;
      for (let s = 0; s < 64; s++) one += a1[c * 64 + s] * g1[c * 64 + s];
      t1[c] += one;
      t1abs[c] += Math.abs(one);
    }
    const [a2, g2] = [model.activation('fc1').f32(), model.gradient('fc1').f32()];
    for (let c = 0; c < 12; c++) t2[c] += a2[c] * g2[c];
    const y = Array.from(a2);
    for (let u = 0; u < 4; u++) {
      const unit = y.slice(u * 3, u * 3 + 3);
      wins[u * 3 + unit.indexOf(Math.max(...unit))]++;
    }
    xs.push(Array.from(model.activation('image').f32()));
    ys.push(y);
  }
  assertClose(here.t1.sum as Float64Array, t1, 'taylor relu1', { atol: 1e-5, rtol: 1e-4 });
  assertClose(here.t2.sum as Float64Array, t2, 'taylor fc1', { atol: 1e-5, rtol: 1e-4 });
  assertClose(here.t1.abs as Float64Array, t1abs, 'taylor relu1 per-example |Σ a·g|', { atol: 1e-5, rtol: 1e-4 });
  assert.ok(t1.some((x) => Math.abs(x) > 1e-4), 'the Taylor sums are not trivial');
  assert.equal(Array.from(here.w.wins as Float64Array), Array.from(wins), 'maxout wins');

  // Pearson r of fc1's outputs against the image's pixels, two passes in f64.
  const N = data.size;
  const mean = (rows: number[][], j: number) => rows.reduce((a, r) => a + r[j], 0) / N;
  const r = pearson(here.mi);
  let constant = 0;
  for (let q = 0; q < 12; q++) {
    const my = mean(ys, q);
    const sy = ys.reduce((a, row) => a + (row[q] - my) ** 2, 0);
    for (let p = 0; p < 100; p++) {
      const mx = mean(xs, p);
      const sx = xs.reduce((a, row) => a + (row[p] - mx) ** 2, 0);
      const sxy = xs.reduce((a, row, n) => a + (row[p] - mx) * (ys[n][q] - my), 0);
      const want = sx > 0 && sy > 0 ? sxy / Math.sqrt(sx * sy) : 0;
      if (want === 0) constant++;
      const got = r[q * 100 + p];
      assert.ok(Number.isFinite(got), `r[${q}, ${p}] is finite`);
      assert.ok(Math.abs(got - want) < 2e-3, `r[${q}, ${p}]: ${got} vs two-pass ${want}`);
    }
  }
  assert.ok(constant >= 2 * 100 + 12 - 2, `constant neurons and pixels give r = 0 (${constant} pairs)`);
  for (let p = 0; p < 100; p++) assert.is(r[2 * 100 + p], 0, 'a constant output neuron has r = 0');
  loss.dispose();
  model.dispose();
});

test('moments over a convolution\'s patches equal a two-pass reference over samples × positions, on 2 workers too', async () => {
  const model = new Model(net(), await k(), { seed: 10 });
  const data = images(13, 4);
  const patches = { kernel: [3, 3] as [number, number], stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], dilation: [1, 1] as [number, number] };
  const hooks = { c: { kind: 'moments', node: 'relu1', input: 'image', patches } };
  const here = await localPass().run(model, data, hooks, { batchSize: 4 });
  close(here, await poolPass(pool).run(model, data, hooks, { batchSize: 3 }), '2 workers');
  assert.is(here.c.rows, 13 * 64);
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < data.size; i++) {
    data.fillBatch(model.input(1).f32(), null, [i]);
    model.forward(1);
    const x = model.activation('image').f32();
    const y = model.activation('relu1').f32();
    for (let oh = 0; oh < 8; oh++) for (let ow = 0; ow < 8; ow++) {
      const patch: number[] = [];
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) patch.push(x[(oh + kh) * 10 + ow + kw]);
      xs.push(patch);
      ys.push([0, 1, 2, 3].map((c) => y[c * 64 + oh * 8 + ow]));
    }
  }
  const r = pearson(here.c);
  const N = xs.length;
  for (let q = 0; q < 4; q++) for (let p = 0; p < 9; p++) {
    const mx = xs.reduce((a, row) => a + row[p], 0) / N;
    const my = ys.reduce((a, row) => a + row[q], 0) / N;
    const sx = xs.reduce((a, row) => a + (row[p] - mx) ** 2, 0);
    const sy = ys.reduce((a, row) => a + (row[q] - my) ** 2, 0);
    const sxy = xs.reduce((a, row, n) => a + (row[p] - mx) * (ys[n][q] - my), 0);
    const want = sx > 0 && sy > 0 ? sxy / Math.sqrt(sx * sy) : 0;
    assert.ok(Math.abs(r[q * 9 + p] - want) < 2e-3, `r[${q}, ${p}]: ${r[q * 9 + p]} vs two-pass ${want}`);
  }
  model.dispose();
});

test.after(() => pool.terminate());

test.run();
