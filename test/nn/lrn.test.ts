// Lrn: backward against finite differences (odd and even windows, strong and default alpha),
// forward against onnxruntime's LRN and a per-value reference, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { ortRun } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { Lrn, type LrnOptions } from '../../src/nn/layers/lrn.js';

/** ONNX's definition, one value at a time: window [c − floor((size−1)/2), c + ceil((size−1)/2)]. */
function reference(x: Float32Array, B: number, C: number, S: number, { size = 5, alpha = 1e-4, beta = 0.75, bias = 1 }: LrnOptions): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) {
    let sq = 0;
    for (let i = c - Math.floor((size - 1) / 2); i <= c + Math.ceil((size - 1) / 2); i++) {
      if (i >= 0 && i < C) sq += x[(b * C + i) * S + s] ** 2;
    }
    const at = (b * C + c) * S + s;
    y[at] = x[at] / (bias + (alpha / size) * sq) ** beta;
  }
  return y;
}

const strong: LrnOptions[] = [
  { size: 3, alpha: 1, beta: 0.75, bias: 2 },
  { size: 4, alpha: 2, beta: 0.5, bias: 1 },
  { size: 5, alpha: 1.5, beta: 1.2, bias: 0.5 },
  { size: 1, alpha: 1, beta: 0.75, bias: 1 },
  { size: 9, alpha: 1, beta: 0.75, bias: 1 },
];

test('Lrn backward matches finite differences (cross-channel terms made large by alpha)', async () => {
  for (const { k } of await backends()) {
    for (const o of strong) {
      gradCheckLayer(k, new Lrn(o), [[6, 2, 3]], { batch: 2, probes: 72 });
      gradCheckLayer(k, new Lrn(o), [[7]], { batch: 2 });
    }
    gradCheckLayer(k, new Lrn(), [[8, 3, 3]], { batch: 2 });
  }
});

test('Lrn forward matches the per-value definition, and onnxruntime LRN for odd sizes', async () => {
  const rng = new Rng(8);
  for (const { k } of await backends()) {
    for (const o of [{}, ...strong]) {
      const [B, C, H, W] = [2, 7, 3, 4];
      const x = rng.f32(B * C * H * W, -2, 2);
      const layer = new Lrn(o);
      const run = runLayer(k, layer, [[C, H, W]], [x], { batch: B });
      const label = `Lrn ${JSON.stringify(o)} [${k.build}]`;
      assertClose(run.y, reference(x, B, C, H * W, o), `${label} vs reference`, { atol: 1e-6, rtol: 1e-5 });
      if (layer.size % 2 === 0) { run.model.dispose(); continue; } // onnxruntime (like Caffe) takes odd sizes only
      const want = await ortRun('LRN', [[x, [B, C, H, W]]], [B, C, H, W],
        { size: layer.size, alpha: { float: layer.alpha }, beta: { float: layer.beta }, bias: { float: layer.bias } });
      assertClose(run.y, want, `${label} vs onnxruntime`, { atol: 1e-6, rtol: 1e-5 });
      run.model.dispose();
    }
  }
});

test('Lrn FLOPs and attrs', () => {
  assert.is(new Lrn().flops([[96, 55, 55]]), 96 * 55 * 55 * 9);
  assert.equal(new Lrn().outputShape([[96, 55, 55]]), [96, 55, 55]);
  assert.equal(new Lrn().attrs(), { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 });
  assert.equal(new Lrn({ size: 3, bias: 2 }).attrs(), { size: 3, alpha: 1e-4, beta: 0.75, bias: 2 });
});

test('Lrn throws when options or input shapes are bad', () => {
  assert.throws(() => new Lrn({ size: 0 }), /Lrn: 'size' must be an integer ≥ 1, got 0/);
  assert.throws(() => new Lrn({ size: 2.5 }), /Lrn: 'size' must be an integer ≥ 1, got 2.5/);
  assert.throws(() => new Lrn({ alpha: -1 }), /Lrn: 'alpha' must be a finite number ≥ 0, got -1/);
  assert.throws(() => new Lrn({ beta: Infinity }), /Lrn: 'beta' must be a finite number, got Infinity/);
  assert.throws(() => new Lrn({ bias: 0 }), /Lrn: 'bias' must be > 0, got 0/);
  assert.throws(() => new Lrn({ k: 2 } as never), /Lrn: unknown option 'k'; known: size, alpha, beta, bias/);
  assert.throws(() => new Lrn().outputShape([[1, 2, 3, 4]]), /Lrn expects a per-sample input \[C\], \[C, L\] or \[C, H, W\], got \[1,2,3,4\]/);
});

test.run();
