// Max and average pooling kernels against their twins on every build (SIMD interior, borders,
// every stride path), NaN/Inf/ties, all-padding windows, the avgpool adjoint identity, and the
// façade ops' errors. No pooling kernel works in place (y and x differ in shape), so no in-place test.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import {
  avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward, pool2dOutputShape,
} from '../../src/kernels/ops/pool.js';
import { convOutputSize } from '../../src/kernels/ops/conv.js';
import * as reference from '../../src/kernels/reference/index.js';

interface Case { B: number; C: number; H: number; W: number; KH: number; KW: number; SH: number; SW: number; PH: number; PW: number }

const SPATIAL = [1, 3, 4, 5, 7, 8, 9, 17, 33];
const osize = (c: Case): [number, number] => [convOutputSize(c.H, c.KH, c.SH, c.PH), convOutputSize(c.W, c.KW, c.SW, c.PW)];
type Dims10 = [number, number, number, number, number, number, number, number, number, number];
const dims = (c: Case): Dims10 => [c.B, c.C, c.H, c.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW];
const label = (c: Case) => `B${c.B} C${c.C} ${c.H}x${c.W} k${c.KH}x${c.KW} s${c.SH},${c.SW} p${c.PH},${c.PW}`;

/** Awkward cases with a non-empty output; padding up to half the kernel, as frameworks allow. */
function cases(rng: Rng): Case[] {
  const list: Case[] = [];
  for (const H of SPATIAL) {
    for (const W of [SPATIAL[rng.int(0, 8)], 17, 33]) {
      for (let t = 0; t < 3; t++) {
        const KH = rng.int(1, 4);
        const KW = rng.int(1, 4);
        const c: Case = {
          B: [1, 3][rng.int(0, 1)], C: [1, 3, 4][rng.int(0, 2)], H, W, KH, KW,
          SH: rng.int(1, 3), SW: rng.int(1, 3), PH: rng.int(0, KH >> 1), PW: rng.int(0, KW >> 1),
        };
        const [OH, OW] = osize(c);
        if (OH >= 1 && OW >= 1) list.push(c);
      }
    }
  }
  return list;
}

function maxFwd(k: Kernels, c: Case, x: Float32Array, where = label(c)): void {
  const [OH, OW] = osize(c);
  const n = c.B * c.C * OH * OW;
  // Outputs start as garbage: every entry must be written.
  twin(k, 'f32_maxpool2d_fwd', [new Float32Array(n).fill(NaN), new Int32Array(n).fill(-99), x, ...dims(c)], where);
}

function argmaxOf(c: Case, x: Float32Array): Int32Array {
  const [OH, OW] = osize(c);
  const n = c.B * c.C * OH * OW;
  const a = new Int32Array(n);
  reference.f32_maxpool2d_fwd(new Float32Array(n), a, x, c.B, c.C, c.H, c.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);
  return a;
}

test('maxpool2d fwd/bwd match their twins at awkward shapes and every stride path', async () => {
  const rng = new Rng(31);
  const all = cases(rng);
  // Common layers, and stride-2 rows where the vector gather may or may not read past the last tap.
  for (const W of [8, 9, 16, 17, 33]) for (const K of [2, 3]) all.push({ B: 1, C: 2, H: 6, W, KH: K, KW: K, SH: 2, SW: 2, PH: 0, PW: K >> 1 });
  all.push({ B: 3, C: 20, H: 24, W: 24, KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0 });
  for (const { k } of await backends()) {
    for (const c of all) {
      const x = rng.f32(c.B * c.C * c.H * c.W);
      maxFwd(k, c, x);
      const [OH, OW] = osize(c);
      const dy = rng.f32(c.B * c.C * OH * OW);
      twin(k, 'f32_maxpool2d_bwd', [new Float32Array(x.length).fill(NaN), dy, argmaxOf(c, x), c.B, c.C, c.H, c.W, OH, OW], label(c));
    }
  }
});

