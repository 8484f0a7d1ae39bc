// im2col, col2im and conv2d_fwd against their twins (conv2d's twin is a direct loop) on every
// build at awkward shapes; the im2col/col2im adjoint identity; scratch bounds; façade errors.
// None of these kernels works in place (outputs never alias inputs), so there is no in-place test.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { col2im, conv2d, conv2dOutputShape, convOutputSize, im2col } from '../../src/kernels/ops/conv.js';
import * as reference from '../../src/kernels/reference/index.js';

/** One window geometry: kernel, stride, padding, dilation per axis. */
interface Geo { KH: number; KW: number; SH: number; SW: number; PH: number; PW: number; DH: number; DW: number }

const out = (L: number, K: number, S: number, P: number, D: number) => convOutputSize(L, K, S, P, D);

/** Geometries over the awkward sizes; only those with a non-empty output on H×W. */
function geometries(rng: Rng, H: number, W: number, count: number): Geo[] {
  const list: Geo[] = [];
  for (let tries = 0; list.length < count && tries < 50 * count; tries++) {
    const g: Geo = {
      KH: rng.int(1, 5), KW: rng.int(1, 5), SH: rng.int(1, 3), SW: rng.int(1, 3),
      PH: rng.int(0, 2), PW: rng.int(0, 2), DH: rng.int(1, 2), DW: rng.int(1, 2),
    };
    if (out(H, g.KH, g.SH, g.PH, g.DH) >= 1 && out(W, g.KW, g.SW, g.PW, g.DW) >= 1) list.push(g);
  }
  return list;
}

const dims = (g: Geo): [number, number, number, number, number, number, number, number] =>
  [g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW];
const label = (g: Geo) => `k${g.KH}x${g.KW} s${g.SH},${g.SW} p${g.PH},${g.PW} d${g.DH},${g.DW}`;
const SPATIAL = [1, 3, 4, 5, 7, 8, 9, 17, 33];

test('im2col and col2im match their twins at awkward shapes and geometries', async () => {
  const rng = new Rng(21);
  for (const { k } of await backends()) {
    for (const C of [1, 3, 4]) {
      for (const H of SPATIAL) {
        const W = SPATIAL[rng.int(0, SPATIAL.length - 1)];
        for (const g of geometries(rng, H, W, 4)) {
          const OH = out(H, g.KH, g.SH, g.PH, g.DH);
          const OW = out(W, g.KW, g.SW, g.PW, g.DW);
          const rows = C * g.KH * g.KW;
          const where = `C${C} ${H}x${W} ${label(g)}`;
          // The output starts as NaN: every entry, padding included, must be written.
          twin(k, 'f32_im2col', [new Float32Array(rows * OH * OW).fill(NaN), rng.f32(C * H * W), C, H, W, ...dims(g)], where);
          twin(k, 'f32_col2im', [new Float32Array(C * H * W).fill(NaN), rng.f32(rows * OH * OW), C, H, W, ...dims(g)], where,
            { atol: 1e-5 * Math.sqrt(g.KH * g.KW) });
        }
      }
    }
    // Every stride-2 tail: the vector gather reads one float past its last tap only when it is in the row.
    for (const W of [8, 9, 10, 11, 16, 17]) {
      for (const KW of [1, 2, 3]) {
        for (const PW of [0, 1]) {
          const g: Geo = { KH: 1, KW, SH: 1, SW: 2, PH: 0, PW, DH: 1, DW: 1 };
          const OW = out(W, KW, 2, PW, 1);
          twin(k, 'f32_im2col', [new Float32Array(2 * KW * 2 * OW), rng.f32(2 * 2 * W), 2, 2, W, ...dims(g)], `W${W} ${label(g)}`);
        }
      }
    }
  }
});

