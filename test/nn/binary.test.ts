// BroadcastAdd, Sub, Mul, Div: backward against finite differences with and without broadcasting,
// with a constant operand on either side and with a value read twice; forward against numpy's
// rule; channel flows (per-channel constants follow pruning); errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheck, gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { BroadcastAdd, Div, Mul, Sub } from '../../src/nn/layers/index.js';
import { broadcastShapes } from '../../src/nn/layers/binary.js';

/** Divisors away from 0. */
const positive = (rng: { uniform(a: number, b: number): number }, n: number) => Float32Array.from({ length: n }, () => rng.uniform(0.5, 2));

test('two-input broadcasting backward matches finite differences', async () => {
  for (const { k } of await backends()) {
    for (const make of [() => new BroadcastAdd(), () => new Sub(), () => new Mul(), () => new Div()]) {
      gradCheckLayer(k, make(), [[2, 3, 4], [2, 3, 4]], { batch: 2, input: positive });
      gradCheckLayer(k, make(), [[2, 3, 4], [2, 1, 1]], { batch: 2, input: positive });
      gradCheckLayer(k, make(), [[1, 3, 1], [2, 1, 4]], { batch: 2, input: positive });
    }
  }
});

test('a constant operand (either side) and x ∘ x check end to end', async () => {
  for (const { k } of await backends()) {
    for (const make of [(o: object) => new BroadcastAdd(o), (o: object) => new Sub(o), (o: object) => new Mul(o), (o: object) => new Div(o)]) {
      gradCheckLayer(k, make({ operand: [3, 1, 1] }), [[3, 2, 2]], { batch: 2, input: positive });
      gradCheckLayer(k, make({ operand: [2], operandFirst: true }), [[3, 2, 2]], { batch: 2, input: positive });
      gradCheck(k, { name: 'xx', inputs: [{ name: 'x', shape: [5] }], nodes: [{ name: 'y', layer: make({}), inputs: ['x', 'x'] }], outputs: ['y'] },
        { batch: 2, input: positive });
    }
  }
});

test('forward follows numpy broadcasting; the operand is a parameter the caller fills', async () => {
  const rng = new Rng(5);
  for (const { k } of await backends()) {
    const a = rng.f32(2 * 3 * 4);
    const b = rng.f32(2 * 1 * 4);
    const run = runLayer(k, new Sub(), [[3, 4], [1, 4]], [a, b], { batch: 2 });
    const want = Array.from({ length: 24 }, (_, i) => { const n = Math.floor(i / 12); return a[i] - b[n * 4 + (i % 4)]; });
    assertClose(run.y, want, 'Sub', { atol: 1e-7 });
    run.model.dispose();

    const div = runLayer(k, new Div({ operand: [3, 1], operandFirst: true }), [[3, 4]], [a.map((v) => v + 2)], { batch: 2 });
    div.model.params.value('y', 'operand').set([1, 2, 3]);
    const y = div.forward();
    assertClose(y, Array.from({ length: 24 }, (_, i) => (Math.floor((i % 12) / 4) + 1) / (a[i] + 2)), 'c / x', { rtol: 1e-6 });
    div.model.dispose();
  }
});

test('shapes, parameters and channel flows', () => {
  assert.equal(broadcastShapes('t', [3, 1, 5], [4, 1]), [3, 4, 5]);
  assert.equal(new Mul({ operand: [3, 1, 1] }).params([[3, 4, 4]]), [{ name: 'operand', shape: [3, 1, 1], init: { kind: 'ones' }, trainable: false, cut: { out: 0 } }]);
  assert.equal(new Sub({ operand: [4] }).params([[3, 4, 4]])[0].cut, undefined);
  assert.is(new BroadcastAdd({ operand: [4] }).params([[3, 2, 4]])[0].init.kind, 'zeros');
  assert.equal(new Mul({ operand: [3, 1, 1] }).channelFlow([[3, 4, 4]]), { kind: 'elementwise' });
  assert.is(new Mul({ operand: [3, 1, 1] }).channelFlow([[1, 4, 4]]).kind, 'fixed');
  assert.equal(new Mul().channelFlow([[3, 4, 4], [3, 1, 1]]), { kind: 'elementwise' });
  assert.is(new Mul().channelFlow([[3, 4, 4], [1, 4, 4]]).kind, 'fixed');
  assert.equal(new Mul().arity(), { min: 2, max: 2 });
  assert.equal(new Mul({ operand: [1] }).arity(), { min: 1, max: 1 });
  assert.equal(new Div({ operand: [2], operandFirst: true }).attrs(), { operand: [2], operandFirst: true });
  assert.equal(new Div().attrs(), {});
  assert.is(new Mul().flops([[3, 4], [1, 4]]), 12);
});

test('throws when shapes do not broadcast or options are bad', () => {
  assert.throws(() => new Mul().outputShape([[3, 4], [2, 4]]), /Mul: shapes \[3,4\] and \[2,4\] do not broadcast \(axis 0: 3 vs 2\)/);
  assert.throws(() => new Sub().outputShape([[3, 4], [4]]), /Sub: per-sample inputs \[3,4\] and \[4\] differ in rank \(broadcasting them would mix the batch axis in\)/);
  assert.throws(() => new Div({ operand: [1, 3, 4] }).outputShape([[3, 4]]), /Div: the constant operand \[1,3,4\] has a higher rank than the per-sample input \[3,4\]/);
  assert.throws(() => new Mul({ operand: [0] }), /Mul: 'operand' must be a shape \(integers ≥ 1\), got \[0\]/);
  assert.throws(() => new Sub({ operandFirst: true }), /Sub: 'operandFirst' needs an 'operand'/);
  assert.throws(() => new BroadcastAdd({ axis: 1 } as never), /BroadcastAdd: unknown option 'axis'; known: operand, operandFirst/);
});

test.run();
