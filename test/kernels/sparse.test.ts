// CSR kernels against their twins on every build (0–100 % sparsity, empty rows, N off the 4- and
// 32-column passes, odd batch blocks), and the sparse façade's errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import * as reference from '../../src/kernels/reference/sparse.js';
import { csrFromDense, csrMatmul, denseCsrTMatmul, disposeCsr, disposeSell4, sell4FromCsr, sell4Layout, sell4Matmul } from '../../src/kernels/ops/sparse.js';
import { gemm } from '../../src/kernels/ops/gemm.js';

const SPARSITY = [0, 0.5, 0.9, 1];

/** A dense R×C matrix with about `sparsity` of its entries 0 and rows 1 and R−2 empty. */
function sparse(rng: Rng, R: number, C: number, sparsity: number): Float32Array {
  const a = rng.f32(R * C);
  for (let i = 0; i < a.length; i++) if (rng.next() < sparsity) a[i] = rng.next() < 0.5 ? 0 : -0;
  for (const r of [1, R - 2]) if (r >= 0 && r < R && R > 2) a.fill(0, r * C, (r + 1) * C);
  return a;
}

/** CSR arrays of a dense matrix, from the twins. */
function toCsr(a: Float32Array, R: number, C: number) {
  const rowptr = new Int32Array(R + 1);
  const nnz = reference.f32_csr_count(rowptr, a, R, C);
  const values = new Float32Array(nnz);
  const colidx = new Int32Array(nnz);
  reference.f32_csr_fill(values, colidx, a, rowptr, R, C);
  return { values, colidx, rowptr, nnz };
}

const tol = (K: number) => ({ atol: 1e-5 * Math.max(1, Math.sqrt(K)), rtol: 1e-4 });

test('f32_csr_count and f32_csr_fill match their twins', async () => {
  const rng = new Rng(41);
  for (const { k } of await backends()) {
    for (const s of SPARSITY) {
      for (const [R, C] of [[1, 1], [3, 5], [4, 4], [7, 9], [17, 33], [5, 129], [64, 257]]) {
        const a = sparse(rng, R, C, s);
        if (R * C > 4) a[R * C - 1] = NaN; // NaN ≠ 0: stored
        twin(k, 'f32_csr_count', [new Int32Array(R + 1), a, R, C], `s${s} R${R} C${C}`, { atol: 0, rtol: 0 });
        const { rowptr, nnz } = toCsr(a, R, C);
        twin(k, 'f32_csr_fill', [new Float32Array(nnz), new Int32Array(nnz), a, rowptr, R, C], `s${s} R${R} C${C}`,
          { atol: 0, rtol: 0 });
      }
    }
  }
});

test('f32_csr_mm matches its twin across sparsity, empty rows and every column pass', async () => {
  const rng = new Rng(42);
  for (const { k } of await backends()) {
    for (const s of SPARSITY) {
      for (const [M, K] of [[1, 1], [3, 7], [9, 17], [33, 64]]) {
        for (const N of [1, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 47, 48, 51, 64, 100]) {
          const a = sparse(rng, M, K, s);
          const { values, colidx, rowptr } = toCsr(a, M, K);
          const y = rng.f32(M * N); // stale contents must be overwritten
          twin(k, 'f32_csr_mm', [y, values, colidx, rowptr, rng.f32(K * N), M, K, N], `s${s} M${M} K${K} N${N}`, tol(K));
        }
      }
    }
  }
});

test('f32_dense_csrT_mm matches its twin across sparsity and batch blocks of 8 and 4', async () => {
  const rng = new Rng(43);
  for (const { k } of await backends()) {
    for (const s of SPARSITY) {
      for (const M of [1, 3, 4, 5, 7, 8, 9, 12, 13, 17, 33]) {
        for (const [N, K] of [[1, 1], [5, 3], [9, 17], [17, 64], [33, 130]]) {
          const b = sparse(rng, N, K, s);
          const { values, colidx, rowptr } = toCsr(b, N, K);
          twin(k, 'f32_dense_csrT_mm', [rng.f32(M * N), rng.f32(M * K), values, colidx, rowptr, M, K, N],
            `s${s} M${M} K${K} N${N}`, tol(K));
        }
      }
    }
  }
});

test('f32_sell4_gemv matches its twin: rows off a multiple of 4, empty rows, uneven row lengths, batches', async () => {
  const rng = new Rng(46);
  for (const { k } of await backends()) {
    for (const s of SPARSITY) {
      for (const M of [1, 2, 5]) {
        for (const [N, K] of [[1, 1], [2, 3], [3, 5], [4, 4], [5, 9], [9, 17], [17, 64], [34, 130], [300, 784]]) {
          if (N * K * M > 300 * 784 && s !== 0.9) continue;
          const b = sparse(rng, N, K, s);
          // One long row, so a slice's groups outnumber most of its rows' entries (padding).
          if (N > 4) for (let c = 0; c < K; c++) b[3 * K + c] = rng.next() + 0.5;
          const csr = toCsr(b, N, K);
          const l = sell4Layout(csr.values, csr.colidx, csr.rowptr, N);
          twin(k, 'f32_sell4_gemv', [rng.f32(M * N), rng.f32(M * K), l.values, l.colidx, l.sliceptr, l.rowmap, M, K, N],
            `s${s} M${M} K${K} N${N}`, tol(K));
        }
      }
    }
  }
});

