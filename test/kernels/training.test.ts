// Kernels the training engine leans on — bias add/grad, SGD and Adam steps, maxout — against
// their twins on every build, with masks, L1 and NaN.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';

const SIZES = [1, 3, 4, 5, 7, 8, 9, 17, 33, 129, 257];

test('bias add and bias gradient, dense (S = 1) and spatial', async () => {
  const rng = new Rng(21);
  for (const { k } of await backends()) {
    for (const [B, C, S] of [[1, 1, 1], [3, 7, 1], [2, 33, 1], [4, 5, 9], [2, 3, 17], [1, 8, 4], [3, 20, 576]]) {
      twin(k, 'f32_bias_add', [rng.f32(B * C * S), rng.f32(C), B, C, S], `B${B} C${C} S${S}`);
      twin(k, 'f32_bias_grad', [rng.f32(C), rng.f32(B * C * S), B, C, S], `B${B} C${C} S${S}`, { atol: 1e-4 });
    }
  }
});

test('SGD step: plain, momentum, Nesterov, decay, L1, mask', async () => {
  const rng = new Rng(22);
  for (const { k } of await backends()) {
    for (const n of SIZES) {
      for (const [mu, nesterov, wd, l1, hasMask] of [[0, 0, 0, 0, 0], [0.9, 0, 5e-4, 0, 1], [0.9, 1, 0, 1e-4, 1], [0.5, 0, 1e-3, 1e-3, 0]]) {
        const w = rng.f32(n);
        w[0] = 0; // sign(0) = 0 for the L1 term
        const mask = Float32Array.from(rng.f32(n), (v) => (v > 0 ? 1 : 0));
        twin(k, 'f32_sgd_step', [w, rng.f32(n), rng.f32(n), mask, 0.05, mu, wd, l1, nesterov, hasMask, n],
          `n${n} μ${mu} nesterov${nesterov} wd${wd} l1${l1} mask${hasMask}`);
      }
    }
  }
});

test('Adam step with bias correction, decay, L1, mask', async () => {
  const rng = new Rng(23);
  for (const { k } of await backends()) {
    for (const n of SIZES) {
      for (const [t, wd, l1, hasMask] of [[1, 0, 0, 0], [3, 1e-4, 0, 1], [10, 0, 1e-4, 1]]) {
        const mask = Float32Array.from(rng.f32(n), (v) => (v > 0 ? 1 : 0));
        const v = rng.f32(n, 0, 0.01);
        twin(k, 'f32_adam_step', [rng.f32(n), rng.f32(n), rng.f32(n, -0.1, 0.1), v, mask,
          1e-3, 0.9, 0.999, 1e-8, wd, l1, 1 - 0.9 ** t, 1 - 0.999 ** t, hasMask, n], `n${n} t${t} mask${hasMask}`,
          { atol: 1e-5, rtol: 1e-3 });
      }
    }
  }
});

test('masked optimiser steps leave pruned weights exactly zero', async () => {
  for (const { k } of await backends()) {
    const n = 37;
    const w = k.from(new Float32Array(n).fill(0.5));
    const g = k.from(new Float32Array(n).fill(1));
    const m1 = k.tensor([n]);
    const m2 = k.tensor([n]);
    const mask = k.from(Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1)));
    k.wasm.f32_sgd_step(w.offset, g.offset, m1.offset, mask.offset, 0.1, 0.9, 1e-3, 1e-3, 1, 1, n);
    k.wasm.f32_adam_step(w.offset, g.offset, m1.offset, m2.offset, mask.offset, 0.1, 0.9, 0.999, 1e-8, 0, 0, 0.1, 0.001, 1, n);
    const ws = w.f32();
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) assert.ok(Object.is(ws[i], 0), `w[${i}] = ${ws[i]} must be +0`);
      else assert.ok(ws[i] < 0.5, `w[${i}] moved`);
    }
    for (const t of [w, g, m1, m2, mask]) t.dispose();
  }
});

test('maxout forward records the winner; backward routes to it; NaN wins', async () => {
  const rng = new Rng(24);
  for (const { k } of await backends()) {
    for (const [B, C, K, S] of [[1, 1, 1, 1], [2, 3, 4, 1], [3, 125, 4, 1], [2, 5, 3, 7], [1, 4, 2, 9]]) {
      const x = rng.f32(B * C * K * S);
      if (x.length > 5) x[5] = NaN;
      const argmax = new Int32Array(B * C * S);
      twin(k, 'f32_maxout_fwd', [new Float32Array(B * C * S), argmax, x, B, C, K, S], `fwd B${B} C${C} K${K} S${S}`);
      const winners = rng.i32(B * C * S, 0, K - 1);
      twin(k, 'f32_maxout_bwd', [rng.f32(B * C * K * S), rng.f32(B * C * S), winners, B, C, K, S], `bwd B${B} C${C} K${K} S${S}`);
    }
  }
});

test.run();