test('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>', async () => {
  const rng = new Rng(22);
  for (const { k } of await backends()) {
    for (const [C, H, W] of [[1, 5, 7], [3, 9, 8], [2, 17, 5], [4, 33, 9]]) {
      for (const g of geometries(rng, H, W, 6)) {
        const OH = out(H, g.KH, g.SH, g.PH, g.DH);
        const OW = out(W, g.KW, g.SW, g.PW, g.DW);
        const xv = rng.f32(C * H * W);
        const cv = rng.f32(C * g.KH * g.KW * OH * OW);
        const x = k.from(xv);
        const c = k.from(cv);
        const col = k.tensor([cv.length]);
        const back = k.tensor([xv.length]);
        const d = [C, H, W, ...dims(g)] as const;
        k.wasm.f32_im2col(col.offset, x.offset, ...d);
        k.wasm.f32_col2im(back.offset, c.offset, ...d);
        let lhs = 0;
        let rhs = 0;
        const colv = col.f32();
        for (let i = 0; i < cv.length; i++) lhs += colv[i] * cv[i];
        const backv = back.f32();
        for (let i = 0; i < xv.length; i++) rhs += xv[i] * backv[i];
        const tol = 1e-5 * Math.sqrt(cv.length) + 1e-5 * Math.abs(lhs);
        assert.ok(Math.abs(lhs - rhs) <= tol, `C${C} ${H}x${W} ${label(g)} [${k.build}]: ${lhs} vs ${rhs}`);
        for (const t of [x, c, col, back]) t.dispose();
      }
    }
  }
});

interface ConvCase extends Geo { B: number; C: number; H: number; W: number; OC: number; G: number; bias: boolean; relu?: boolean }

function scratchBytes(k: Kernels, c: ConvCase): number {
  return k.wasm.f32_conv2d_scratch_bytes(c.C, c.H, c.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.G);
}

/** conv2d_fwd vs the direct-loop twin; y starts as NaN so every output must be written. */
function runConv(k: Kernels, rng: Rng, c: ConvCase, data?: { x?: Float32Array; w?: Float32Array; b?: Float32Array }): void {
  const OH = out(c.H, c.KH, c.SH, c.PH, c.DH);
  const OW = out(c.W, c.KW, c.SW, c.PW, c.DW);
  const K = (c.C / c.G) * c.KH * c.KW;
  const x = data?.x ?? rng.f32(c.B * c.C * c.H * c.W);
  const w = data?.w ?? rng.f32(c.OC * K);
  const b = data?.b ?? (c.bias ? rng.f32(c.OC) : new Float32Array(0));
  const y = new Float32Array(c.B * c.OC * OH * OW).fill(NaN);
  // NOTE: f32 sums of K products differ from the f64 twin by ~sqrt(K)·eps·|terms|.
  twin(k, 'f32_conv2d_fwd',
    [y, x, w, b, c.B, c.C, c.H, c.W, c.OC, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.G, epilogueOf(c)],
    `B${c.B} C${c.C} ${c.H}x${c.W} OC${c.OC} G${c.G} ${label(c)}${c.bias ? ' +bias' : ''}${c.relu ? ' +relu' : ''}`,
    { scratch: scratchBytes(k, c), atol: 1e-5 * Math.max(1, Math.sqrt(K)) });
}

/** f32_conv2d_fwd's epilogue flags: 1 bias, 4 ReLU. */
const epilogueOf = (c: ConvCase) => (c.bias ? 1 : 0) | (c.relu ? 4 : 0);

const GEO1: Geo = { KH: 1, KW: 1, SH: 1, SW: 1, PH: 0, PW: 0, DH: 1, DW: 1 };
const geo = (K: number, S = 1, P = 0, D = 1): Geo => ({ KH: K, KW: K, SH: S, SW: S, PH: P, PW: P, DH: D, DW: D });

test('conv2d_fwd matches the direct twin at awkward shapes, groups and geometries', async () => {
  const rng = new Rng(23);
  for (const { k } of await backends()) {
    for (const C of [1, 3, 4, 8]) {
      for (const H of [1, 3, 5, 8, 9, 17]) {
        const W = SPATIAL[rng.int(0, SPATIAL.length - 1)];
        for (const g of geometries(rng, H, W, 2)) {
          const G = [1, C, C % 2 === 0 ? 2 : 1][rng.int(0, 2)];
          const OC = G * [1, 3, 4, 5][rng.int(0, 3)];
          runConv(k, rng, { ...g, B: [1, 3][rng.int(0, 1)], C, H, W, OC, G, bias: rng.next() < 0.5 });
        }
      }
    }
  }
});