test('sell4Layout: rows longest first, each slice as wide as its longest row, pads 0 at a stored column', () => {
  // Rows of 1, 3, 0, 2 and 1 entries.
  const a = Float32Array.from([0, 5, 0, 0, 1, 2, 0, 3, 0, 0, 0, 0, 4, 0, 0, 6, 0, 0, 7, 0]);
  const { values, colidx, rowptr } = toCsr(a, 5, 4);
  const l = sell4Layout(values, colidx, rowptr, 5);
  assert.equal(Array.from(l.rowmap), [1, 3, 0, 4, 2, 5, 6, 7]);
  assert.equal(Array.from(l.sliceptr), [0, 3, 3]);
  assert.equal(Array.from(l.values.subarray(0, 12)), [1, 4, 5, 7, 2, 6, 0, 0, 3, 0, 0, 0]);
  assert.equal(Array.from(l.colidx.subarray(0, 12)), [0, 0, 1, 2, 1, 3, 1, 2, 3, 3, 1, 2]);
});

test('sparse products (257×1024, 95 % sparse) agree with dense gemm', async () => {
  const rng = new Rng(44);
  for (const { k } of await backends()) {
    const [M, K, N] = [257, 1024, 70];
    const aData = sparse(rng, M, K, 0.95);
    const a = k.from(aData, [M, K]);
    const csr = csrFromDense(a);
    const x = k.from(rng.f32(K * N), [K, N]);
    const y = csrMatmul(k.tensor([M, N]), csr, x);
    const d = gemm(k.tensor([M, N]), a, x);
    const [ys, ds] = [y.f32(), d.f32()];
    for (let i = 0; i < ys.length; i++) assert.ok(Math.abs(ys[i] - ds[i]) < 1e-4, `y[${i}] ${ys[i]} vs gemm ${ds[i]}`);
    const xt = k.from(rng.f32(N * K), [N, K]);
    const z = denseCsrTMatmul(k.tensor([N, M]), xt, csr);
    const dz = gemm(k.tensor([N, M]), xt, a, { transB: true });
    const [zs, dzs] = [z.f32(), dz.f32()];
    for (let i = 0; i < zs.length; i++) assert.ok(Math.abs(zs[i] - dzs[i]) < 1e-4, `z[${i}] ${zs[i]} vs gemm ${dzs[i]}`);
    const sell = sell4FromCsr(csr);
    const w = sell4Matmul(k.tensor([N, M]), xt, sell);
    const [ws, dzw] = [w.f32(), dz.f32()]; // fresh views: building the Sell4 may have grown the heap
    for (let i = 0; i < ws.length; i++) assert.ok(Math.abs(ws[i] - dzw[i]) < 1e-4, `sell4 z[${i}] ${ws[i]} vs gemm ${dzw[i]}`);
    for (const t of [a, x, y, d, xt, z, dz, w]) t.dispose();
    disposeCsr(csr);
    disposeSell4(sell);
  }
});

test('sparse products propagate NaN and Inf from stored values and the rows they meet', async () => {
  const rng = new Rng(45);
  for (const { k } of await backends()) {
    const [M, K, N] = [6, 10, 37];
    const a = sparse(rng, M, K, 0.5);
    a[2 * K + 3] = NaN;
    a[4 * K + 1] = Infinity;
    const { values, colidx, rowptr } = toCsr(a, M, K);
    const x = rng.f32(K * N);
    x[7 * N + 5] = NaN; // reaches y only through stored entries of column 7
    x[0 * N + 33] = -Infinity;
    twin(k, 'f32_csr_mm', [new Float32Array(M * N), values, colidx, rowptr, x, M, K, N], 'NaN/Inf');
    const xb = rng.f32(9 * K);
    xb[3 * K + 3] = NaN;
    twin(k, 'f32_dense_csrT_mm', [new Float32Array(9 * M), xb, values, colidx, rowptr, 9, K, M], 'NaN/Inf');
  }
});

