// Statistics kernels against their twins on every build at awkward shapes, streaming moments
// merged batch by batch against a two-pass reference, and the façade ops' errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { assertClose } from '../helpers/close.js';
import { gemm } from '../../src/kernels/ops/gemm.js';
import { channelDot, columnMeanCenter, columnSumSquares, comomentMerge, maxoutWins, momentsMerge } from '../../src/kernels/ops/stats.js';

const SHAPES = [1, 3, 7, 17, 129];
const tol = (n: number) => ({ atol: 1e-5 * Math.max(1, Math.sqrt(n)), rtol: 1e-4 });

test('f32_channel_dot and i32_maxout_wins match their twins', async () => {
  const rng = new Rng(31);
  for (const { k } of await backends()) {
    for (const B of [1, 3, 7]) for (const C of SHAPES) for (const S of [1, 3, 17, 129]) {
      const n = B * C * S;
      twin(k, 'f32_channel_dot', [new Float32Array(C), rng.f32(n), rng.f32(n), B, C, S], `B${B} C${C} S${S}`, tol(B * S));
      for (const K of [1, 2, 3]) {
        twin(k, 'i32_maxout_wins', [rng.i32(C * K, 5, 9), rng.i32(n, 0, K - 1), B, C, K, S], `B${B} C${C} K${K} S${S}`, { atol: 0, rtol: 0 });
      }
    }
  }
});

test('column centring, sums of squares and the moment merges match their twins', async () => {
  const rng = new Rng(32);
  for (const { k } of await backends()) {
    for (const N of [1, 3, 7, 17, 129]) for (const P of SHAPES) {
      twin(k, 'f32_column_mean_center', [new Float32Array(P), rng.f32(N * P, 9, 11), N, P], `N${N} P${P}`, tol(N));
      twin(k, 'f32_column_sumsq', [new Float32Array(P), rng.f32(N * P), N, P], `N${N} P${P}`, tol(N));
      const [nA, nB] = [rng.int(0, 50), rng.int(1, 50)];
      twin(k, 'f32_moments_merge', [rng.f32(P), rng.f32(P, 0, 5), rng.f32(P), rng.f32(P, 0, 5), nA, nB, P], `P${P}`, tol(1));
      for (const Q of [1, 4, 17]) {
        twin(k, 'f32_comoment_merge', [rng.f32(P * Q), rng.f32(P), rng.f32(Q), rng.f32(P), rng.f32(Q), nA, nB, P, Q], `P${P} Q${Q}`, { ...tol(1), scratch: Q * 4 });
      }
    }
    twin(k, 'f32_moments_merge', [rng.f32(3), rng.f32(3), rng.f32(3), rng.f32(3), 0, 0, 3], 'n = 0 changes nothing', { atol: 0, rtol: 0 });
  }
});

/** Means, M2s and the centred cross-moment of x [N, P] and y [N, Q], two passes in f64. */
function twoPass(x: Float32Array, y: Float32Array, N: number, P: number, Q: number) {
  const mean = (a: Float32Array, D: number) => Float64Array.from({ length: D }, (_, d) => { let s = 0; for (let n = 0; n < N; n++) s += a[n * D + d]; return s / N; });
  const mx = mean(x, P);
  const my = mean(y, Q);
  const m2 = (a: Float32Array, m: Float64Array, D: number) => Float64Array.from({ length: D }, (_, d) => { let s = 0; for (let n = 0; n < N; n++) s += (a[n * D + d] - m[d]) ** 2; return s; });
  const c = new Float64Array(P * Q);
  for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) { let s = 0; for (let n = 0; n < N; n++) s += (x[n * P + p] - mx[p]) * (y[n * Q + q] - my[q]); c[p * Q + q] = s; }
  return { mx, my, m2x: m2(x, mx, P), m2y: m2(y, my, Q), c };
}

