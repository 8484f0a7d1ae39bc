// Batchnorm kernels against their twins on every build (S = 1 across-channel path, S > 1 per-channel
// path, runs longer than one f64 block), in place, NaN/Inf, the B·S = 1 guard, the backward against
// float64 finite differences, and the façade ops' errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { batchNormBackward, batchNormInfer, batchNormTrain } from '../../src/kernels/ops/batchnorm.js';
import * as reference from '../../src/kernels/reference/index.js';

const CHANNELS = [1, 3, 4, 5, 7, 8, 9, 17, 33];
const SPACES = [1, 4, 9, 35, 289, 1089]; // 1-d; 2×2; 3×3; 5×7; 17×17; 33×33 (> one 1024 block)

/** x with a per-channel offset and scale, so means and variances differ across channels. */
function data(rng: Rng, B: number, C: number, S: number): Float32Array {
  const x = rng.f32(B * C * S);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / S) % C;
    x[i] = x[i] * (0.5 + c) + c - 2;
  }
  return x;
}

function tol(n: number) {
  // NOTE: statistics sum n = B·S terms in f32 lanes; errors grow like sqrt(n).
  return { atol: 1e-5 * Math.max(1, Math.sqrt(n)), rtol: 1e-4 };
}

function train(k: Kernels, rng: Rng, B: number, C: number, S: number, x = data(rng, B, C, S), where = '') {
  const y = new Float32Array(x.length).fill(NaN);
  twin(k, 'f32_batchnorm_fwd_train',
    [y, new Float32Array(C).fill(NaN), new Float32Array(C).fill(NaN), rng.f32(C), rng.f32(C, 0.5, 2), x, rng.f32(C), rng.f32(C),
      1e-5, 0.1, B, C, S],
    `B${B} C${C} S${S}${where}`, tol(B * S));
}

test('batchnorm fwd (train and infer) match their twins over channels, batch and space', async () => {
  const rng = new Rng(41);
  for (const { k } of await backends()) {
    for (const C of CHANNELS) {
      for (const S of SPACES) {
        for (const B of [1, 3, 8]) {
          if (B * C * S > 300_000) continue;
          if (B * S > 1) train(k, rng, B, C, S);
          const x = data(rng, B, C, S);
          twin(k, 'f32_batchnorm_fwd_infer',
            [new Float32Array(x.length).fill(NaN), x, rng.f32(C), rng.f32(C), rng.f32(C), rng.f32(C, 0, 2), 1e-3, B, C, S],
            `B${B} C${C} S${S}`);
        }
      }
    }
  }
});

/** The backward twin test: mean and invstd come from the twin forward on the same x. */
function backward(k: Kernels, rng: Rng, B: number, C: number, S: number, opts: { dy?: Float32Array; inPlace?: 'dy' | 'x' } = {}) {
  const x = data(rng, B, C, S);
  const gamma = rng.f32(C);
  const mean = new Float32Array(C);
  const invstd = new Float32Array(C);
  reference.f32_batchnorm_fwd_train(new Float32Array(x.length), mean, invstd, new Float32Array(C), new Float32Array(C),
    x, gamma, rng.f32(C), 1e-5, 0.1, B, C, S);
  const dy = opts.dy ?? rng.f32(x.length);
  const dx = opts.inPlace === 'dy' ? dy : opts.inPlace === 'x' ? x : new Float32Array(x.length).fill(NaN);
  twin(k, 'f32_batchnorm_bwd',
    [dx, new Float32Array(C).fill(NaN), new Float32Array(C).fill(NaN), dy, x, gamma, mean, invstd, B, C, S],
    `B${B} C${C} S${S}${opts.inPlace ? ` dx=${opts.inPlace}` : ''}`, tol(B * S));
}

test('batchnorm bwd matches its twin over channels, batch and space', async () => {
  const rng = new Rng(42);
  for (const { k } of await backends()) {
    for (const C of CHANNELS) {
      for (const S of SPACES) {
        for (const B of [1, 3, 8]) {
          if (B * C * S > 300_000 || B * S === 1) continue;
          backward(k, rng, B, C, S);
        }
      }
    }
  }
});