test('sparse façade builds CSR, multiplies, and refuses bad arguments', async () => {
  const [{ k }, { k: other }] = await backends();
  const csr = csrFromDense(k, [1, 0, 2, 0, 0, 0, 0, 3, 0], [3, 3]);
  assert.equal([csr.rows, csr.cols, csr.nnz], [3, 3, 3]);
  assert.equal(Array.from(csr.rowptr.i32()), [0, 2, 2, 3]);
  assert.equal(Array.from(csr.colidx.i32()), [0, 2, 1]);
  assert.equal(Array.from(csr.values.f32()), [1, 2, 3]);
  const x = k.from([1, 10, 2, 20, 3, 30], [3, 2]);
  assert.equal(Array.from(csrMatmul(k.tensor([3, 2]), csr, x).f32()), [7, 70, 0, 0, 6, 60]);
  const xb = k.from([1, 2, 3], [1, 3]);
  assert.equal(Array.from(denseCsrTMatmul(k.tensor([1, 3]), xb, csr).f32()), [7, 0, 6]);
  const empty = csrFromDense(k.tensor([2, 4]));
  assert.equal([empty.nnz, Array.from(empty.rowptr.i32())], [0, [0, 0, 0]]);
  assert.equal(Array.from(csrMatmul(k.tensor([2, 1]).fill(9), empty, k.tensor([4, 1]).fill(1)).f32()), [0, 0]);

  assert.throws(() => csrFromDense(k.tensor([6])), /csrFromDense: 'a' must have rank 2, got shape \[6\]/);
  assert.throws(() => csrFromDense(k, [1, 2, 3], [2, 2]), /csrFromDense: 'data' has 3 values, shape \[2,2\] needs 4/);
  assert.throws(() => csrFromDense(k, [1, 2], [2, -1] as never), /csrFromDense: 'shape\[1\]' must be an integer ≥ 0, got -1/);
  assert.throws(() => csrMatmul(k.tensor([3, 2]), csr, k.tensor([4, 2])),
    /csrMatmul: 'csr' is \[3,3\] but 'x' is \[4,2\]: inner dimensions differ/);
  assert.throws(() => csrMatmul(k.tensor([2, 2]), csr, x), /csrMatmul: 'y' has shape \[2,2\], expected \[3,2\]/);
  assert.throws(() => csrMatmul(x, csr, x), /csrMatmul: 'y' has shape \[3,2\], expected|'y' must not be the same tensor as 'x'/);
  const sq = k.tensor([3, 3]);
  assert.throws(() => csrMatmul(sq, csr, sq), /csrMatmul: 'y' must not be the same tensor as 'x'/);
  assert.throws(() => csrMatmul(k.tensor([3, 2]), { rows: 3 } as never, x), /csrMatmul: 'csr' must be a Csr \(from csrFromDense\), got Object/);
  assert.throws(() => csrMatmul(other.tensor([3, 2]), csr, other.tensor([3, 2])), /different wasm instances/);
  assert.throws(() => denseCsrTMatmul(k.tensor([1, 3]), k.tensor([1, 4]), csr),
    /denseCsrTMatmul: 'x' is \[1,4\] but 'csr' is \[3,3\] \(used transposed\): inner dimensions differ/);
  assert.throws(() => denseCsrTMatmul(k.tensor([2, 3]), xb, csr), /denseCsrTMatmul: 'y' has shape \[2,3\], expected \[1,3\]/);
  const sell = sell4FromCsr(csr);
  assert.equal(Array.from(sell4Matmul(k.tensor([1, 3]), xb, sell).f32()), [7, 0, 6]);
  const emptySell = sell4FromCsr(empty);
  assert.equal([emptySell.groups, Array.from(sell4Matmul(k.tensor([1, 2]).fill(9), k.tensor([1, 4]).fill(1), emptySell).f32())], [0, [0, 0]]);
  assert.throws(() => sell4Matmul(k.tensor([1, 3]), k.tensor([1, 4]), sell),
    /sell4Matmul: 'x' is \[1,4\] but 'sell' is \[3,3\] \(used transposed\): inner dimensions differ/);
  assert.throws(() => sell4Matmul(k.tensor([1, 3]), xb, csr as never), /sell4Matmul: 'sell' must be a Sell4 \(from sell4FromCsr\), got Object/);
  assert.throws(() => sell4Matmul(k.tensor([1, 3]), xb, { ...sell, rowmap: k.tensor([3], 'i32') }),
    /sell4Matmul: 'sell.rowmap' has shape \[3\], expected \[4\]/);
  assert.throws(() => sell4Matmul(k.tensor([1, 3]), xb, { ...sell, rowmap: Int32Array.from([0, 1, 2, 3]) } as never),
    /sell4Matmul: 'sell' must be a Sell4/);
  assert.throws(() => sell4Matmul(k.tensor([1, 3]), xb, { ...sell, sliceptr: sell.values }), /sell4Matmul: 'sell.sliceptr' must be i32, got f32/);
  assert.throws(() => sell4Matmul(k.tensor([1, 3]), xb, { ...sell, groups: sell.groups + 1 }), /sell4Matmul: 'sell.values' has shape \[\d+\], expected/);
  disposeCsr(csr);
  assert.throws(() => csrMatmul(k.tensor([3, 2]), csr, x), /csrMatmul: 'csr.values' was disposed/);
  assert.throws(() => sell4FromCsr(csr), /sell4FromCsr: 'csr.values' was disposed/);
  disposeCsr(empty);
  disposeSell4(sell);
  disposeSell4(emptySell);
});

test.run();
