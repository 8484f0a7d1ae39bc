// The element-wise math, smooth activations, PRelu, Max/Min/Mean and the reductions added for
// imported models: backward against finite differences, a few forward values, channel flows, errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { awayFromZero, runLayer, spread } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import {
  Abs, Elu, Erf, Exp, Gelu, Log, Max, Mean, Min, Neg, Pow, PRelu, Reciprocal, ReduceL2, ReduceMax, ReduceMin, ReduceSum, Selu, Softplus, Sqrt,
} from '../../src/nn/layers/index.js';
import { erf } from '../../src/nn/layers/math.js';
import { RoundFloat, roundBfloat, roundHalf } from '../../src/nn/layers/round-float.js';

const positive = (rng: { uniform(a: number, b: number): number }, n: number) => Float32Array.from({ length: n }, () => rng.uniform(0.3, 2));

test('unary math and smooth activations: backward matches finite differences', async () => {
  const [{ k }] = await backends();
  for (const layer of [new Exp(), new Neg(), new Erf(), new Elu({ alpha: 0.7 }), new Selu(), new Softplus(), new Gelu(), new Gelu({ approximate: 'tanh' }), new Pow({ exponent: 3 })]) {
    gradCheckLayer(k, layer, [[3, 2, 5]]);
  }
  for (const layer of [new Abs(), new Elu(), new Selu()]) gradCheckLayer(k, layer, [[11]], { input: awayFromZero });
  for (const layer of [new Log(), new Sqrt(), new Reciprocal(), new Pow({ exponent: 0.5 }), new Pow({ exponent: -1.5 })]) gradCheckLayer(k, layer, [[3, 4]], { input: positive });
});

test('erf, Gelu and Softplus forward values', async () => {
  // erf from tables (Abramowitz & Stegun 7.1).
  for (const [x, want] of [[0, 0], [0.1, 0.1124629160], [0.5, 0.5204998778], [1, 0.8427007929], [2, 0.9953222650], [-3, -0.9999779095]]) {
    assert.ok(Math.abs(erf(x) - want) < 2e-7, `erf(${x}) = ${erf(x)}, want ${want}`);
  }
  assert.ok(Math.abs(erf(1e-4) - 1.1283791671e-4) < 1e-12, 'erf near 0 keeps its relative accuracy');
  const [{ k }] = await backends();
  const x = [-1000, -2, -0.5, 0, 0.5, 2, 1000];
  const cases: [string, Gelu | Softplus, (v: number) => number][] = [
    ['Gelu', new Gelu(), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
    ['Softplus', new Softplus(), (v) => (v > 30 ? v : Math.log(1 + Math.exp(v)))],
  ];
  for (const [label, layer, f] of cases) {
    const run = runLayer(k, layer, [[x.length]], [x]);
    assertClose(run.y, x.map(f), label, { atol: 1e-6, rtol: 1e-6 });
    run.model.dispose();
  }
});

test('PRelu: backward (input and slopes) matches finite differences; slopes cut with their channels', async () => {
  const [{ k }] = await backends();
  gradCheckLayer(k, new PRelu(), [[3, 2, 2]], { input: awayFromZero });
  gradCheckLayer(k, new PRelu({ shared: true }), [[4]], { input: awayFromZero, batch: 3 });
  const [slope] = new PRelu().params([[5, 2, 2]]);
  assert.equal(slope.shape, [5]);
  assert.equal(slope.cut, { out: 0 });
  assert.is(new PRelu().channelFlow().kind, 'elementwise');
  assert.equal(new PRelu({ shared: true }).params([[5]])[0].shape, [1]);
});

test('Max, Min, Mean: backward with broadcasting matches finite differences; ranks must agree', async () => {
  const [{ k }] = await backends();
  // Distinct values across the inputs too: no ties within 2h.
  const distinct = (rng: Parameters<typeof spread>[0], n: number, i: number) => spread(rng, n).map((v) => v + 0.013 * i);
  for (const layer of [new Max(), new Min()]) gradCheckLayer(k, layer, [[2, 3], [2, 3], [1, 3]], { input: distinct });
  gradCheckLayer(k, new Mean(), [[2, 3], [2, 1], [1, 3]]);
  assert.throws(() => new Max().outputShape([[2, 3], [3]]), /differ in rank/);
  assert.is(new Mean().channelFlow([[2, 3], [1, 3]]).kind, 'fixed');
  assert.is(new Mean().channelFlow([[2, 3], [2, 1]]).kind, 'elementwise');
});

test('ReduceSum, ReduceL2, ReduceMax, ReduceMin: backward matches finite differences; channel reductions are barriers', async () => {
  const [{ k }] = await backends();
  for (const layer of [new ReduceSum({ axes: [1, 2] }), new ReduceL2({ axes: [0], keepdims: false }), new ReduceMax({ axes: [-1] }), new ReduceMin({ axes: [0, 2], keepdims: false })]) {
    gradCheckLayer(k, layer, [[3, 2, 4]], { input: spread });
  }
  const run = runLayer(k, new ReduceMax({ axes: [1], keepdims: false }), [[2, 3]], [[1, 5, 2, -4, -1, -3]]);
  assert.equal(Array.from(run.y), [5, -1]);
  run.model.dispose();
  assert.is(new ReduceSum({ axes: [0] }).channelFlow([[3, 2]]).kind, 'fixed');
  assert.is(new ReduceMax({ axes: [1] }).channelFlow([[3, 2]]).kind, 'elementwise');
  assert.throws(() => new ReduceL2({ axes: [] }), /ReduceL2: 'axes' must be a non-empty list/);
});

test('RoundFloat rounds to float16 and bfloat16 (ties to even, overflow, subnormals); its backward is straight-through', async () => {
  const cases: [number, number][] = [
    [1, 1], [1 + 2 ** -11, 1], [1 + 3 * 2 ** -11, 1 + 2 ** -9], [65504, 65504], [65519, 65504], [65520, Infinity], [-70000, -Infinity],
    [2 ** -24, 2 ** -24], [2 ** -26, 0], [3 * 2 ** -26, 2 ** -24], [0.1, 0.0999755859375], [NaN, NaN],
  ];
  for (const [x, want] of cases) assert.ok(Object.is(roundHalf(x), want), `float16(${x}) = ${roundHalf(x)}, want ${want}`);
  assert.is(roundBfloat(1 + 2 ** -8), 1, 'a tie rounds to even');
  assert.is(roundBfloat(1 + 3 * 2 ** -8), 1 + 2 ** -6);
  assert.is(roundBfloat(Math.fround(0.1)), 0.10009765625);
  const [{ k }] = await backends();
  const run = runLayer(k, new RoundFloat({ to: 'float16' }), [[3]], [[0.1, 1e5, -3]]);
  assert.equal(Array.from(run.y), [0.0999755859375, Infinity, -3]);
  run.model.dispose();
  // Straight-through: d loss / d x = d loss / d y; finite differences of a step function would not see it.
  const st = runLayer(k, new RoundFloat({ to: 'bfloat16' }), [[4]], [[0.3, -2, 7, 1]], { batch: 1 });
  const dy = k.from(Float32Array.of(1, 2, 3, 4), [1, 4]);
  st.model.backward(dy, { inputGradients: true });
  assert.equal(Array.from(st.model.gradient('x0').toArray()), [1, 2, 3, 4]);
  dy.dispose();
  st.model.dispose();
});

test.run();