test('conv2d_fwd: the direct path (C/G ≤ 4) at awkward widths, paddings, strides, dilations and filter counts', async () => {
  const rng = new Rng(32);
  for (const { k } of await backends()) {
    for (const C of [1, 2, 3, 4]) {
      for (const W of [1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 33]) {
        for (const P of [0, 1, 2]) {
          const K = [3, 5][rng.int(0, 1)];
          const S = [1, 1, 2, 3][rng.int(0, 3)];
          const D = [1, 1, 1, 2][rng.int(0, 3)];
          const g: Geo = { ...geo(K, S, P, D), SH: [1, S][rng.int(0, 1)] };
          const H = [1, 3, 5, 8][rng.int(0, 3)];
          if (out(H, K, g.SH, P, D) < 1 || out(W, K, S, P, D) < 1) continue;
          runConv(k, rng, { ...g, B: [1, 2][rng.int(0, 1)], C, H, W, OC: rng.int(1, 21), G: 1, bias: rng.next() < 0.7 });
        }
      }
    }
    // Every filter count: blocks of 4, then 2, then 1 output channels.
    for (let OC = 1; OC <= 21; OC++) runConv(k, rng, { ...geo(3, 1, 1), B: 1, C: 1, H: 9, W: 9, OC, G: 1, bias: true });
    // Non-square kernels and strides; depthwise, channel multipliers and 2-channel groups.
    runConv(k, rng, { KH: 2, KW: 7, SH: 1, SW: 2, PH: 1, PW: 3, DH: 2, DW: 1, B: 2, C: 3, H: 10, W: 23, OC: 6, G: 1, bias: true });
    for (const [C, OC, G] of [[6, 6, 6], [6, 12, 6], [4, 10, 2], [8, 8, 2], [3, 21, 3]]) {
      runConv(k, rng, { ...geo(3, 2, 1), B: 2, C, H: 11, W: 13, OC, G, bias: true });
    }
    // Images taller than one strip of the direct path's scratch, and too wide for it (packed panels).
    runConv(k, rng, { ...geo(7, 1, 3), B: 1, C: 3, H: 40, W: 200, OC: 5, G: 1, bias: true });
    runConv(k, rng, { ...geo(5, 2, 2), B: 1, C: 2, H: 50, W: 300, OC: 9, G: 1, bias: false });
    runConv(k, rng, { ...geo(11, 1, 5), B: 1, C: 4, H: 11, W: 400, OC: 3, G: 1, bias: true });
    runConv(k, rng, { ...geo(13), B: 1, C: 4, H: 15, W: 16, OC: 3, G: 1, bias: true }); // 676 taps
  }
});

test('conv2d_fwd: 1×1 (gemm on the input), depthwise and grouped convs', async () => {
  const rng = new Rng(24);
  for (const { k } of await backends()) {
    for (const [C, OC, G] of [[1, 1, 1], [3, 5, 1], [8, 8, 8], [8, 16, 8], [9, 3, 3], [17, 33, 1], [4, 8, 2]]) {
      for (const [H, W] of [[1, 1], [3, 7], [8, 8], [9, 5], [17, 4]]) {
        runConv(k, rng, { ...GEO1, B: 3, C, H, W, OC, G, bias: true });
        runConv(k, rng, { ...GEO1, SH: 2, SW: 2, B: 1, C, H, W, OC, G, bias: false }); // 1×1 strided: im2col path
        if (H >= 3 && W >= 3) runConv(k, rng, { ...geo(3, 1, 1), B: 1, C, H, W, OC, G, bias: true });
      }
    }
    const pw = { ...GEO1, B: 1, C: 64, H: 32, W: 32, OC: 64, G: 1, bias: false };
    if (k.simd) {
      // The SIMD build packs gemm panels straight from x: the scratch does not grow with the image.
      assert.is(scratchBytes(k, pw), scratchBytes(k, { ...pw, H: 64, W: 96 }), 'no col buffer in the SIMD build');
      assert.is(scratchBytes(k, { ...geo(3, 2, 1), ...pw }), scratchBytes(k, { ...geo(3, 2, 1), ...pw, H: 64, W: 96 }));
    } else {
      assert.is(scratchBytes(k, pw), k.wasm.f32_gemm_scratch_bytes(), '1×1 stride-1 unpadded needs no col buffer');
    }
  }
});

