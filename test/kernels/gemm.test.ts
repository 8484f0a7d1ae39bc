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

// f32_gemm_epilogue: + bias per row (1) or column (2), then ReLU (4), on every path of the gemm.
function runEpilogue(k: Parameters<typeof twin>[0], rng: Rng, M: number, N: number, K: number, tA: number, tB: number, alpha: number, beta: number, epilogue: number) {
  const bias = rng.f32(epilogue & 2 ? N : M);
  twin(k, 'f32_gemm_epilogue', [rng.f32(M * N), rng.f32(M * K), rng.f32(K * N), bias, alpha, beta, M, N, K, tA, tB, epilogue],
    `M${M} N${N} K${K} tA${tA} tB${tB} α${alpha} β${beta} epilogue ${epilogue}`,
    { scratch: k.wasm.f32_gemm_scratch_bytes(), atol: 1e-5 * Math.max(1, Math.sqrt(K)) });
}

test('gemm_epilogue matches its twin: bias per row or column, ReLU, at tile edges, across K blocks, beta', async () => {
  const rng = new Rng(5);
  for (const { k } of await backends()) {
    for (const epilogue of [1, 2, 4, 5, 6]) {
      for (const M of [1, 2, 3, 4, 5, 9, 17]) for (const N of [1, 3, 8, 9, 33]) {
        for (const [tA, tB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) runEpilogue(k, rng, M, N, 7, tA, tB, 1, 0, epilogue);
      }
      for (const [M, N, K] of [[9, 13, 300], [130, 70, 513], [2, 1030, 9], [1, 64, 800], [70, 1, 40]]) {
        for (const [tA, tB] of [[0, 0], [0, 1]]) runEpilogue(k, rng, M, N, K, tA, tB, 1, 0, epilogue);
      }
      for (const [alpha, beta] of [[1, 1], [0.5, -2]]) runEpilogue(k, rng, 9, 13, 11, 0, 1, alpha, beta, epilogue);
    }
  }
});

test('gemm_epilogue equals gemm, bias_add and relu_fwd run apart in wasm, within 1e-5', async () => {
  const rng = new Rng(6);
  for (const { k } of await backends()) {
    // Dense-layer shapes (x·Wᵀ + b, ReLU): batch 1, 3, 8 and 64.
    for (const [M, N, K] of [[1, 500, 800], [3, 10, 500], [8, 120, 400], [64, 84, 120]]) {
      const x = k.from(rng.f32(M * K));
      const w = k.from(rng.f32(N * K));
      const b = k.from(rng.f32(N));
      const fused = k.tensor([M * N]);
      const apart = k.tensor([M * N]);
      const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
      k.wasm.f32_gemm_epilogue(fused.offset, x.offset, w.offset, b.offset, 1, 0, M, N, K, 0, 1, 2 | 4, scratch);
      k.wasm.f32_gemm(apart.offset, x.offset, w.offset, 1, 0, M, N, K, 0, 1, scratch);
      k.wasm.f32_bias_add(apart.offset, b.offset, M, N, 1);
      k.wasm.f32_relu_fwd(apart.offset, apart.offset, M * N);
      const [f, a] = [fused.f32(), apart.f32()];
      let worst = 0;
      for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i] - a[i]));
      assert.ok(worst <= 1e-5, `M${M} N${N} K${K} [${k.build}]: fused vs apart differ by ${worst}`);
      assert.ok(f.some((v) => v === 0) && f.some((v) => v > 0), 'the ReLU clipped some outputs and kept others');
      for (const t of [x, w, b, fused, apart]) t.dispose();
    }
    // NaN stays NaN, −Inf becomes 0, +Inf stays; K = 0 is bias then ReLU alone.
    const a = rng.f32(4 * 3);
    a[1] = NaN;
    const bInf = rng.f32(3 * 9);
    bInf[4] = -Infinity;
    bInf[6] = Infinity;
    twin(k, 'f32_gemm_epilogue', [new Float32Array(4 * 9), a, bInf, rng.f32(9), 1, 0, 4, 9, 3, 0, 0, 6], 'NaN/Inf', { scratch: k.wasm.f32_gemm_scratch_bytes() });
    twin(k, 'f32_gemm_epilogue', [rng.f32(3 * 5), new Float32Array(0), new Float32Array(0), rng.f32(3), 1, 0.5, 3, 5, 0, 0, 0, 5], 'K = 0', { scratch: k.wasm.f32_gemm_scratch_bytes() });
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
  // [[4, 5], [10, 11]] + bias, then ReLU.
  gemm(c, a, b, { bias: k.from([-4.5, 1], [2]), biasPer: 'column', relu: true });
  assert.equal(Array.from(c.f32()), [0, 6, 5.5, 12]);
  gemm(c, a, b, { bias: k.from([-20, 0], [2]), relu: true });
  assert.equal(Array.from(c.f32()), [0, 0, 10, 11]);
  assert.throws(() => gemm(c, a, b, { bias: k.from([1, 2, 3], [3]) }), /gemm: 'bias' has shape \[3\], expected \[2\]/);
  assert.throws(() => gemm(c, a, b, { bias: k.from([1, 2], [2]), biasPer: 'rows' as never }), /gemm: 'biasPer' must be 'row' or 'column', got "rows"/);
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
