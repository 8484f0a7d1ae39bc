// The int8 kernels against their twins (exact: integer sums, and f32 roundings the twins repeat)
// on awkward shapes and tile edges; the int8 ops' errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import * as reference from '../../src/kernels/reference/index.js';

const EXACT = { atol: 0, rtol: 0 };
const EDGES = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33];

function i8(rng: Rng, n: number, lo = -128, hi = 127): Int8Array {
  return Int8Array.from(rng.i32(n, lo, hi));
}

test('i8_quantize and i8_dequantize match their twins, ties to even, NaN, saturation', async () => {
  const rng = new Rng(1);
  for (const { k } of await backends()) {
    for (const n of [1, 3, 7, 15, 16, 17, 129]) {
      const x = rng.f32(n, -3, 3);
      if (n > 5) { x[0] = NaN; x[1] = 2.5 * 0.02; x[2] = -3.5 * 0.02; x[3] = 1e30; x[4] = -Infinity; }
      for (const zp of [0, -7, 100]) {
        twin(k, 'i8_quantize', [new Int8Array(n), x, 0.02, zp, n], `n${n} zp${zp}`, EXACT);
        twin(k, 'i8_dequantize', [new Float32Array(n), i8(rng, n), 0.013, zp, n], `n${n} zp${zp}`, EXACT);
      }
    }
  }
});

test('i8_pack_b matches its twin byte for byte in both layouts', async () => {
  const rng = new Rng(2);
  for (const { k } of await backends()) {
    for (const N of [1, 7, 8, 9, 17]) for (const K of [1, 2, 3, 4, 5, 17]) for (const mode of [0, 1]) {
      twin(k, 'i8_pack_b', [new Int8Array(k.wasm.i8_packed_bytes(N, K, mode)).fill(9), i8(rng, N * K), N, K, mode], `N${N} K${K} mode ${mode}`, EXACT);
    }
  }
});

/** The packed GEMM on B packed by the twin, against the twin; mode 1 with A in [0, 127]. */
function packedGemm(k: Awaited<ReturnType<typeof backends>>[number]['k'], rng: Rng, M: number, N: number, K: number, mode: number, transposeC: number, extreme = false): void {
  const a = i8(rng, M * K, mode === 1 ? 0 : -128, 127);
  const b = i8(rng, N * K);
  if (extreme) { a.fill(mode === 1 ? 127 : -128, 0, K); b.fill(-128, 0, K); }
  const bp = new Int8Array(k.wasm.i8_packed_bytes(N, K, mode));
  reference.i8_pack_b(bp, b, N, K, mode);
  twin(k, 'i8_gemm_packed', [new Int32Array(M * N), a, bp, M, N, K, mode, transposeC], `M${M} N${N} K${K} mode ${mode} transposeC ${transposeC}`,
    { ...EXACT, scratch: k.wasm.i8_gemm_packed_scratch_bytes(K, mode) });
}

test('i8_gemm_packed matches its twin at the 4×8 tile edges, both layouts, C and Cᵀ', async () => {
  const rng = new Rng(2);
  for (const { k } of await backends()) {
    for (const M of [1, 3, 4, 5, 9, 13]) for (const N of [1, 7, 8, 9, 25]) for (const K of [1, 2, 3, 4, 5, 17, 33]) {
      for (const mode of [0, 1]) for (const transposeC of [0, 1]) packedGemm(k, rng, M, N, K, mode, transposeC);
    }
  }
});

test('i8_gemm_packed on large shapes, extreme values (no overflow)', async () => {
  const rng = new Rng(3);
  for (const { k } of await backends()) {
    for (const [M, N, K] of [[129, 67, 300], [64, 20, 801], [3, 129, 1025]]) {
      for (const mode of [0, 1]) packedGemm(k, rng, M, N, K, mode, M % 2, true);
    }
  }
});

test('epilogues match their twins per row and per column', async () => {
  const rng = new Rng(4);
  for (const { k } of await backends()) {
    for (const [M, N] of [[1, 1], [3, 7], [17, 5], [2, 129]]) {
      for (const perRow of [0, 1]) for (const hasBias of [0, 1]) {
        const ch = perRow ? M : N;
        const acc = rng.i32(M * N, -200000, 200000);
        twin(k, 'i32_dequantize_channels', [new Float32Array(M * N), acc, rng.f32(ch, 1e-4, 1e-2), rng.f32(ch), hasBias, M, N, perRow],
          `M${M} N${N} perRow ${perRow} bias ${hasBias}`, EXACT);
        twin(k, 'i32_requantize_channels', [new Int8Array(M * N), acc, rng.f32(ch, 1e-4, 2e-3), rng.i32(ch, -5000, 5000), hasBias, -3, M, N, perRow],
          `M${M} N${N} perRow ${perRow} bias ${hasBias}`, EXACT);
      }
    }
  }
});

test('i8_conv_packed matches its twin: padding, stride, dilation, rows not a multiple of 4, both layouts', async () => {
  const rng = new Rng(5);
  for (const { k } of await backends()) {
    for (const [C, H, W, OC, KH, KW, S, P, D] of [
      [1, 5, 5, 3, 3, 3, 1, 1, 1], [3, 7, 9, 9, 2, 3, 2, 0, 1], [2, 8, 6, 8, 3, 3, 1, 2, 2], [1, 1, 1, 1, 1, 1, 1, 0, 1],
      [5, 12, 12, 17, 5, 5, 1, 0, 1], [4, 11, 13, 8, 3, 3, 1, 1, 1], [2, 9, 10, 3, 1, 1, 1, 0, 1],
    ]) {
      const OH = Math.floor((H + 2 * P - D * (KH - 1) - 1) / S) + 1;
      const OW = Math.floor((W + 2 * P - D * (KW - 1) - 1) / S) + 1;
      const K = C * KH * KW;
      for (const mode of [0, 1]) {
        const bp = new Int8Array(k.wasm.i8_packed_bytes(OC, K, mode));
        reference.i8_pack_b(bp, i8(rng, OC * K), OC, K, mode);
        twin(k, 'i8_conv_packed', [new Int32Array(OC * OH * OW), i8(rng, C * H * W, mode === 1 ? 0 : -128, 127), bp, OC, C, H, W, KH, KW, S, S, P, P, D, D, mode],
          `C${C} H${H} W${W} OC${OC} K${KH}x${KW} S${S} P${P} D${D} mode ${mode}`, { ...EXACT, scratch: k.wasm.i8_conv_packed_scratch_bytes(C, H, W, KH, KW, P, P, mode) });
      }
    }
  }
});

test.run();
