// Softmax and LogSoftmax: backward against finite differences on several axes, forward against a
// naive float64 formula, channel flow, and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { LogSoftmax, Softmax } from '../../src/nn/layers/index.js';

test('Softmax and LogSoftmax backward match finite differences on every axis', async () => {
  for (const { k } of await backends()) {
    for (const make of [(axis: number) => new Softmax({ axis }), (axis: number) => new LogSoftmax({ axis })]) {
      gradCheckLayer(k, make(-1), [[10]], { batch: 3 });
      gradCheckLayer(k, make(0), [[3, 2, 2]], { batch: 2 });
      gradCheckLayer(k, make(1), [[2, 4, 3]], { batch: 2 });
      gradCheckLayer(k, make(-1), [[2, 3, 4]], { batch: 2 });
    }
  }
});

test('forward: each run along the axis is normalised (large values stay finite)', async () => {
  const rng = new Rng(3);
  for (const { k } of await backends()) {
    const x = rng.f32(2 * 3 * 4).map((v) => v * 50);
    for (const axis of [0, 1, -1]) {
      const shape = [3, 4];
      const a = axis < 0 ? axis + 2 : axis;
      const want = new Float64Array(x.length);
      const wantLog = new Float64Array(x.length);
      for (let b = 0; b < 2; b++) {
        for (let other = 0; other < shape[1 - a]; other++) {
          const at = (i: number) => b * 12 + (a === 0 ? i * 4 + other : other * 4 + i);
          const L = shape[a];
          const m = Math.max(...Array.from({ length: L }, (_, i) => x[at(i)]));
          const s = Array.from({ length: L }, (_, i) => Math.exp(x[at(i)] - m)).reduce((p, q) => p + q, 0);
          for (let i = 0; i < L; i++) { want[at(i)] = Math.exp(x[at(i)] - m) / s; wantLog[at(i)] = x[at(i)] - m - Math.log(s); }
        }
      }
      const run = runLayer(k, new Softmax({ axis }), [shape], [x], { batch: 2 });
      assertClose(run.y, want, `Softmax axis ${axis}`, { atol: 1e-6, rtol: 1e-5 });
      run.model.dispose();
      const runLog = runLayer(k, new LogSoftmax({ axis }), [shape], [x], { batch: 2 });
      assertClose(runLog.y, wantLog, `LogSoftmax axis ${axis}`, { atol: 1e-5, rtol: 1e-5 });
      runLog.model.dispose();
    }
  }
});

test('softmax over channels is a pruning barrier; over other axes it is element-wise', () => {
  assert.is(new Softmax({ axis: 0 }).channelFlow([[10]]).kind, 'fixed');
  assert.is(new Softmax().channelFlow([[10]]).kind, 'fixed');
  assert.is(new Softmax().channelFlow([[4, 5]]).kind, 'elementwise');
  assert.is(new LogSoftmax({ axis: -3 }).channelFlow([[4, 5, 6]]).kind, 'fixed');
  assert.equal(new LogSoftmax().attrs(), { axis: -1 });
  assert.is(new Softmax().flops([[10]]), 40);
});

test('throws when the axis is outside the per-sample shape or options are bad', () => {
  assert.throws(() => new Softmax({ axis: 2 }).outputShape([[3, 4]]), /Softmax: 'axis' 2 is outside a per-sample shape of rank 2 \(\[3,4\]\)/);
  assert.throws(() => new LogSoftmax({ axis: -3 }).outputShape([[3, 4]]), /LogSoftmax: 'axis' -3 is outside a per-sample shape of rank 2/);
  assert.throws(() => new Softmax({ axis: 0.5 }), /Softmax: 'axis' must be an integer, got 0.5/);
  assert.throws(() => new Softmax({ dim: 1 } as never), /Softmax: unknown option 'dim'; known: axis/);
});

test.run();