test('batchnorm works in place: y = x (train, infer), dx = dy and dx = x (backward)', async () => {
  const rng = new Rng(43);
  for (const { k } of await backends()) {
    for (const [B, C, S] of [[8, 9, 1], [3, 5, 35], [2, 4, 1089]]) {
      const x = data(rng, B, C, S);
      twin(k, 'f32_batchnorm_fwd_train',
        [x, new Float32Array(C), new Float32Array(C), rng.f32(C), rng.f32(C, 0.5, 2), x, rng.f32(C), rng.f32(C), 1e-5, 0.1, B, C, S],
        `in place B${B} C${C} S${S}`, tol(B * S));
      const x2 = data(rng, B, C, S);
      twin(k, 'f32_batchnorm_fwd_infer', [x2, x2, rng.f32(C), rng.f32(C), rng.f32(C), rng.f32(C, 0, 2), 1e-5, B, C, S],
        `in place B${B} C${C} S${S}`);
      backward(k, rng, B, C, S, { inPlace: 'dy' });
      backward(k, rng, B, C, S, { inPlace: 'x' });
    }
  }
});

test('batchnorm: one value per channel (B·S = 1) keeps the running variance finite', async () => {
  const rng = new Rng(44);
  for (const { k } of await backends()) {
    for (const C of [1, 5, 8]) {
      train(k, rng, 1, C, 1, undefined, ' (n = 1)');
      const runVar = k.from(new Float32Array(C).fill(2));
      const x = k.from(rng.f32(C), [1, C]);
      const t = (n: number) => k.tensor([n]);
      batchNormTrain(k.tensor([1, C]), t(C), t(C), t(C), runVar, x, k.from(new Float32Array(C).fill(1)), t(C), { momentum: 0.25 });
      assert.equal(Array.from(runVar.f32()), new Array(C).fill(1.5), 'run = 0.75·2 + 0.25·0');
    }
  }
});

test('batchnorm propagates NaN and Inf within their channel only', async () => {
  const rng = new Rng(45);
  for (const { k } of await backends()) {
    for (const [B, C, S] of [[4, 9, 1], [2, 3, 35]]) {
      const x = data(rng, B, C, S);
      x[S * 1] = NaN; // image 0, channel 1
      x[S * 2 + (S > 1 ? 1 : 0)] = Infinity; // image 0, channel 2
      train(k, rng, B, C, S, x, ' NaN/Inf');
      twin(k, 'f32_batchnorm_fwd_infer', [new Float32Array(x.length), x, rng.f32(C), rng.f32(C), rng.f32(C), rng.f32(C, 0, 2), 1e-5, B, C, S],
        `NaN/Inf B${B} C${C} S${S}`);
      const dy = rng.f32(x.length);
      dy[0] = NaN; // channel 0
      backward(k, rng, B, C, S, { dy });
      // The spec's choice on the twin: channel 1 is all NaN, channel 0 untouched.
      const y = new Float32Array(x.length);
      reference.f32_batchnorm_fwd_train(y, new Float32Array(C), new Float32Array(C), new Float32Array(C), new Float32Array(C),
        x, new Float32Array(C).fill(1), new Float32Array(C), 1e-5, 0.1, B, C, S);
      for (let b = 0; b < B; b++) {
        for (let s = 0; s < S; s++) {
          assert.ok(Number.isNaN(y[(b * C + 1) * S + s]), 'channel 1 is NaN');
          assert.ok(Number.isFinite(y[(b * C) * S + s]), 'channel 0 is finite');
        }
      }
    }
  }
});