test('maxpool2d: the first NaN wins, ties keep the first, −Inf windows still pick an element', async () => {
  const rng = new Rng(32);
  for (const { k } of await backends()) {
    const c: Case = { B: 1, C: 2, H: 6, W: 17, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1 };
    const n = c.B * c.C * c.H * c.W;
    const x = rng.f32(n);
    x[20] = NaN;
    x[21] = -NaN;
    x[40] = Infinity;
    x[60] = -Infinity;
    x[17 * 3] = NaN; // left border column (scalar/lane-0 path)
    x[17 * 4 + 16] = NaN; // right border column
    x[6 * 17 + 17 * 2 + 1] = NaN; // plane 1
    maxFwd(k, c, x, 'NaN/Inf');
    maxFwd(k, c, new Float32Array(n).fill(0.5), 'all ties');
    maxFwd(k, c, new Float32Array(n).fill(-Infinity), 'all −Inf');
    maxFwd(k, c, new Float32Array(n).fill(NaN), 'all NaN');
    const signed = new Float32Array(n).map((_, i) => (i % 2 ? -0 : 0));
    maxFwd(k, c, signed, '±0 ties');
    // The spec's choices, checked on the twin itself: NaN output, argmax at the first NaN.
    const y = new Float32Array(c.C * c.H * c.W);
    const a = new Int32Array(y.length);
    reference.f32_maxpool2d_fwd(y, a, x, c.B, c.C, c.H, c.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);
    assert.ok(Number.isNaN(y[20]) && a[20] === 20, 'NaN at its own centre');
    assert.is(a[2 * 17 + 4], 20, 'the window over both NaNs picks the first (row-major)');
    const tie = new Int32Array(y.length);
    reference.f32_maxpool2d_fwd(y, tie, new Float32Array(n).fill(-Infinity), c.B, c.C, c.H, c.W, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW);
    assert.is(tie[17 + 5], 4, 'all −Inf: the first in-image element of the window, not −1');
  }
});

test('2×2 stride-2 unpadded pooling (its own SIMD path): odd sizes, row tails, NaN, ties and ±0', async () => {
  const rng = new Rng(39);
  for (const { k } of await backends()) {
    for (const H of [1, 2, 3, 5, 8, 9]) {
      for (const W of [1, 2, 3, 4, 7, 8, 9, 10, 17, 33]) {
        const c: Case = { B: 2, C: 3, H, W, KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0 };
        const [OH, OW] = osize(c);
        if (OH < 1 || OW < 1) continue;
        const n = c.B * c.C * H * W;
        const x = rng.f32(n);
        maxFwd(k, c, x);
        for (const countPad of [0, 1]) {
          twin(k, 'f32_avgpool2d_fwd', [new Float32Array(c.B * c.C * OH * OW).fill(NaN), x, ...dims(c), countPad], `${label(c)} cp${countPad}`);
        }
      }
    }
    // Every window position of a vector of 4 (and of the scalar tail): a NaN, then a second NaN
    // after it, an Inf, ties and signed zeros.
    const c: Case = { B: 1, C: 2, H: 4, W: 18, KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0 };
    const n = c.C * c.H * c.W;
    const x = rng.f32(n);
    for (const [i, v] of [[0, NaN], [3, NaN], [18 + 4, NaN], [18 + 5, -NaN], [7, Infinity], [18 + 9, Infinity], [16, NaN], [18 + 17, NaN], [72 + 36 + 2, -Infinity]] as const) x[i] = v;
    maxFwd(k, c, x, '2×2 NaN/Inf');
    twin(k, 'f32_avgpool2d_fwd', [new Float32Array(2 * 2 * 9), x, ...dims(c), 0], '2×2 NaN/Inf');
    maxFwd(k, c, new Float32Array(n).fill(0.5), '2×2 all ties');
    maxFwd(k, c, new Float32Array(n).map((_, i) => (i % 3 ? -0 : 0)), '2×2 ±0 ties');
    maxFwd(k, c, new Float32Array(n).map((_, i) => ((i >> 1) % 2 ? NaN : 1)), '2×2 NaN rows');
  }
});

test('maxpool2d_bwd skips argmax entries outside [0, H·W) instead of writing through them', async () => {
  const rng = new Rng(38);
  for (const { k } of await backends()) {
    const [B, C, H, W, OH, OW] = [2, 3, 5, 7, 3, 4];
    const argmax = rng.i32(B * C * OH * OW, -3, H * W + 3);
    argmax[0] = H * W;
    argmax[1] = -(2 ** 31);
    twin(k, 'f32_maxpool2d_bwd', [new Float32Array(B * C * H * W).fill(NaN), rng.f32(argmax.length), argmax, B, C, H, W, OH, OW],
      'garbage argmax');
  }
});

