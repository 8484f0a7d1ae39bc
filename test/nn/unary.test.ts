// Sigmoid, Tanh, HardSigmoid, HardSwish, Clip, Identity: backward against finite differences,
// forward against the formulas, FLOPs, attrs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { Clip, HardSigmoid, HardSwish, Identity, Sigmoid, Tanh } from '../../src/nn/layers/index.js';

/** Values away from the kinks at ±3 (HardSwish), −2.5/2.5 (HardSigmoid), and the clip bounds ±0.5. */
const smooth = (rng: { uniform(a: number, b: number): number }, n: number) =>
  Float32Array.from({ length: n }, () => {
    const v = rng.uniform(-4, 4);
    return [-3, 3, -2.5, 2.5, -0.5, 0.5].some((k) => Math.abs(v - k) < 0.05) ? v + 0.2 : v;
  });

test('Sigmoid, Tanh, HardSigmoid, HardSwish, Clip and Identity backward match finite differences', async () => {
  for (const { k } of await backends()) {
    for (const layer of [new Sigmoid(), new Tanh(), new HardSigmoid(), new HardSigmoid({ alpha: 0.5, beta: 0.1 }), new HardSwish(),
      new Clip({ min: -0.5, max: 0.5 }), new Clip({ min: 0 }), new Identity()]) {
      gradCheckLayer(k, layer, [[3, 2, 5]], { input: smooth, batch: 2 });
      gradCheckLayer(k, layer, [[7]], { input: smooth, batch: 3 });
    }
  }
});

test('forward values follow the ONNX formulas, large |x| included', async () => {
  const x = [-1000, -6, -3, -1, -0.25, 0, 0.25, 1, 3, 6, 1000];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const cases: [string, InstanceType<typeof Sigmoid> | Tanh | HardSigmoid | HardSwish | Clip | Identity, (v: number) => number][] = [
    ['Sigmoid', new Sigmoid(), sig],
    ['Tanh', new Tanh(), Math.tanh],
    ['HardSigmoid', new HardSigmoid(), (v) => Math.max(0, Math.min(1, 0.2 * v + 0.5))],
    ['HardSwish', new HardSwish(), (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))],
    ['Clip(0, 6)', new Clip({ min: 0, max: 6 }), (v) => Math.min(6, Math.max(0, v))],
    ['Clip(max 1)', new Clip({ max: 1 }), (v) => Math.min(1, v)],
    ['Identity', new Identity(), (v) => v],
  ];
  for (const { k } of await backends()) {
    for (const [label, layer, f] of cases) {
      const run = runLayer(k, layer, [[x.length]], [x]);
      assertClose(run.y, x.map(f), label, { atol: 1e-7, rtol: 1e-6 });
      assert.ok(run.y.every(Number.isFinite), `${label} stays finite at ±1000`);
      run.model.dispose();
    }
  }
});

test('FLOPs, attrs, and Clip keeps unbounded sides out of its attrs', () => {
  assert.is(new Sigmoid().flops([[2, 3]]), 24);
  assert.is(new Identity().flops([[2, 3]]), 0);
  assert.equal(new HardSigmoid().attrs(), { alpha: 0.2, beta: 0.5 });
  assert.equal(new Clip({ min: 0, max: 6 }).attrs(), { min: 0, max: 6 });
  assert.equal(new Clip({ min: 0 }).attrs(), { min: 0 });
  assert.equal(new Clip().attrs(), {});
  assert.is(new Clip({ max: 2 }).min, -Infinity);
  assert.equal(new Tanh().channelFlow(), { kind: 'elementwise' });
});

test('throws when options are bad', () => {
  assert.throws(() => new Clip({ min: 2, max: 1 }), /Clip: 'min' \(2\) must not exceed 'max' \(1\)/);
  assert.throws(() => new Clip({ min: NaN }), /Clip: 'min' must be a finite number, got NaN/);
  assert.throws(() => new Clip({ lo: 0 } as never), /Clip: unknown option 'lo'; known: min, max/);
  assert.throws(() => new HardSigmoid({ alpha: Infinity }), /HardSigmoid: 'alpha' must be a finite number, got Infinity/);
  assert.throws(() => new Sigmoid({ slope: 1 } as never), /Sigmoid: unknown option 'slope'; known: \(none\)/);
});

test.run();
