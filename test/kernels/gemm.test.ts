// f32_gemm against its twin on every transpose, alpha/beta and tile-edge shape; the gemm façade's errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { gemm } from '../../src/kernels/ops/gemm.js';

const EDGES = [1, 3, 4, 5, 7, 8, 9, 17, 33];

function runGemm(k: Parameters<typeof twin>[0], rng: Rng, M: number, N: number, K: number, tA: number, tB: number, alpha: number, beta: number) {
  const a = rng.f32(M * K);
  const b = rng.f32(K * N);
  const c = rng.f32(M * N);
  // NOTE: f32 sums of K products differ from the f64 reference by ~sqrt(K)·eps·|terms|.
  const atol = 1e-5 * Math.max(1, Math.sqrt(K));
  twin(k, 'f32_gemm', [c, a, b, alpha, beta, M, N, K, tA, tB], `M${M} N${N} K${K} tA${tA} tB${tB} α${alpha} β${beta}`,
    { scratch: k.wasm.f32_gemm_scratch_bytes(), atol });
}

test('gemm matches its twin at tile edges, all transposes', async () => {
  const rng = new Rng(1);
  for (const { k } of await backends()) {
    for (const M of EDGES) for (const N of EDGES) for (const K of [1, 4, 7, 17]) {
      runGemm(k, rng, M, N, K, M % 2, N % 2, 1, 0);
    }
  }
});

test('gemm honours alpha and beta (beta 0 ignores NaN in C)', async () => {
  const rng = new Rng(2);
  for (const { k } of await backends()) {
    for (const [alpha, beta] of [[1, 1], [0.5, -2], [-1.5, 0], [0, 1]]) {
      for (const [tA, tB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) runGemm(k, rng, 9, 13, 11, tA, tB, alpha, beta);
    }
    const c = new Float32Array(4 * 5).fill(NaN);
    twin(k, 'f32_gemm', [c, rng.f32(4 * 3), rng.f32(3 * 5), 1, 0, 4, 5, 3, 0, 0], 'NaN C with beta 0',
      { scratch: k.wasm.f32_gemm_scratch_bytes() });
    assert.ok(c.every(Number.isNaN), 'the input copy is untouched');
  }
});

test('gemm on large and odd shapes crosses cache blocks', async () => {
  const rng = new Rng(3);
  for (const { k } of await backends()) {
    for (const [M, N, K] of [[129, 257, 33], [257, 129, 300], [64, 500, 800], [20, 576, 25], [130, 70, 513]]) {
      for (const [tA, tB] of [[0, 0], [1, 1]]) runGemm(k, rng, M, N, K, tA, tB, 1, 0);
    }
  }
});

test('gemm propagates NaN and Inf from A and B', async () => {
  const rng = new Rng(4);
  for (const { k } of await backends()) {
    const [M, N, K] = [5, 9, 6];
    const a = rng.f32(M * K);
    const b = rng.f32(K * N);
    a[7] = NaN;
    b[3] = Infinity;
    twin(k, 'f32_gemm', [new Float32Array(M * N), a, b, 1, 0, M, N, K, 0, 0], 'NaN/Inf',
      { scratch: k.wasm.f32_gemm_scratch_bytes() });
  }
});

test('gemm façade computes shapes and refuses bad arguments', async () => {
  const [{ k }] = await backends();
  const a = k.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = k.from([1, 0, 0, 1, 1, 1], [3, 2]);
  const c = k.tensor([2, 2]);
  gemm(c, a, b);
  assert.equal(Array.from(c.f32()), [4, 5, 10, 11]);
  gemm(c, a, a, { transB: true, alpha: 2, beta: 1 });
  assert.equal(Array.from(c.f32()), [32, 69, 74, 165]);
  assert.throws(() => gemm(c, a, a), /gemm: inner dimensions differ: op\(a\) is \[2,3\].*op\(b\) is \[2,3\]/);
  assert.throws(() => gemm(k.tensor([3, 2]), a, b), /gemm: 'c' has shape \[3,2\], expected \[2,2\]/);
  assert.throws(() => gemm(c, k.tensor([6]), b), /gemm: 'a' must have rank 2, got shape \[6\]/);
  assert.throws(() => gemm(c, a, b, { alpha: NaN }), /gemm: 'alpha' must be a finite number, got NaN/);
  assert.throws(() => gemm(c, [1, 2] as never, b), /gemm: 'a' must be a Tensor, got \[1,2\]/);
  assert.throws(() => gemm(c, k.tensor([2, 3], 'i32'), b), /gemm: 'a' must be f32, got i32/);
  const [, { k: other }] = await backends();
  assert.throws(() => gemm(c, other.tensor([2, 3]), b), /different wasm instances/);
  const e = k.tensor([2, 0]);
  gemm(c, e, k.tensor([0, 2]), { beta: 0 });
  assert.equal(Array.from(c.f32()), [0, 0, 0, 0], 'K = 0 with beta 0 gives zeros');
});

test.run();
