// The int8 ops: conv2dInt8 equals the f32 convolution of the dequantized tensors (integers
// exact in f32, then one scale per channel), on raw and packed weights; gemmInt8 and the
// epilogues; their errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { f32_conv2d_fwd } from '../../src/kernels/reference/conv.js';
import { conv2dInt8, dequantize, dequantizeChannels, gemmInt8, packInt8, quantize, requantizeChannels } from '../../src/kernels/ops/int8.js';

test('conv2dInt8 equals the f32 convolution of its integers, scaled per channel', async () => {
  const rng = new Rng(1);
  for (const { k } of await backends()) {
    for (const [B, C, H, W, OC, KH, KW, S, P] of [[2, 3, 7, 9, 5, 3, 3, 1, 1], [1, 1, 28, 28, 20, 5, 5, 1, 0], [3, 4, 6, 5, 3, 2, 3, 2, 1]]) {
      for (const nonNegative of [false, true]) {
        const xi = rng.i32(B * C * H * W, nonNegative ? 0 : -128, 127);
        const wi = rng.i32(OC * C * KH * KW, -127, 127);
        const scale = rng.f32(OC, 1e-4, 1e-2);
        const bias = rng.f32(OC);
        const OH = Math.floor((H + 2 * P - KH) / S) + 1;
        const OW = Math.floor((W + 2 * P - KW) / S) + 1;
        const want = new Float32Array(B * OC * OH * OW);
        f32_conv2d_fwd(want, Float32Array.from(xi), Float32Array.from(wi), new Float32Array(OC), B, C, H, W, OC, KH, KW, S, S, P, P, 1, 1, 1, 0);
        const S_ = OH * OW;
        for (let i = 0; i < want.length; i++) {
          const oc = Math.floor(i / S_) % OC;
          want[i] = Math.fround(Math.fround(want[i] * scale[oc]) + bias[oc]);
        }
        const [x, w, ts, tb, y] = [k.from(xi, [B, C, H, W], 'i8'), k.from(wi, [OC, C, KH, KW], 'i8'), k.from(scale), k.from(bias), k.tensor([B, OC, OH, OW])];
        conv2dInt8(y, x, w, ts, tb, { stride: S, padding: P, nonNegative });
        assertClose(y.toArray(), want, `conv2dInt8 [${k.build}] B${B} C${C} ${H}x${W} OC${OC} ${KH}x${KW}`, { atol: 0, rtol: 0 });
        const packed = packInt8(w, { nonNegativeInputs: nonNegative });
        y.f32().fill(0);
        conv2dInt8(y, x, packed, ts, tb, { stride: S, padding: P, nonNegative });
        assertClose(y.toArray(), want, `conv2dInt8 packed [${k.build}] B${B} C${C} ${H}x${W} OC${OC} ${KH}x${KW}`, { atol: 0, rtol: 0 });
        for (const t of [x, w, ts, tb, y, packed.data]) t.dispose();
      }
    }
  }
});

test('gemmInt8 on raw and packed weights equals the integer product, in both layouts', async () => {
  const rng = new Rng(3);
  for (const { k } of await backends()) {
    for (const [M, N, K] of [[1, 1, 1], [5, 9, 17], [13, 30, 64]]) {
      for (const nonNegative of [false, true]) {
        const ai = rng.i32(M * K, nonNegative ? 0 : -128, 127);
        const bi = rng.i32(N * K, -128, 127);
        const want = new Int32Array(M * N);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let t = 0; t < K; t++) want[i * N + j] += ai[i * K + t] * bi[j * K + t];
        const [a, b, c] = [k.from(ai, [M, K], 'i8'), k.from(bi, [N, K], 'i8'), k.tensor([M, N], 'i32')];
        const packed = packInt8(b, { nonNegativeInputs: nonNegative });
        assert.is(packed.mode, nonNegative && k.build === 'relaxed' ? 1 : 0, `packInt8 mode [${k.build}]`);
        for (const w of [b, packed]) {
          c.i32().fill(7);
          gemmInt8(c, a, w, { nonNegative });
          assertClose(c.toArray(), want, `gemmInt8 [${k.build}] M${M} N${N} K${K} nonNegative ${nonNegative} ${'mode' in w ? 'packed' : 'raw'}`, { atol: 0, rtol: 0 });
        }
        for (const t of [a, b, c, packed.data]) t.dispose();
      }
    }
  }
});

test('quantize → dequantize is within half a step; the ops refuse bad arguments by name', async () => {
  const [{ k }] = await backends();
  const xs = new Rng(2).f32(37, -1, 1);
  const x = k.from(xs);
  const q = k.tensor([37], 'i8');
  quantize(q, x, { scale: 1 / 127 });
  const back = k.tensor([37]);
  dequantize(back, q, { scale: 1 / 127 });
  for (let i = 0; i < 37; i++) assert.ok(Math.abs(back.f32()[i] - xs[i]) <= 0.5 / 127 + 1e-7, `element ${i}`);
  assert.throws(() => quantize(q, x, { scale: 0 }), /quantize: 'scale' must be > 0/);
  assert.throws(() => quantize(q, x, { scale: 1, zeroPoint: 200 }), /'zeroPoint' must be an integer in \[-128, 127\]/);
  assert.throws(() => quantize(x, x, { scale: 1 }), /quantize: 'q' must be i8, got f32/);
  const a = k.tensor([3, 5], 'i8');
  const b = k.tensor([4, 6], 'i8');
  const c = k.tensor([3, 4], 'i32');
  assert.throws(() => gemmInt8(c, a, b), /gemmInt8: 'a' is \[3,5\] and 'b' is \[4,6\]/);
  assert.throws(() => gemmInt8(c, a, k.tensor([4, 5], 'i8'), { nonNegative: 'a' as unknown as boolean }), /gemmInt8: 'nonNegative' must be a boolean/);
  if (k.build === 'relaxed') {
    const packed = packInt8(k.tensor([4, 5], 'i8'), { nonNegativeInputs: true });
    assert.throws(() => gemmInt8(c, a, packed), /gemmInt8: weights packed for inputs in \[0, 127\] \(mode 1\) need options.nonNegative/);
  }
  assert.throws(() => packInt8(k.tensor([4], 'i8')), /packInt8: 'b' must have rank ≥ 2/);
  assert.throws(() => dequantizeChannels(k.tensor([3, 4]), c, k.tensor([3])), /dequantizeChannels: 'scale' has shape \[3\], expected \[4\]/);
  assert.throws(() => requantizeChannels(k.tensor([3, 4], 'i8'), c, k.tensor([4]), undefined, 0.5), /'zeroPoint' must be an integer/);
  assert.throws(() => conv2dInt8(k.tensor([1, 2, 3, 3]), k.tensor([1, 3, 5, 5], 'i8'), k.tensor([2, 4, 3, 3], 'i8'), k.tensor([2]), undefined),
    /conv2dInt8: 'w' \[2,4,3,3\] expects 4 input channels, 'x' \[1,3,5,5\] has 3/);
});

test.run();