test('conv2d_fwd on LeNet shapes and a 64→64 3×3 layer', async () => {
  const rng = new Rng(25);
  for (const { k } of await backends()) {
    runConv(k, rng, { ...geo(5), B: 3, C: 1, H: 28, W: 28, OC: 20, G: 1, bias: true });
    runConv(k, rng, { ...geo(5), B: 3, C: 20, H: 12, W: 12, OC: 50, G: 1, bias: true });
    runConv(k, rng, { ...geo(3, 1, 1), B: 2, C: 64, H: 32, W: 32, OC: 64, G: 1, bias: true });
  }
});

test('conv2d_fwd: Winograd 3×3 and 5×5 (stride 1) at awkward sizes, paddings, groups and block edges', async () => {
  const rng = new Rng(29);
  for (const { k } of await backends()) {
    for (const K of [3, 5]) {
      for (const [B, C, H, W, OC, P, G] of [
        [1, 4, 3, 3, 4, 1, 1], [2, 4, 5, 7, 5, 0, 1], [1, 5, 9, 4, 9, 2, 1], [2, 8, 7, 9, 8, 1, 2],
        [1, 4, 6, 6, 17, 3, 1], [3, 4, 33, 35, 6, 1, 1], [1, 4, 9, 9, 72, 1, 1], [2, 6, 8, 12, 4, K >> 1, 1],
        [1, 512, 12, 12, 24, 0, 1], // few tiles per block, few cached filter transforms
      ]) {
        if (H + 2 * P < K || W + 2 * P < K) continue;
        runConv(k, rng, { ...geo(K, 1, P), B, C, H, W, OC, G, bias: rng.next() < 0.7 });
      }
    }
  }
});

test('conv2d_fwd: Winograd with a partial last block of output channels (OC/G = 4k + 1, 2, 3)', async () => {
  const rng = new Rng(31);
  for (const { k } of await backends()) {
    for (const K of [3, 5]) {
      // [B, C, H, W, OC, P, G]: tile counts give 1–5 panels (odd, even, a half panel) and
      // panel counts not a multiple of 4 beside the LeNet-5 conv2 shapes.
      for (const [B, C, H, W, OC, P, G] of [
        [1, 4, 8, 8, 5, 1, 1], [2, 6, 10, 13, 7, 1, 1], [1, 5, 9, 11, 6, 2, 1], [3, 4, 7, 7, 9, 0, 1],
        [2, 8, 9, 7, 10, 1, 2], [2, 12, 7, 10, 33, 1, 3], [1, 4, 13, 13, 11, 1, 1], [5, 4, 6, 9, 14, 1, 1],
        [3, 10, 12, 12, 25, 0, 1], [2, 20, 12, 12, 50, 0, 1], [1, 7, 12, 12, 27, 0, 1],
      ]) {
        if (H + 2 * P < K || W + 2 * P < K) continue;
        runConv(k, rng, { ...geo(K, 1, P), B, C, H, W, OC, G, bias: rng.next() < 0.7 });
      }
    }
  }
});

test('conv2d_fwd: Winograd-sized convs keep the direct NaN/Inf pattern and survive huge values', async () => {
  const rng = new Rng(30);
  for (const { k } of await backends()) {
    for (const K of [3, 5]) {
      const c: ConvCase = { ...geo(K, 1, 1), B: 2, C: 4, H: 9, W: 10, OC: 6, G: 1, bias: true };
      const n = c.B * c.C * c.H * c.W;
      const x = rng.f32(n);
      x[3 * 90 + 41] = NaN;
      x[5 * 90 + 0] = Infinity;
      runConv(k, rng, c, { x });
      const w = rng.f32(c.OC * c.C * K * K);
      w[K * K + 1] = -Infinity;
      runConv(k, rng, c, { w });
      // Large but finite: the direct sums (≤ 1e36 per product) stay finite; transformed ones
      // could overflow, so these take the im2col path.
      const big = rng.f32(n).map((v) => v * 1e18);
      const wb = rng.f32(c.OC * c.C * K * K).map((v) => v * 1e18);
      const y = new Float32Array(c.B * c.OC * out(c.H, K, 1, 1, 1) * out(c.W, K, 1, 1, 1)).fill(NaN);
      twin(k, 'f32_conv2d_fwd', [y, big, wb, rng.f32(c.OC), c.B, c.C, c.H, c.W, c.OC, ...dims(c), 1, 1],
        `huge K${K}`, { scratch: scratchBytes(k, c), atol: 1e31, rtol: 1e-4 });
    }
  }
});