test('pooling windows entirely in padding: maxpool gives −Inf/−1 and no gradient, avgpool 0', async () => {
  const rng = new Rng(33);
  for (const { k } of await backends()) {
    for (const c of [
      { B: 1, C: 2, H: 3, W: 9, KH: 1, KW: 1, SH: 1, SW: 1, PH: 1, PW: 1 },
      { B: 2, C: 1, H: 5, W: 17, KH: 2, KW: 2, SH: 1, SW: 1, PH: 2, PW: 2 },
    ]) {
      const x = rng.f32(c.B * c.C * c.H * c.W);
      maxFwd(k, c, x);
      const a = argmaxOf(c, x);
      assert.is(a[0], -1, 'the corner window is all padding');
      const [OH, OW] = osize(c);
      const dy = rng.f32(a.length);
      twin(k, 'f32_maxpool2d_bwd', [new Float32Array(x.length), dy, a, c.B, c.C, c.H, c.W, OH, OW], label(c));
      for (const countPad of [0, 1]) {
        twin(k, 'f32_avgpool2d_fwd', [new Float32Array(a.length).fill(NaN), x, ...dims(c), countPad], `${label(c)} cp${countPad}`);
        twin(k, 'f32_avgpool2d_bwd', [new Float32Array(x.length).fill(NaN), dy, ...dims(c), countPad], `${label(c)} cp${countPad}`);
      }
    }
  }
});

test('avgpool2d fwd/bwd match their twins, with and without counting padding', async () => {
  const rng = new Rng(34);
  const all = cases(rng);
  for (const W of [8, 9, 16, 17, 33]) for (const K of [2, 3]) all.push({ B: 1, C: 2, H: 6, W, KH: K, KW: K, SH: 2, SW: 2, PH: K >> 1, PW: K >> 1 });
  all.push({ B: 2, C: 5, H: 7, W: 7, KH: 7, KW: 7, SH: 1, SW: 1, PH: 0, PW: 0 }); // global average pool
  for (const { k } of await backends()) {
    for (const c of all) {
      const x = rng.f32(c.B * c.C * c.H * c.W);
      const [OH, OW] = osize(c);
      const dy = rng.f32(c.B * c.C * OH * OW);
      for (const countPad of [0, 1]) {
        twin(k, 'f32_avgpool2d_fwd', [new Float32Array(dy.length).fill(NaN), x, ...dims(c), countPad], `${label(c)} cp${countPad}`);
        twin(k, 'f32_avgpool2d_bwd', [new Float32Array(x.length).fill(NaN), dy, ...dims(c), countPad], `${label(c)} cp${countPad}`);
      }
    }
  }
});

test('avgpool2d propagates NaN and Inf; its backward is its adjoint', async () => {
  const rng = new Rng(35);
  for (const { k } of await backends()) {
    const c: Case = { B: 2, C: 3, H: 9, W: 17, KH: 3, KW: 3, SH: 2, SW: 1, PH: 1, PW: 1 };
    const x = rng.f32(c.B * c.C * c.H * c.W);
    x[5] = NaN;
    x[100] = Infinity;
    x[101] = -Infinity;
    const [OH, OW] = osize(c);
    const dy = rng.f32(c.B * c.C * OH * OW);
    dy[7] = NaN;
    for (const countPad of [0, 1]) {
      twin(k, 'f32_avgpool2d_fwd', [new Float32Array(dy.length), x, ...dims(c), countPad], `NaN/Inf cp${countPad}`);
      twin(k, 'f32_avgpool2d_bwd', [new Float32Array(x.length), dy, ...dims(c), countPad], `NaN cp${countPad}`);
    }
    for (const [cc, countPad] of [[c, 0], [c, 1], [{ ...c, SH: 2, SW: 2, KH: 2, KW: 2, PH: 0, PW: 1 }, 0]] as const) {
      const [oh, ow] = osize(cc);
      const xv = k.from(rng.f32(c.B * c.C * c.H * c.W));
      const gv = k.from(rng.f32(c.B * c.C * oh * ow));
      const yv = k.tensor([gv.size]);
      const dx = k.tensor([xv.size]);
      k.wasm.f32_avgpool2d_fwd(yv.offset, xv.offset, ...dims(cc), countPad);
      k.wasm.f32_avgpool2d_bwd(dx.offset, gv.offset, ...dims(cc), countPad);
      const dot = (p: Float32Array, q: Float32Array) => p.reduce((s, v, i) => s + v * q[i], 0);
      const lhs = dot(yv.f32(), gv.f32());
      const rhs = dot(xv.f32(), dx.f32());
      assert.ok(Math.abs(lhs - rhs) < 1e-4 * (1 + Math.abs(lhs)), `${label(cc)} cp${countPad}: ${lhs} vs ${rhs}`);
    }
  }
});

test('avgpool2d_bwd writes nothing past the end of dx (stride-2 vector path at the last row)', async () => {
  const rng = new Rng(37);
  for (const { k } of await backends()) {
    for (const W of [8, 16, 24]) {
      const c: Case = { B: 1, C: 1, H: 2, W, KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0 };
      const [OH, OW] = osize(c);
      const dx = k.tensor([2 * W]);
      const guard = k.tensor([8]).fill(-0);
      assert.is(guard.offset, dx.offset + 8 * W, 'the guard follows dx directly');
      const dy = k.from(rng.f32(OH * OW));
      k.wasm.f32_avgpool2d_bwd(dx.offset, dy.offset, ...dims(c), 0);
      assert.ok(guard.f32().every((v) => Object.is(v, -0)), `W${W}: the guard was written [${k.build}]`);
      for (const t of [dx, guard, dy]) t.dispose();
    }
  }
});

