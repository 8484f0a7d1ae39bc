// Reduction kernels against their twins on every build (block and tail edges, long sums,
// NaN/Inf), and the façade ops' errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { channelCountZeros, channelMeanVar, rowL1, rowL2, sum, sumSquares } from '../../src/kernels/ops/reduce.js';

const SIZES = [1, 3, 4, 5, 7, 8, 9, 17, 33, 129, 257, 1023, 1024, 1025, 4097, 100_003];

// NOTE: an f32 sum of n terms of size ≤ 1 is off the f64 one by about sqrt(n)·eps·max|term|
// (within a block of 1024) plus a rounding of the result: scale atol with sqrt(n).
const sumTol = (n: number) => ({ atol: 1e-5 * Math.max(1, Math.sqrt(n)), rtol: 1e-4 });

test('f32_sum and f32_sumsq match their twins at every size', async () => {
  const rng = new Rng(21);
  for (const { k } of await backends()) {
    for (const n of SIZES) {
      twin(k, 'f32_sum', [rng.f32(n), n], `n${n}`, sumTol(n));
      twin(k, 'f32_sumsq', [rng.f32(n), n], `n${n}`, sumTol(n));
      // All-positive data: the sum grows like n, the relative error must stay small.
      twin(k, 'f32_sum', [rng.f32(n, 0, 1), n], `positive n${n}`, { atol: 1e-5, rtol: 1e-5 });
    }
    twin(k, 'f32_sum', [new Float32Array(0), 0], 'n0');
  }
});

test('f32_sum keeps a long sum accurate (blocks added in f64)', async () => {
  for (const { k } of await backends()) {
    // 2^22 ones and a 0.5 each: a single f32 accumulator would stall at 2^24 long before.
    const n = 1 << 22;
    const x = new Float32Array(n).fill(1.5);
    twin(k, 'f32_sum', [x, n], 'n 2^22 of 1.5', { atol: 0, rtol: 0 });
    const t = k.from(x);
    assert.equal(sum(t), 1.5 * n);
    t.dispose();
  }
});

test('f32_sum and f32_sumsq propagate NaN and Inf', async () => {
  const rng = new Rng(22);
  for (const { k } of await backends()) {
    for (const n of [3, 17, 2050]) {
      for (const [where, v] of [[0, NaN], [n - 1, Infinity], [n >> 1, -Infinity]] as const) {
        const x = rng.f32(n);
        x[where] = v;
        twin(k, 'f32_sum', [x, n], `${v} at ${where} n${n}`);
        twin(k, 'f32_sumsq', [x, n], `${v} at ${where} n${n}`);
      }
    }
    const x = rng.f32(40);
    x[2] = Infinity;
    x[37] = -Infinity;
    twin(k, 'f32_sum', [x, 40], 'Inf − Inf = NaN');
  }
});

test('row norms match their twins on awkward shapes', async () => {
  const rng = new Rng(23);
  for (const { k } of await backends()) {
    for (const R of [1, 3, 8, 17]) {
      for (const C of [0, 1, 3, 4, 5, 7, 9, 17, 33, 129, 1500]) {
        const x = rng.f32(R * C, -2, 2);
        if (R * C > 3) x[R * C - 2] = R % 2 ? NaN : -Infinity;
        twin(k, 'f32_row_l1', [new Float32Array(R), x, R, C], `R${R} C${C}`, sumTol(C));
        twin(k, 'f32_row_l2', [new Float32Array(R), x, R, C], `R${R} C${C}`, sumTol(C));
      }
    }
  }
});