test('conv2d_fwd: packed panels across K blocks (with the bias row), column blocks and wide strides', async () => {
  const rng = new Rng(31);
  for (const { k } of await backends()) {
    runConv(k, rng, { ...geo(3, 2, 1), B: 3, C: 40, H: 9, W: 13, OC: 7, G: 1, bias: true }); // K = 360: two K blocks
    runConv(k, rng, { ...geo(3, 1, 0, 2), B: 2, C: 30, H: 11, W: 12, OC: 5, G: 1, bias: true }); // dilated, K = 270
    runConv(k, rng, { ...geo(1), SW: 3, B: 5, C: 3, H: 17, W: 31, OC: 9, G: 1, bias: true });
    runConv(k, rng, { ...geo(2), B: 70, C: 2, H: 4, W: 5, OC: 3, G: 1, bias: false }); // panels straddle blocks
    runConv(k, rng, { KH: 2, KW: 7, SH: 1, SW: 1, PH: 1, PW: 3, DH: 1, DW: 1, B: 2, C: 3, H: 6, W: 21, OC: 5, G: 1, bias: true });
  }
});

// One case per forward path (ABI.md, "Convolution paths"), each with the ReLU fused, with and without bias.
const PATHS: [string, ConvCase][] = [
  ['direct', { ...geo(5), B: 2, C: 1, H: 28, W: 28, OC: 7, G: 1, bias: true }],
  ['direct, strided and dilated', { ...geo(5, 2, 2, 2), B: 2, C: 3, H: 9, W: 31, OC: 6, G: 1, bias: true }],
  ['direct, several strips', { ...geo(7, 1, 3), B: 1, C: 3, H: 40, W: 200, OC: 5, G: 1, bias: true }],
  ['depthwise planes (529 taps: too many for direct)', { ...geo(23, 1, 11), B: 2, C: 2, H: 9, W: 30, OC: 2, G: 2, bias: true }],
  ['winograd 3×3', { ...geo(3, 1, 1), B: 2, C: 8, H: 13, W: 11, OC: 9, G: 1, bias: true }],
  ['winograd 5×5', { ...geo(5, 1, 2), B: 2, C: 6, H: 9, W: 12, OC: 7, G: 1, bias: true }],
  ['panels, two K blocks', { ...geo(3, 2, 1), B: 3, C: 40, H: 9, W: 13, OC: 7, G: 1, bias: true }],
  ['panels, grouped', { ...geo(3, 2, 1), B: 2, C: 8, H: 11, W: 13, OC: 12, G: 2, bias: true }],
  ['pointwise', { ...GEO1, B: 3, C: 17, H: 9, W: 5, OC: 33, G: 1, bias: true }],
  ['pointwise strided (im2col)', { ...GEO1, SH: 2, SW: 2, B: 1, C: 9, H: 8, W: 8, OC: 6, G: 3, bias: true }],
];