test('pool façades derive shapes, match the twins, and refuse bad arguments', async () => {
  const [{ k }, { k: other }] = await backends();
  const rng = new Rng(36);
  const xv = rng.f32(2 * 3 * 9 * 8);
  const x = k.from(xv, [2, 3, 9, 8]);
  const shape = pool2dOutputShape(x.shape, { kernel: 3, stride: 2, padding: 1 });
  assert.equal(shape, [2, 3, 5, 4]);
  const y = k.tensor(shape);
  const am = k.tensor(shape, 'i32');
  maxPool2d(y, am, x, { kernel: 3, stride: 2, padding: 1 });
  const want = new Float32Array(y.size);
  const wantA = new Int32Array(y.size);
  reference.f32_maxpool2d_fwd(want, wantA, xv, 2, 3, 9, 8, 3, 3, 2, 2, 1, 1);
  assert.equal(Array.from(y.f32()), Array.from(want));
  assert.equal(Array.from(am.i32()), Array.from(wantA));
  const dx = k.tensor(x.shape);
  maxPool2dBackward(dx, k.from(rng.f32(y.size), shape), am);
  avgPool2d(y, x, { kernel: 3, stride: 2, padding: 1, countPad: true });
  reference.f32_avgpool2d_fwd(want, xv, 2, 3, 9, 8, 3, 3, 2, 2, 1, 1, 1);
  y.f32().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `avgPool2d [${i}]`));
  avgPool2dBackward(dx, y, { kernel: 3, stride: 2, padding: 1 });
  assert.equal(pool2dOutputShape([1, 1, 8, 8], { kernel: 2 }), [1, 1, 4, 4], 'stride defaults to the kernel');

  assert.throws(() => maxPool2d(k.tensor([2, 3, 4, 4]), am, x, { kernel: 3, stride: 2, padding: 1 }), /maxPool2d: 'y' has shape \[2,3,4,4\], expected \[2,3,5,4\]/);
  assert.throws(() => maxPool2d(y, k.tensor([2, 3, 5, 4]), x, { kernel: 3, stride: 2, padding: 1 }), /maxPool2d: 'argmax' must be i32, got f32/);
  assert.throws(() => maxPool2d(y, other.tensor(shape, 'i32'), x, { kernel: 3, stride: 2, padding: 1 }), /maxPool2d: 'argmax' lives in a different wasm instance/);
  assert.throws(() => maxPool2d(y, am, k.tensor([3, 9, 8]), { kernel: 3 }), /maxPool2d: 'x' must have rank 4, got shape \[3,9,8\]/);
  assert.throws(() => maxPool2d(y, am, x, { kernel: 0 }), /maxPool2d: 'kernel\[0\]' must be an integer ≥ 1, got 0/);
  assert.throws(() => maxPool2d(y, am, x, { kernel: 10 }), /maxPool2d: 'x' \[2,3,9,8\] is 9×8, too small for kernel \[10,10\] with padding \[0,0\]: output would be 0×0/);
  assert.throws(() => maxPool2d(y, am, x, undefined as never), /maxPool2d: options must be an object with a 'kernel', got undefined/);
  assert.throws(() => maxPool2dBackward(dx, k.tensor([2, 4, 5, 4]), am), /maxPool2dBackward: 'dy' has shape \[2,4,5,4\], expected \[2,3,5,4\]/);
  assert.throws(() => avgPool2d(y, x, { kernel: 3, stride: [2, 0] }), /avgPool2d: 'stride\[1\]' must be an integer ≥ 1, got 0/);
  assert.throws(() => avgPool2d(y, x, { kernel: 3, padding: -1 }), /avgPool2d: 'padding\[0\]' must be an integer ≥ 0, got -1/);
  assert.throws(() => avgPool2dBackward(dx, k.tensor([2, 3, 4, 4]), { kernel: 3, stride: 2, padding: 1 }), /avgPool2dBackward: 'dy' has shape \[2,3,4,4\], expected \[2,3,5,4\]/);
  const sq = k.tensor([1, 1, 4, 4]);
  assert.throws(() => avgPool2d(sq, sq, { kernel: 1 }), /avgPool2d: 'y' and 'x' overlap in memory \(the same tensor\); 'y' must not alias another argument/);
});

test.run();