test('channel statistics match their twins on [B,C] and [B,C,S]', async () => {
  const rng = new Rng(24);
  for (const { k } of await backends()) {
    for (const [B, C, S] of [[1, 1, 1], [3, 5, 1], [7, 9, 1], [64, 33, 1], [2, 3, 4], [3, 4, 7], [2, 5, 49],
      [4, 3, 1025], [1, 2, 3000], [5, 17, 9]]) {
      const n = B * C * S;
      // Offset data: a one-pass variance would lose digits here, the two-pass one does not.
      const x = rng.f32(n, 99, 101);
      twin(k, 'f32_channel_mean_var', [new Float32Array(C), new Float32Array(C), x, B, C, S], `B${B} C${C} S${S}`,
        { atol: 1e-5 * Math.max(1, Math.sqrt(B * S)), rtol: 1e-4 });
      const z = rng.f32(n);
      for (let i = 0; i < n; i++) if (rng.next() < 0.4) z[i] = rng.next() < 0.5 ? 0 : -0;
      if (n > 2) z[1] = NaN;
      twin(k, 'f32_channel_count_zeros', [new Int32Array(C), z, B, C, S], `B${B} C${C} S${S}`, { atol: 0, rtol: 0 });
    }
    // A NaN reaches its own channel's mean and variance only.
    const x = rng.f32(4 * 3 * 5);
    x[5 * 1 + 2] = NaN;
    twin(k, 'f32_channel_mean_var', [new Float32Array(3), new Float32Array(3), x, 4, 3, 5], 'NaN in channel 1');
    const y = rng.f32(6 * 5);
    y[7] = Infinity;
    twin(k, 'f32_channel_mean_var', [new Float32Array(5), new Float32Array(5), y, 6, 5, 1], 'Inf in channel 2');
  }
});

test('reduction façade ops compute and refuse bad arguments', async () => {
  const [{ k }] = await backends();
  const x = k.from([3, -4, 0, 0, 1, -0], [2, 3]);
  assert.equal(sum(x), 0);
  assert.equal(sumSquares(x), 26);
  const r = k.tensor([2]);
  assert.equal(Array.from(rowL1(r, x).f32()), [7, 1]);
  assert.equal(Array.from(rowL2(r, x).f32()), [5, 1]);
  const w = k.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]); // conv weight [OC, IC, KH, KW]
  assert.equal(Array.from(rowL1(r, w).f32()), [10, 26], 'one norm per output channel');
  const mean = k.tensor([3]);
  const variance = k.tensor([3]);
  channelMeanVar(mean, variance, x);
  assert.equal(Array.from(mean.f32()), [1.5, -1.5, 0]);
  assert.equal(Array.from(variance.f32()), [2.25, 6.25, 0]);
  const count = k.tensor([3], 'i32');
  assert.equal(Array.from(channelCountZeros(count, x).i32()), [1, 0, 2]);
  const img = k.from([0, 1, 0, 0, 2, 0, 0, 0], [2, 2, 1, 2]);
  const c2 = k.tensor([2], 'i32');
  assert.equal(Array.from(channelCountZeros(c2, img).i32()), [2, 4]);

  assert.throws(() => sum([1, 2] as never), /sum: 'x' must be a Tensor, got \[1,2\]/);
  assert.throws(() => sumSquares(k.tensor([2], 'i32')), /sumSquares: 'x' must be f32, got i32/);
  assert.throws(() => rowL1(k.tensor([3]), x), /rowL1: 'out' has shape \[3\], expected \[2\]/);
  assert.throws(() => rowL2(r, k.tensor([6])), /rowL2: 'x' must have rank ≥ 2 \(rows × …\), got shape \[6\]/);
  assert.throws(() => channelMeanVar(mean, variance, k.tensor([6])), /channelMeanVar: 'x' must be \[B,C\], \[B,C,L\] or \[B,C,H,W\], got shape \[6\]/);
  assert.throws(() => channelMeanVar(k.tensor([2]), variance, x), /channelMeanVar: 'mean' has shape \[2\], expected \[3\]/);
  assert.throws(() => channelMeanVar(mean, variance, k.tensor([0, 3])), /channelMeanVar: 'x' of shape \[0,3\] has no entries per channel/);
  assert.throws(() => channelMeanVar(mean, mean, x), /channelMeanVar: 'mean' and 'variance' must be different tensors/);
  assert.throws(() => channelCountZeros(mean, x), /channelCountZeros: 'count' must be i32, got f32/);
  assert.throws(() => channelCountZeros(k.tensor([4], 'i32'), x), /channelCountZeros: 'count' has shape \[4\], expected \[3\]/);
});

test.run();