test('conv2d_fwd fuses the ReLU on every path: the twin, and conv then relu_fwd in wasm, within 1e-5', async () => {
  const rng = new Rng(33);
  for (const { k } of await backends()) {
    for (const [name, base] of PATHS) {
      for (const bias of [true, false]) {
        const c = { ...base, bias, relu: true };
        runConv(k, rng, c);
        const OH = out(c.H, c.KH, c.SH, c.PH, c.DH);
        const OW = out(c.W, c.KW, c.SW, c.PW, c.DW);
        const x = k.from(rng.f32(c.B * c.C * c.H * c.W));
        const w = k.from(rng.f32(c.OC * (c.C / c.G) * c.KH * c.KW));
        const b = k.from(rng.f32(c.OC));
        const fused = k.tensor([c.B * c.OC * OH * OW]);
        const apart = k.tensor([c.B * c.OC * OH * OW]);
        const run = (y: typeof fused, epilogue: number) => k.wasm.f32_conv2d_fwd(y.offset, x.offset, w.offset, b.offset, c.B, c.C, c.H, c.W, c.OC,
          c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.G, epilogue, k.scratch(scratchBytes(k, c)));
        run(fused, epilogueOf(c));
        run(apart, epilogueOf({ ...c, relu: false }));
        k.wasm.f32_relu_fwd(apart.offset, apart.offset, apart.size);
        const [f, a] = [fused.f32(), apart.f32()];
        let worst = 0;
        for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i] - a[i]));
        assert.ok(worst <= 1e-5, `${name}${bias ? ' +bias' : ''} [${k.build}]: fused vs apart differ by ${worst}`);
        assert.ok(f.some((v) => v === 0) && f.some((v) => v > 0), `${name}: the ReLU clipped some outputs and kept others`);
        for (const t of [x, w, b, fused, apart]) t.dispose();
      }
    }
    // NaN stays NaN through the ReLU, +Inf stays, −Inf becomes 0.
    const c: ConvCase = { ...geo(3, 1, 1), B: 1, C: 4, H: 6, W: 6, OC: 4, G: 1, bias: true, relu: true };
    const x = rng.f32(4 * 36);
    x[40] = NaN;
    const w = rng.f32(4 * 36);
    w[9] = Infinity;
    runConv(k, rng, c, { x, w });
  }
});

test('conv2d_fwd propagates NaN and Inf (padding is 0, so 0·Inf = NaN)', async () => {
  const rng = new Rng(26);
  for (const { k } of await backends()) {
    const c: ConvCase = { ...geo(3, 1, 1), B: 2, C: 3, H: 9, W: 9, OC: 4, G: 1, bias: true };
    const x = rng.f32(2 * 3 * 81);
    x[40] = NaN; // centre of image 0, channel 0
    x[81 * 4 + 0] = Infinity; // corner of image 1, channel 1
    runConv(k, rng, c, { x });
    const w = rng.f32(4 * 27);
    w[0] = Infinity; // top-left tap of filter 0: touches padding along the top row and left column
    runConv(k, rng, c, { w });
    const b = rng.f32(4);
    b[2] = NaN;
    runConv(k, rng, c, { b });
    // The depthwise path (no gemm) must treat padding the same way.
    for (const [S, OC] of [[1, 4], [2, 8]]) {
      const dw: ConvCase = { ...geo(3, S, 1), B: 2, C: 4, H: 9, W: 17, OC, G: 4, bias: true };
      const wd = rng.f32(OC * 9);
      wd[0] = Infinity;
      wd[13] = NaN;
      wd[9 * (OC - 1) + 8] = -Infinity;
      const xd = rng.f32(2 * 4 * 9 * 17);
      xd[17 * 9 + 5] = NaN;
      runConv(k, rng, dw, { w: wd, x: xd });
    }
    // The twin's choices themselves: a NaN input poisons exactly its 3×3 neighbourhood.
    const y = new Float32Array(2 * 4 * 81);
    reference.f32_conv2d_fwd(y, x.map((v, i) => (i === 81 * 4 ? 0 : v)), rng.f32(4 * 27), new Float32Array(4), 2, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0);
    const nan = y.slice(0, 81).reduce((n, v) => n + (Number.isNaN(v) ? 1 : 0), 0);
    assert.is(nan, 9, 'a NaN pixel spreads to the 9 outputs whose window covers it');
  }
});