test('streaming moments batch by batch (centre, gemm with beta 1, merge) equal a two-pass reference', async () => {
  const rng = new Rng(33);
  for (const { k } of await backends()) {
    for (const [N, P, Q, batch] of [[50, 3, 5, 7], [129, 17, 7, 32], [40, 1, 1, 40]]) {
      const x = rng.f32(N * P, 2, 4);
      const y = rng.f32(N * Q, -1, 3);
      const want = twoPass(x, y, N, P, Q);
      const [mx, my, m2x, m2y, c] = [k.tensor([P]), k.tensor([Q]), k.tensor([P]), k.tensor([Q]), k.tensor([P, Q])];
      const [bx, by, sx, sy] = [k.tensor([P]), k.tensor([Q]), k.tensor([P]), k.tensor([Q])];
      let seen = 0;
      for (let start = 0; start < N; start += batch) {
        const n = Math.min(batch, N - start);
        const xb = k.from(x.subarray(start * P, (start + n) * P), [n, P]);
        const yb = k.from(y.subarray(start * Q, (start + n) * Q), [n, Q]);
        columnMeanCenter(bx, xb);
        columnMeanCenter(by, yb);
        columnSumSquares(sx, xb);
        columnSumSquares(sy, yb);
        gemm(c, xb, yb, { transA: true, beta: 1 });
        comomentMerge(c, mx, my, bx, by, seen, n);
        momentsMerge(mx, m2x, bx, sx, seen, n);
        momentsMerge(my, m2y, by, sy, seen, n);
        seen += n;
        xb.dispose();
        yb.dispose();
      }
      const t = { atol: 1e-4 * N, rtol: 1e-4 };
      const label = `N${N} P${P} Q${Q} batch ${batch} [${k.build}]`;
      assertClose(mx.toArray() as Float32Array, want.mx, `${label} mean x`, t);
      assertClose(my.toArray() as Float32Array, want.my, `${label} mean y`, t);
      assertClose(m2x.toArray() as Float32Array, want.m2x, `${label} m2 x`, t);
      assertClose(m2y.toArray() as Float32Array, want.m2y, `${label} m2 y`, t);
      assertClose(c.toArray() as Float32Array, want.c, `${label} cross-moment`, t);
      for (const tt of [mx, my, m2x, m2y, c, bx, by, sx, sy]) tt.dispose();
    }
  }
});

test('statistics ops compute and refuse bad arguments, naming them', async () => {
  const [{ k }] = await backends();
  const a = k.from([1, 2, 3, 4, 5, 6], [1, 2, 3]);
  const g = k.from([1, 1, 1, 2, 0, -1], [1, 2, 3]);
  const out = k.tensor([2]);
  assert.equal(Array.from(channelDot(out, a, g).f32()), [6, 2]);
  assert.throws(() => channelDot(out, a, k.tensor([1, 3, 2])), /channelDot: 'g' has shape \[1,3,2\], expected \[1,2,3\]/);
  assert.throws(() => channelDot(k.tensor([3]), a, g), /channelDot: 'out' has shape \[3\], expected \[2\]/);
  const argmax = k.from([0, 1, 1, 0, 2, 2], [2, 3], 'i32');
  const wins = k.tensor([9], 'i32');
  assert.equal(Array.from(maxoutWins(wins, argmax, 3).i32()), [2, 0, 0, 0, 1, 1, 0, 1, 1]);
  assert.throws(() => maxoutWins(k.tensor([8], 'i32'), argmax, 3), /maxoutWins: 'count' has shape \[8\], expected \[9\]/);
  assert.throws(() => maxoutWins(wins, argmax, 0), /maxoutWins: 'K' must be an integer ≥ 1, got 0/);
  const x = k.from([1, 2, 3, 6], [2, 2]);
  const mean = k.tensor([2]);
  assert.equal(Array.from(columnMeanCenter(mean, x).f32()), [2, 4]);
  assert.equal(Array.from(x.f32()), [-1, -2, 1, 2]);
  assert.equal(Array.from(columnSumSquares(mean, x).f32()), [2, 8]);
  assert.throws(() => columnMeanCenter(k.tensor([3]), x), /columnMeanCenter: 'mean' has shape \[3\], expected \[2\]/);
  assert.throws(() => momentsMerge(mean, mean, mean, mean, -1, 2), /momentsMerge: 'nA' must be a count ≥ 0, got -1/);
  assert.throws(() => comomentMerge(k.tensor([2, 3]), mean, mean, mean, mean, 1, 1), /comomentMerge: 'meanY' has shape \[2\], expected \[3\]/);
});

test.run();
