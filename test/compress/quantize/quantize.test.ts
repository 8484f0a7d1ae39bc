// Post-training quantisation: calibrators (min-max, percentile, entropy; merge = one pass over
// all the data), per-channel weights (pruned zeros exact), the quantised model against fp32, and
// int8 inference against the fake-quant model it runs; calibration on 1 and 2 workers gives this
// thread's thresholds.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../../helpers/backends.js';
import { Rng } from '../../helpers/rng.js';
import { Graph, Model } from '../../../src/nn/model.js';
import { Dataset } from '../../../src/nn/data/dataset.js';
import { lenet5 } from '../../../src/nn/nets.js';
import { Calibrator, calibrate, CALIBRATION_METHODS } from '../../../src/compress/quantize/calibrate.js';
import { loadNodeKernels } from '../../../src/node/kernels.js';
import { createNodePool } from '../../../src/node/workers.js';
import { poolPass } from '../../../src/workers/pass.js';
import { quantizePerChannel, dequantizePerChannel } from '../../../src/compress/quantize/weights.js';
import { quantizeModel } from '../../../src/compress/quantize/model.js';
import { int8Model } from '../../../src/compress/quantize/int8-layers.js';

function images(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255));
  const labels = Int32Array.from({ length: n }, () => rng.int(0, 9));
  return new Dataset({ name: `random-${n}`, shape: [1, 28, 28], pixels, labels, classes: 10 });
}

function gaussian(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return out;
}

test('calibrators: min-max is max|x|, percentile and entropy clip outliers, merge equals one pass', () => {
  const rng = new Rng(1);
  const a = gaussian(rng, 20000);
  const b = gaussian(rng, 20000).map((v) => v * 1.5);
  a[7] = 40; // one outlier
  for (const method of ['minmax', 'percentile', 'entropy'] as const) {
    const cal = new Calibrator({ method, percentile: 99.9 });
    const whole = cal.update(cal.update(cal.init(), a), b);
    const merged = cal.merge(cal.update(cal.init(), a), cal.update(cal.init(), b));
    assert.equal(merged, whole, `${method}: merging two halves is one pass`);
    const t = cal.threshold(whole);
    if (method === 'minmax') assert.is(t, 40);
    else {
      assert.ok(t > 2 && t < 10, `${method} threshold ${t} ignores the outlier`);
    }
  }
  const cal = new Calibrator({ method: 'entropy' });
  assert.is(cal.threshold(cal.update(cal.init(), new Float32Array(10))), 0, 'all zeros');
  // Zeros first (no bin width yet), then values: the zeros stay counted, in bin 0.
  const late = cal.merge(cal.update(cal.init(), new Float32Array(1000)), cal.update(cal.init(), b));
  assert.is(late.hist[0] >= 1000, true);
  assert.equal(late, cal.update(cal.update(cal.init(), new Float32Array(1000)), b), 'zeros then values, merged or in one pass');
  assert.throws(() => cal.update(cal.init(), Float32Array.of(1, Infinity)), /an activation is Infinity/);
  assert.throws(() => new Calibrator({ method: 'kl' as 'entropy' }), /'method' must be one of minmax, percentile, entropy, got "kl"/);
  assert.throws(() => new Calibrator({ percentile: 0 }), /'percentile' must be in \(0, 100\]/);
  assert.throws(() => cal.threshold(cal.init()), /no values were observed/);
});

test('per-channel weights: within half a step, zeros exact, an all-zero channel', () => {
  const rng = new Rng(2);
  const w = rng.f32(3 * 50);
  for (let i = 0; i < w.length; i += 3) w[i] = 0;
  w.fill(0, 100);
  const quant = quantizePerChannel(w, 3);
  const back = dequantizePerChannel(quant);
  for (let i = 0; i < w.length; i++) {
    const s = quant.scales[Math.floor(i / 50)];
    assert.ok(Math.abs(back[i] - w[i]) <= s / 2 + 1e-7, `weight ${i}`);
    if (w[i] === 0) assert.is(quant.q[i], 0);
  }
  assert.ok(quant.q.subarray(0, 50).some((v) => Math.abs(v) === 127), 'the largest weight maps to ±127');
  assert.throws(() => quantizePerChannel(w, 4), /150 weights do not split into 4 channels/);
  assert.throws(() => quantizePerChannel(Float32Array.of(1, NaN), 1), /weight 1 \(channel 0\) is NaN/);
});

test('quantizeModel: close to fp32, pruned zeros stay zero; int8Model matches the fake-quant model', async () => {
  const data = images(96, 3);
  for (const { k } of await backends()) {
    const model = new Model(new Graph(lenet5()), k, { seed: 4 });
    const mask = model.params.maskOf('conv2', 'weight').f32();
    for (let i = 0; i < mask.length; i += 2) mask[i] = 0;
    model.params.applyMask();
    for (const method of ['minmax', 'entropy'] as const) {
      const q = await quantizeModel(model, data, { method, batchSize: 32 });
      assert.equal(q.layers.map((l) => l.node), ['conv1', 'conv2', 'fc1', 'fc2']);
      const w = q.model.params.value('conv2', 'weight').f32();
      for (let i = 0; i < w.length; i += 2) assert.is(w[i], 0, `conv2 weight ${i} pruned`);
      const x = new Float32Array(8 * 784);
      data.fillBatch(x, null, Int32Array.from({ length: 8 }, (_, i) => i));
      const want = model.forward(8, { x }).toArray();
      const fake = q.model.forward(8, { x }).toArray();
      const range = Math.max(...want.map(Math.abs));
      // Entropy clips this untrained net's activations hard; min-max keeps every value in range.
      if (method === 'minmax') for (let i = 0; i < want.length; i++) assert.ok(Math.abs(fake[i] - want[i]) < 0.1 * range, `[${k.build}] ${method} logit ${i}: ${fake[i]} vs ${want[i]}`);
      const i8 = int8Model(q);
      const got = i8.forward(8, { x }).toArray();
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - fake[i]) <= 1e-4 * range, `[${k.build}] int8 logit ${i}: ${got[i]} vs ${fake[i]}`);
      for (const m of [q.model, i8]) m.dispose();
    }
    model.dispose();
  }
});

test('calibrate on 1 and 2 workers gives the thresholds of this thread, for every method', async () => {
  const k = await loadNodeKernels();
  const model = new Model(new Graph(lenet5()), k, { seed: 5 });
  const data = images(77, 4);
  const values = [model.graph.inputs[0].name, 'pool1', 'relu1'];
  const pools = [createNodePool({ workers: 1 }), createNodePool({ workers: 2 })];
  try {
    for (const method of CALIBRATION_METHODS) {
      const options = { method, batchSize: 16, samples: 70 };
      const here = await calibrate(model, data, values, options);
      for (const t of here.values()) assert.ok(t > 0, `${method}: a threshold > 0`);
      for (const [i, pool] of pools.entries()) {
        const there = await calibrate(model, data, values, { ...options, pass: poolPass(pool) });
        assert.equal([...there], [...here], `${method} on ${i + 1} worker(s)`);
      }
    }
  } finally {
    for (const p of pools) await p.terminate();
    model.dispose();
  }
});

test.run();
