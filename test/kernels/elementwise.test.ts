// Element-wise kernels against their twins on every build (every SIMD/tail edge, in place,
// NaN/Inf/±0), and the façade ops' errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import {
  add, axpy, clamp, leakyRelu, leakyReluBackward, mul, relu, reluBackward, scale,
} from '../../src/kernels/ops/elementwise.js';

const SIZES = [1, 3, 4, 5, 7, 8, 9, 17, 33, 129, 257, 4097];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3.5e38];

/** rng data with the special values sprinkled over the SIMD body and the tail. */
function mixed(rng: Rng, n: number): Float32Array {
  const a = rng.f32(n, -3, 3);
  for (let i = 0; i < n; i += 1 + rng.int(0, 5)) a[i] = SPECIAL[rng.int(0, SPECIAL.length - 1)];
  return a;
}

test('binary and scaling kernels match their twins at every size', async () => {
  const rng = new Rng(11);
  for (const { k } of await backends()) {
    for (const n of SIZES) {
      for (const name of ['f32_add', 'f32_mul']) {
        twin(k, name, [new Float32Array(n), rng.f32(n), rng.f32(n), n], `n${n}`);
      }
      twin(k, 'f32_axpy', [rng.f32(n), rng.f32(n), -0.75, n], `n${n}`);
      twin(k, 'f32_scale', [new Float32Array(n), rng.f32(n), 2.5, n], `n${n}`);
    }
  }
});

test('activation kernels match their twins at every size', async () => {
  const rng = new Rng(12);
  for (const { k } of await backends()) {
    for (const n of SIZES) {
      twin(k, 'f32_relu_fwd', [new Float32Array(n), rng.f32(n), n], `n${n}`);
      twin(k, 'f32_relu_bwd', [new Float32Array(n), rng.f32(n), rng.f32(n), n], `n${n}`);
      twin(k, 'f32_leaky_relu_fwd', [new Float32Array(n), rng.f32(n), 0.01, n], `n${n}`);
      twin(k, 'f32_leaky_relu_bwd', [new Float32Array(n), rng.f32(n), rng.f32(n), 0.2, n], `n${n}`);
      twin(k, 'f32_clamp', [new Float32Array(n), rng.f32(n), -0.5, 0.25, n], `n${n}`);
    }
  }
});

test('every element-wise kernel works in place (out aliasing an input)', async () => {
  const rng = new Rng(13);
  for (const { k } of await backends()) {
    for (const n of [5, 33, 257]) {
      const a = rng.f32(n);
      twin(k, 'f32_add', [a, a, rng.f32(n), n], `out=a n${n}`);
      const b = rng.f32(n);
      twin(k, 'f32_add', [b, rng.f32(n), b, n], `out=b n${n}`);
      const c = rng.f32(n);
      twin(k, 'f32_mul', [c, c, c, n], `out=a=b n${n}`);
      const y = rng.f32(n);
      twin(k, 'f32_axpy', [y, y, 3, n], `x=y n${n}`);
      const s = rng.f32(n);
      twin(k, 'f32_scale', [s, s, -2, n], `n${n}`);
      const r = rng.f32(n);
      twin(k, 'f32_relu_fwd', [r, r, n], `n${n}`);
      const g = rng.f32(n);
      twin(k, 'f32_relu_bwd', [g, g, rng.f32(n), n], `dx=dy n${n}`);
      const l = rng.f32(n);
      twin(k, 'f32_leaky_relu_fwd', [l, l, 0.1, n], `n${n}`);
      const lg = rng.f32(n);
      twin(k, 'f32_leaky_relu_bwd', [lg, lg, rng.f32(n), 0.1, n], `dx=dy n${n}`);
      const cl = rng.f32(n);
      twin(k, 'f32_clamp', [cl, cl, -0.1, 0.1, n], `n${n}`);
    }
  }
});