test('conv2d_fwd stays inside its scratch', async () => {
  const rng = new Rng(27);
  for (const { k } of await backends()) {
    for (const c of [
      { ...geo(3, 2, 1, 2), B: 2, C: 6, H: 17, W: 9, OC: 4, G: 2, bias: true },
      { ...geo(3, 1, 1), B: 3, C: 5, H: 21, W: 19, OC: 7, G: 1, bias: true }, // Winograd 3×3
      { ...geo(5, 1, 2), B: 2, C: 4, H: 12, W: 9, OC: 70, G: 1, bias: true }, // Winograd 5×5
      { ...geo(3, 2, 1), B: 2, C: 40, H: 9, W: 13, OC: 7, G: 1, bias: true },
      { ...geo(5), B: 1, C: 1, H: 28, W: 28, OC: 20, G: 1, bias: false }, // direct
      { ...geo(5, 2, 2, 2), B: 2, C: 3, H: 9, W: 31, OC: 7, G: 1, bias: true }, // direct, strided and dilated
      { ...geo(7, 1, 3), B: 1, C: 3, H: 40, W: 200, OC: 5, G: 1, bias: true }, // direct, several strips
      { ...GEO1, B: 2, C: 4, H: 5, W: 5, OC: 3, G: 1, bias: false },
    ]) {
      const bytes = scratchBytes(k, c);
      const OH = out(c.H, c.KH, c.SH, c.PH, c.DH);
      const OW = out(c.W, c.KW, c.SW, c.PW, c.DW);
      const guard = 64;
      const area = k.tensor([bytes / 4 + guard]).fill(-7);
      const x = k.from(rng.f32(c.B * c.C * c.H * c.W));
      const w = k.from(rng.f32(c.OC * (c.C / c.G) * c.KH * c.KW));
      const bias = k.from(rng.f32(c.OC));
      const y = k.tensor([c.B * c.OC * OH * OW]);
      k.wasm.f32_conv2d_fwd(y.offset, x.offset, w.offset, bias.offset, c.B, c.C, c.H, c.W, c.OC,
        c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.DH, c.DW, c.G, c.bias ? 1 : 0, area.offset);
      const tail = area.f32().subarray(bytes / 4);
      assert.ok(tail.every((v) => v === -7), `scratch overrun for ${label(c)} [${k.build}]`);
      assert.is(bytes % 16, 0);
      for (const t of [area, x, w, bias, y]) t.dispose();
    }
  }
});

test('conv2d façade derives shapes and matches the twin; im2col/col2im façades', async () => {
  const rng = new Rng(28);
  for (const { k } of await backends()) {
    const [B, C, H, W, OC] = [2, 4, 9, 7, 6];
    const xv = rng.f32(B * C * H * W);
    const wv = rng.f32(OC * 2 * 3 * 3);
    const bv = rng.f32(OC);
    const opts = { stride: [2, 1] as const, padding: 1, dilation: [1, 2] as const, groups: 2 };
    const shape = conv2dOutputShape([B, C, H, W], [OC, 2, 3, 3], opts);
    assert.equal(shape, [B, OC, 5, 5]);
    const y = k.tensor(shape);
    conv2d(y, k.from(xv, [B, C, H, W]), k.from(wv, [OC, 2, 3, 3]), k.from(bv, [OC]), opts);
    const want = new Float32Array(y.size);
    reference.f32_conv2d_fwd(want, xv, wv, bv, B, C, H, W, OC, 3, 3, 2, 1, 1, 1, 1, 2, 2, 1);
    const got = y.f32();
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `conv2d façade [${i}]`);
    conv2d(y, k.from(xv, [B, C, H, W]), k.from(wv, [OC, 2, 3, 3]), k.from(bv, [OC]), { ...opts, relu: true });
    const relu = y.f32();
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(relu[i] - Math.max(want[i], 0)) < 1e-4, `conv2d façade with relu [${i}]`);

    const x3 = k.from(xv.subarray(0, C * H * W), [C, H, W]);
    const col = k.tensor([C * 9, 5 * 5]);
    im2col(col, x3, { kernel: 3, stride: [2, 1], padding: 1, dilation: [1, 2] });
    const wantCol = new Float32Array(col.size);
    reference.f32_im2col(wantCol, xv.subarray(0, C * H * W), C, H, W, 3, 3, 2, 1, 1, 1, 1, 2);
    assert.equal(Array.from(col.f32()), Array.from(wantCol));
    const back = k.tensor([C, H, W]);
    col2im(back, col, { kernel: 3, stride: [2, 1], padding: 1, dilation: [1, 2] });
    const wantBack = new Float32Array(back.size);
    reference.f32_col2im(wantBack, wantCol, C, H, W, 3, 3, 2, 1, 1, 1, 1, 2);
    const gotBack = back.f32();
    for (let i = 0; i < wantBack.length; i++) assert.ok(Math.abs(gotBack[i] - wantBack[i]) < 1e-5, `col2im façade [${i}]`);
  }
});

