// BatchNorm: backward of the training and the inference forward against finite differences,
// batch statistics, running statistics, inference against onnxruntime, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { ortRun } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { BatchNorm } from '../../src/nn/layers/batchnorm.js';

test('BatchNorm backward (training: batch statistics) matches finite differences, 1-d and 2-d', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new BatchNorm(), [[5]], { batch: 6 });
    gradCheckLayer(k, new BatchNorm({ eps: 1e-3 }), [[3, 4, 4]], { batch: 2 });
    gradCheckLayer(k, new BatchNorm({ momentum: 0.5 }), [[4, 7]], { batch: 3 });
    gradCheckLayer(k, new BatchNorm(), [[2, 1, 1]], { batch: 5 });
  }
});

test('BatchNorm backward after an inference forward (running statistics) matches finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new BatchNorm(), [[5]], { batch: 3, training: false });
    // The helper's model starts with mean 0, var 1; here the statistics and gamma are set first.
    const rng = new Rng(4);
    const [B, C, S] = [3, 4, 6];
    const run = runLayer(k, new BatchNorm({ eps: 1e-3 }), [[C, 2, 3]], [rng.f32(B * C * S)], { batch: B });
    const { params } = run.model;
    params.value('y', 'runningMean').set(rng.f32(C));
    params.value('y', 'runningVar').set(rng.f32(C, 0.2, 3));
    params.value('y', 'gamma').set(rng.f32(C, 0.5, 2));
    params.value('y', 'beta').set(rng.f32(C));
    const r = rng.f32(B * C * S);
    const loss = () => run.forward(false).reduce((sum, v, i) => sum + v * r[i], 0);
    loss();
    const dr = k.from(r, [B, C, 2, 3]);
    run.model.backward(dr, { inputGradients: true });
    dr.dispose();
    const h = 1e-2;
    const numeric = (get: () => Float32Array, n: number) => Array.from({ length: n }, (_, i) => {
      const old = get()[i];
      get()[i] = old + h;
      const up = loss();
      get()[i] = old - h;
      const down = loss();
      get()[i] = old;
      return (up - down) / (2 * h);
    });
    const label = `BatchNorm inference backward [${k.build}]`;
    const tol = { atol: 1e-3, rtol: 5e-3 };
    assertClose(run.model.gradient('x0').toArray(), numeric(() => run.model.input(B, 'x0').f32(), B * C * S), `${label} dx`, tol);
    for (const name of ['gamma', 'beta']) {
      assertClose(params.grad('y', name).toArray(), numeric(() => params.value('y', name).f32(), C), `${label} d${name}`, tol);
    }
    run.model.dispose();
  }
});

test('BatchNorm training normalises per channel and updates the running statistics; inference uses them', async () => {
  const rng = new Rng(9);
  for (const { k } of await backends()) {
    const [B, C, S] = [4, 3, 6];
    const x = Float32Array.from({ length: B * C * S }, (_, i) => rng.uniform(-1, 1) * (1 + Math.floor(i / S) % C) + 2);
    const run = runLayer(k, new BatchNorm({ momentum: 0.25 }), [[C, 2, 3]], [x], { batch: B, training: true });
    const runMean = run.model.params.value('y', 'runningMean').toArray();
    const runVar = run.model.params.value('y', 'runningVar').toArray();
    for (let c = 0; c < C; c++) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) { xs.push(x[(b * C + c) * S + s]); ys.push(run.y[(b * C + c) * S + s]); }
      const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
      const m = mean(xs);
      const biased = mean(xs.map((v) => (v - m) ** 2));
      assertClose([mean(ys), mean(ys.map((v) => v * v))], [0, biased / (biased + 1e-5)], `channel ${c} of y`, { atol: 1e-5 });
      assertClose([runMean[c], runVar[c]], [0.25 * m, 0.75 + 0.25 * biased * (B * S) / (B * S - 1)], `running stats of channel ${c}`);
    }
    // Inference with those statistics, against onnxruntime's BatchNormalization.
    const gamma = rng.f32(C, 0.5, 2);
    const beta = rng.f32(C);
    run.model.params.value('y', 'gamma').set(gamma);
    run.model.params.value('y', 'beta').set(beta);
    const y = run.forward(false);
    const want = await ortRun('BatchNormalization', [[x, [B, C, 2, 3]], [gamma, [C]], [beta, [C]], [runMean as Float32Array, [C]], [runVar as Float32Array, [C]]],
      [B, C, 2, 3], { epsilon: { float: 1e-5 } });
    assertClose(y, want, `BatchNorm inference [${k.build}]`);
    assert.equal(run.model.params.value('y', 'runningMean').toArray(), runMean, 'inference leaves the running mean alone');
    run.model.dispose();
  }
});

test('BatchNorm parameters, FLOPs and attrs', () => {
  const bn = new BatchNorm();
  assert.equal(bn.params([[16, 8, 8]]).map((p) => [p.name, p.shape, p.init.kind, p.trainable]), [
    ['gamma', [16], 'ones', true], ['beta', [16], 'zeros', true],
    ['runningMean', [16], 'zeros', false], ['runningVar', [16], 'ones', false],
  ]);
  assert.equal(bn.outputShape([[16, 8, 8]]), [16, 8, 8]);
  assert.is(bn.flops([[16, 8, 8]]), 2 * 16 * 64);
  assert.is(bn.flops([[100]]), 200);
  assert.equal(bn.attrs(), { eps: 1e-5, momentum: 0.1 });
  assert.equal(new BatchNorm({ eps: 1e-3, momentum: 0 }).attrs(), { eps: 1e-3, momentum: 0 });
});

test('BatchNorm throws when options, input shapes or the batch are bad', async () => {
  assert.throws(() => new BatchNorm({ eps: -1 }), /BatchNorm: 'eps' must be a finite number ≥ 0, got -1/);
  assert.throws(() => new BatchNorm({ momentum: 1.5 }), /BatchNorm: 'momentum' must be a number in \[0, 1\], got 1.5/);
  assert.throws(() => new BatchNorm({ momentum: NaN }), /BatchNorm: 'momentum' must be a number in \[0, 1\], got NaN/);
  assert.throws(() => new BatchNorm({ epsilon: 1e-3 } as never), /BatchNorm: unknown option 'epsilon'; known: eps, momentum/);
  assert.throws(() => new BatchNorm().outputShape([[2, 3, 4, 5]]), /BatchNorm expects a per-sample input \[C\], \[C, L\] or \[C, H, W\], got \[2,3,4,5\]/);
  assert.throws(() => new BatchNorm().params([[]]), /BatchNorm expects a per-sample input \[C\], \[C, L\] or \[C, H, W\], got \[\]/);
  const [{ k }] = await backends();
  assert.throws(() => runLayer(k, new BatchNorm(), [[4]], [new Float32Array(4)], { batch: 1, training: true }),
    /BatchNorm: training needs more than one value per channel, got batch 1 of \[4\]/);
});

test.run();