test('NaN, ±Inf and ±0 follow the ABI rules', async () => {
  const rng = new Rng(14);
  for (const { k } of await backends()) {
    for (const n of [7, 33, 129]) {
      const x = mixed(rng, n);
      const dy = mixed(rng, n);
      twin(k, 'f32_add', [new Float32Array(n), x, dy, n], `specials n${n}`);
      twin(k, 'f32_mul', [new Float32Array(n), x, dy, n], `specials n${n}`);
      twin(k, 'f32_axpy', [mixed(rng, n), x, 1.5, n], `specials n${n}`);
      twin(k, 'f32_scale', [new Float32Array(n), x, -3, n], `specials n${n}`);
      twin(k, 'f32_relu_fwd', [new Float32Array(n), x, n], `specials n${n}`);
      twin(k, 'f32_relu_bwd', [new Float32Array(n), dy, x, n], `specials n${n}`);
      twin(k, 'f32_leaky_relu_fwd', [new Float32Array(n), x, 0.01, n], `specials n${n}`);
      twin(k, 'f32_leaky_relu_bwd', [new Float32Array(n), dy, x, 0.01, n], `specials n${n}`);
      twin(k, 'f32_clamp', [new Float32Array(n), x, -1, 2, n], `specials n${n}`);
    }
    // The fixed choices, spelled out (the first four lanes run in SIMD, the fifth in the tail).
    const x = k.from([NaN, -0, 0, -2, NaN]);
    const out = k.tensor([5]);
    relu(out, x);
    assert.ok(Number.isNaN(out.f32()[0]) && Number.isNaN(out.f32()[4]), 'relu(NaN) = NaN');
    assert.equal(Array.from(out.f32().subarray(1, 4)), [0, 0, 0]);
    reluBackward(out, k.from([1, 1, 1, 1, 1]), x);
    assert.equal(Array.from(out.f32()), [0, 0, 0, 0, 0], 'relu_bwd passes nothing at NaN, 0 or below');
    clamp(out, x, -1, 1);
    assert.ok(Number.isNaN(out.f32()[0]) && Number.isNaN(out.f32()[4]), 'clamp(NaN) = NaN');
    assert.equal(out.f32()[3], -1);
    clamp(out, k.from([-Infinity, Infinity, 5, -5, 0.5]), -Infinity, 1);
    assert.equal(Array.from(out.f32()), [-Infinity, 1, 1, -5, 0.5], 'one-sided clamp');
  }
});

test('element-wise façade ops compute and refuse bad arguments', async () => {
  const [{ k }] = await backends();
  const a = k.from([1, -2, 3, -4], [2, 2]);
  const b = k.from([10, 20, 30, 40], [4]);
  const out = k.tensor([4]);
  assert.equal(Array.from(add(out, a, b).f32()), [11, 18, 33, 36]);
  assert.equal(Array.from(mul(out, a, b).f32()), [10, -40, 90, -160]);
  assert.equal(Array.from(scale(out, a, 0.5).f32()), [0.5, -1, 1.5, -2]);
  assert.equal(Array.from(axpy(out, b, 0.1).f32()).map((v) => Math.round(v * 10) / 10), [1.5, 1, 4.5, 2]);
  assert.equal(Array.from(relu(out, a).f32()), [1, 0, 3, 0]);
  assert.equal(Array.from(leakyRelu(out, a, 0.5).f32()), [1, -1, 3, -2]);
  assert.equal(Array.from(leakyReluBackward(out, b, a, 0.5).f32()), [10, 10, 30, 20]);
  assert.equal(Array.from(reluBackward(out, b, a).f32()), [10, 0, 30, 0]);
  assert.equal(Array.from(clamp(out, a, -1, 2).f32()), [1, -1, 2, -1]);

  assert.throws(() => add(out, a, k.tensor([5])), /add: 'b' has 5 elements \(shape \[5\]\), 'out' has 4/);
  assert.throws(() => mul(k.tensor([3]), a, b), /mul: 'a' has 4 elements \(shape \[2,2\]\), 'out' has 3/);
  assert.throws(() => axpy(out, k.tensor([2]), 1), /axpy: 'x' has 2 elements/);
  assert.throws(() => axpy(out, b, Infinity), /axpy: 'alpha' must be a finite number, got Infinity/);
  assert.throws(() => scale(out, b, NaN), /scale: 'alpha' must be a finite number, got NaN/);
  assert.throws(() => relu(out, k.tensor([4], 'i32')), /relu: 'x' must be f32, got i32/);
  assert.throws(() => reluBackward(out, b, k.tensor([3])), /reluBackward: 'x' has 3 elements/);
  assert.throws(() => leakyRelu(out, a, NaN), /leakyRelu: 'slope' must be a finite number, got NaN/);
  assert.throws(() => leakyReluBackward(out, k.tensor([1]), a, 0.1), /leakyReluBackward: 'dy' has 1 elements/);
  assert.throws(() => clamp(out, a, 2, 1), /clamp: 'lo' \(2\) must be ≤ 'hi' \(1\)/);
  assert.throws(() => clamp(out, a, NaN, 1), /clamp: 'lo' must be a number, not NaN, got NaN/);
  assert.throws(() => add(out, a, [1, 2, 3, 4] as never), /add: 'b' must be a Tensor, got \[1,2,3,4\]/);
  const gone = k.tensor([4]);
  gone.dispose();
  assert.throws(() => scale(out, gone, 1), /scale: 'x' was disposed/);
  const [, { k: other }] = await backends();
  assert.throws(() => add(out, a, other.tensor([4])), /different wasm instances/);
});

test.run();