test('conv2d, im2col, col2im throw on bad arguments, naming op, argument and shapes', async () => {
  const [{ k }, { k: other }] = await backends();
  const x = k.tensor([2, 4, 8, 8]);
  const w = k.tensor([8, 4, 3, 3]);
  const y = k.tensor([2, 8, 6, 6]);
  conv2d(y, x, w, null); // valid
  assert.throws(() => conv2d(y, x, k.tensor([8, 3, 3, 3]), null), /conv2d: 'w' has shape \[8,3,3,3\], expected \[8,4,3,3\]/);
  assert.throws(() => conv2d(y, x, w, null, { groups: 3 }), /conv2d: input channels 4 \(x \[2,4,8,8\]\) are not a multiple of groups 3/);
  assert.throws(() => conv2d(y, x, k.tensor([6, 2, 3, 3]), null, { groups: 4 }), /conv2d: output channels 6 \(w \[6,2,3,3\]\) are not a multiple of groups 4/);
  assert.throws(() => conv2d(y, x, w, null, { groups: 0 }), /conv2d: 'groups' must be an integer ≥ 1, got 0/);
  assert.throws(() => conv2d(y, x, w, null, { padding: 1 }), /conv2d: 'y' has shape \[2,8,6,6\], expected \[2,8,8,8\]/);
  assert.throws(() => conv2d(y, x, w, k.tensor([7])), /conv2d: 'bias' has shape \[7\], expected \[8\]/);
  assert.throws(() => conv2d(y, x, w, null, { stride: 0 }), /conv2d: 'stride\[0\]' must be an integer ≥ 1, got 0/);
  assert.throws(() => conv2d(y, x, w, null, { padding: -1 }), /conv2d: 'padding\[0\]' must be an integer ≥ 0, got -1/);
  assert.throws(() => conv2d(y, x, w, null, { dilation: [1, 2, 3] as never }), /conv2d: 'dilation' must be a number or \[h, w\]/);
  assert.throws(() => conv2d(y, k.tensor([2, 4, 2, 2]), w, null), /conv2d: 'x' \[2,4,2,2\] is 2×2, too small for kernel \[3,3\] with padding \[0,0\]: output would be 0×0/);
  assert.throws(() => conv2d(y, k.tensor([4, 8, 8]), w, null), /conv2d: 'x' must have rank 4, got shape \[4,8,8\]/);
  assert.throws(() => conv2d(y, x, other.tensor([8, 4, 3, 3]), null), /conv2d: .* different wasm instances/);
  assert.throws(() => conv2d(x, x, w, null), /conv2d: 'y' has shape/);
  const sq = k.tensor([2, 4, 8, 8]);
  assert.throws(() => conv2d(sq, sq, k.tensor([4, 4, 1, 1]), null), /conv2d: 'y' and 'x' overlap in memory \(the same tensor\)/);
  const x3 = k.tensor([3, 5, 5]);
  assert.throws(() => im2col(k.tensor([27, 8]), x3, { kernel: 3 }), /im2col: 'col' has shape \[27,8\], expected \[27,9\]/);
  assert.throws(() => im2col(k.tensor([27, 9]), x, { kernel: 3 }), /im2col: 'x' must have rank 3, got shape \[2,4,8,8\]/);
  assert.throws(() => im2col(k.tensor([27, 9]), x3, {} as never), /im2col: 'kernel' is required/);
  assert.throws(() => col2im(x3, k.tensor([27, 10]), { kernel: 3 }), /col2im: 'col' has shape \[27,10\], expected \[27,9\]/);
  assert.throws(() => conv2dOutputShape([1, 1, 2, 2], [1, 1, 5, 5]), /conv2dOutputShape: input \[1,1,2,2\] is 2×2, too small/);
});

test.run();