test('batchnorm bwd agrees with float64 finite differences of the training forward', async () => {
  const rng = new Rng(46);
  for (const { k } of await backends()) {
    for (const [B, C, S] of [[5, 3, 1], [2, 2, 6]]) {
      const eps = 1e-3;
      const x = data(rng, B, C, S);
      const gamma = rng.f32(C);
      const beta = rng.f32(C);
      const r = rng.f32(x.length); // L = Σ r ⊙ y
      // A float64 forward, independent of the twins.
      const loss = (xs: Float64Array, g: Float64Array, bt: Float64Array): number => {
        let L = 0;
        for (let c = 0; c < C; c++) {
          let m = 0;
          for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) m += xs[(b * C + c) * S + s];
          m /= B * S;
          let v = 0;
          for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) v += (xs[(b * C + c) * S + s] - m) ** 2;
          v /= B * S;
          for (let b = 0; b < B; b++) {
            for (let s = 0; s < S; s++) {
              const i = (b * C + c) * S + s;
              L += r[i] * (g[c] * (xs[i] - m) / Math.sqrt(v + eps) + bt[c]);
            }
          }
        }
        return L;
      };
      const t = (a: Float32Array) => k.from(a);
      const xT = t(x);
      const gT = t(gamma);
      const mean = k.tensor([C]);
      const invstd = k.tensor([C]);
      k.wasm.f32_batchnorm_fwd_train(k.tensor([x.length]).offset, mean.offset, invstd.offset, k.tensor([C]).offset,
        k.tensor([C]).offset, xT.offset, gT.offset, t(beta).offset, eps, 0.1, B, C, S);
      const dx = k.tensor([x.length]);
      const dg = k.tensor([C]);
      const db = k.tensor([C]);
      k.wasm.f32_batchnorm_bwd(dx.offset, dg.offset, db.offset, t(r).offset, xT.offset, gT.offset, mean.offset, invstd.offset, B, C, S);
      const h = 1e-5;
      const probe = (arr: Float64Array, i: number, args: () => number): number => {
        const keep = arr[i];
        arr[i] = keep + h;
        const up = args();
        arr[i] = keep - h;
        const down = args();
        arr[i] = keep;
        return (up - down) / (2 * h);
      };
      const X = Float64Array.from(x);
      const Gm = Float64Array.from(gamma);
      const Bt = Float64Array.from(beta);
      const f = () => loss(X, Gm, Bt);
      const where = `B${B} C${C} S${S} [${k.build}]`;
      dx.f32().forEach((v, i) => {
        const num = probe(X, i, f);
        assert.ok(Math.abs(v - num) < 1e-3 + 1e-3 * Math.abs(num), `${where} dx[${i}] ${v} vs ${num}`);
      });
      dg.f32().forEach((v, c) => {
        const num = probe(Gm, c, f);
        assert.ok(Math.abs(v - num) < 1e-3 + 1e-3 * Math.abs(num), `${where} dgamma[${c}] ${v} vs ${num}`);
      });
      db.f32().forEach((v, c) => {
        const num = probe(Bt, c, f);
        assert.ok(Math.abs(v - num) < 1e-3 + 1e-3 * Math.abs(num), `${where} dbeta[${c}] ${v} vs ${num}`);
      });
    }
  }
});

test('batchnorm façades accept [B, C] and [B, C, H, W] and refuse bad arguments', async () => {
  const [{ k }, { k: other }] = await backends();
  const rng = new Rng(47);
  const v = (n: number, lo = -1, hi = 1) => k.from(rng.f32(n, lo, hi));
  for (const shape of [[6, 4], [2, 4, 3, 5]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const S = n / (shape[0] * 4);
    const xv = rng.f32(n);
    const x = k.from(xv, shape);
    const [y, mean, invstd, rm, rv, gamma, beta] = [k.tensor(shape), v(4), v(4), v(4), v(4, 0.5, 1), v(4), v(4)];
    const g0 = gamma.toArray() as Float32Array;
    const b0 = beta.toArray() as Float32Array;
    batchNormTrain(y, mean, invstd, rm, rv, x, gamma, beta, { eps: 1e-3, momentum: 0.2 });
    const want = new Float32Array(n);
    const wm = new Float32Array(4);
    const wi = new Float32Array(4);
    reference.f32_batchnorm_fwd_train(want, wm, wi, new Float32Array(4), new Float32Array(4), xv, g0, b0, 1e-3, 0.2, shape[0], 4, S);
    y.f32().forEach((val, i) => assert.ok(Math.abs(val - want[i]) < 1e-4, `batchNormTrain [${shape}] [${i}]`));
    batchNormInfer(x, x, gamma, beta, rm, rv); // in place is allowed
    const dx = k.tensor(shape);
    batchNormBackward(dx, k.tensor([4]), k.tensor([4]), y, x, gamma, mean, invstd);
    batchNormBackward(y, k.tensor([4]), k.tensor([4]), y, x, gamma, mean, invstd); // dx = dy
  }
  const x = k.tensor([2, 4, 3, 3]);
  const c4 = () => k.tensor([4]);
  const y = k.tensor([2, 4, 3, 3]);
  assert.throws(() => batchNormTrain(y, c4(), c4(), c4(), c4(), k.tensor([2, 4, 3]), c4(), c4()),
    /batchNormTrain: 'x' must have rank 2 \[B, C\] or 4 \[B, C, H, W\], got shape \[2,4,3\]/);
  assert.throws(() => batchNormTrain(y, c4(), c4(), c4(), c4(), x, k.tensor([5]), c4()), /batchNormTrain: 'gamma' has shape \[5\], expected \[4\]/);
  assert.throws(() => batchNormTrain(k.tensor([2, 4, 9]), c4(), c4(), c4(), c4(), x, c4(), c4()), /batchNormTrain: 'y' has shape \[2,4,9\], expected \[2,4,3,3\]/);
  assert.throws(() => batchNormTrain(y, c4(), c4(), c4(), c4(), x, c4(), c4(), { momentum: 2 }), /batchNormTrain: 'momentum' must be in \[0, 1\], got 2/);
  assert.throws(() => batchNormTrain(y, c4(), c4(), c4(), c4(), x, c4(), c4(), { eps: -1 }), /batchNormTrain: 'eps' must be ≥ 0, got -1/);
  assert.throws(() => batchNormTrain(k.tensor([0, 4]), c4(), c4(), c4(), c4(), k.tensor([0, 4]), c4(), c4()), /batchNormTrain: 'x' has shape \[0,4\]: no values/);
  const m = c4();
  assert.throws(() => batchNormTrain(y, m, m, c4(), c4(), x, c4(), c4()), /batchNormTrain: 'mean' and 'invstd' overlap in memory \(the same tensor\)/);
  assert.throws(() => batchNormTrain(y, c4(), c4(), c4(), c4(), x, y.kernels === k ? other.tensor([4]) : c4(), c4()), /different wasm instances/);
  assert.throws(() => batchNormInfer(y, x, c4(), c4(), c4(), k.tensor([3])), /batchNormInfer: 'runVar' has shape \[3\], expected \[4\]/);
  assert.throws(() => batchNormInfer(y, x, c4(), c4(), c4(), c4(), { eps: NaN }), /batchNormInfer: 'eps' must be a finite number, got NaN/);
  const g = c4();
  assert.throws(() => batchNormBackward(y, g, c4(), y, x, g, c4(), c4()), /batchNormBackward: 'dgamma' and 'gamma' overlap in memory \(the same tensor\); 'dgamma' must not alias another argument/);
  assert.throws(() => batchNormBackward(y, c4(), c4(), k.tensor([2, 4, 9]), x, c4(), c4(), c4()), /batchNormBackward: 'dy' has shape \[2,4,9\], expected \[2,4,3,3\]/);
  assert.throws(() => batchNormBackward(c4(), c4(), c4(), y, x, c4(), c4(), c4()), /batchNormBackward: 'dx' has shape \[4\], expected \[2,4,3,3\]/);
});

test.run();
