// Softmax cross-entropy kernels against their twins on every build (row and tail edges, extreme
// and non-finite logits, in place), and the façade's label checks.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../../src/kernels/ops/softmax.js';

const KS = [1, 3, 4, 5, 7, 8, 9, 17, 33, 129, 257, 1000, 4097];

test('softmax cross-entropy forward and backward match their twins', async () => {
  const rng = new Rng(31);
  for (const { k } of await backends()) {
    for (const B of [1, 3, 8]) {
      for (const K of KS) {
        const logits = rng.f32(B * K, -8, 8);
        const labels = rng.i32(B, 0, K - 1);
        const probs = new Float32Array(B * K);
        twin(k, 'f32_softmax_xent_fwd', [probs, logits, labels, B, K], `B${B} K${K}`);
        // Feed real probabilities to the backward.
        const p = k.from(logits, [B, K]);
        k.wasm.f32_softmax_xent_fwd(p.offset, p.offset, k.from(labels, [B], 'i32').offset, B, K);
        twin(k, 'f32_softmax_xent_bwd', [new Float32Array(B * K), p.f32().slice(), labels, B, K], `B${B} K${K}`);
        p.dispose();
      }
    }
  }
});

test('softmax stays finite for huge logits and tiny label probabilities', async () => {
  const rng = new Rng(32);
  for (const { k } of await backends()) {
    for (const K of [5, 10, 37]) {
      const B = 4;
      const logits = rng.f32(B * K, -1, 1);
      for (let b = 0; b < B; b++) logits[b * K + (b % K)] = b % 2 ? 3e4 : -3e4; // ±far out
      const labels = new Int32Array(B).map((_, b) => (b + 1) % K);
      twin(k, 'f32_softmax_xent_fwd', [new Float32Array(B * K), logits, labels, B, K], `extremes K${K}`,
        { returnTolerance: { atol: 1e-3, rtol: 1e-5 } });
      const t = k.from(logits, [B, K]);
      const loss = softmaxCrossEntropy(k.tensor([B, K]), t, k.from(labels, [B], 'i32'));
      assert.ok(Number.isFinite(loss) && loss > 1e4, `loss ${loss} is large but finite (p[label] underflows)`);
      t.dispose();
    }
    // Logits spanning more than exp's range in one row: every probability is still in [0, 1].
    const K = 23;
    const x = new Float32Array(K).map((_, i) => -100 * i);
    twin(k, 'f32_softmax_xent_fwd', [new Float32Array(K), x, new Int32Array([22]), 1, K], 'exp underflow');
  }
});

test('softmax propagates NaN and Inf per row', async () => {
  const rng = new Rng(33);
  for (const { k } of await backends()) {
    for (const K of [3, 9, 33]) {
      for (const [where, v] of [[0, NaN], [K - 1, NaN], [1, Infinity], [K >> 1, -Infinity]] as const) {
        const B = 3;
        const logits = rng.f32(B * K);
        logits[K + where] = v; // row 1 only
        const labels = new Int32Array([0, (where + 1) % K, K - 1]);
        const probs = new Float32Array(B * K);
        twin(k, 'f32_softmax_xent_fwd', [probs, logits, labels, B, K], `${v} at ${where} K${K}`);
      }
      // −Inf everywhere but one entry: that entry gets probability 1, the others exactly 0.
      const row = new Float32Array(K).fill(-Infinity);
      row[K - 1] = 2;
      const p = new Float32Array(K);
      twin(k, 'f32_softmax_xent_fwd', [p, row, new Int32Array([K - 1]), 1, K], `one finite K${K}`);
      const t = k.from(row, [1, K]);
      const probs = k.tensor([1, K]);
      assert.equal(softmaxCrossEntropy(probs, t, k.from([K - 1], [1], 'i32')), 0);
      assert.equal(Array.from(probs.f32()), Array.from(row, (_, i) => (i === K - 1 ? 1 : 0)));
    }
  }
});

test('softmax works in place (probs = logits, dlogits = probs)', async () => {
  const rng = new Rng(34);
  for (const { k } of await backends()) {
    for (const K of [7, 33, 1000]) {
      const B = 5;
      const labels = rng.i32(B, 0, K - 1);
      const x = rng.f32(B * K, -4, 4);
      twin(k, 'f32_softmax_xent_fwd', [x, x, labels, B, K], `K${K}`);
      const p = rng.f32(B * K, 0, 1);
      twin(k, 'f32_softmax_xent_bwd', [p, p, labels, B, K], `K${K}`);
    }
  }
});

test('softmax façade computes and validates labels before running', async () => {
  const [{ k }] = await backends();
  const logits = k.from([0, 0, Math.log(2), 1, 1, 1], [2, 3]);
  const probs = k.tensor([2, 3]);
  const labels = k.from([2, 0], [2], 'i32');
  const loss = softmaxCrossEntropy(probs, logits, labels);
  assert.ok(Math.abs(loss - (-Math.log(0.5) - Math.log(1 / 3)) / 2) < 1e-6, `loss ${loss}`);
  assert.ok(Array.from(probs.f32()).every((v, i) => Math.abs(v - [0.25, 0.25, 0.5, 1 / 3, 1 / 3, 1 / 3][i]) < 1e-6));
  const d = softmaxCrossEntropyBackward(k.tensor([2, 3]), probs, labels);
  assert.ok(Array.from(d.f32()).every((v, i) => Math.abs(v - [0.125, 0.125, -0.25, -1 / 3, 1 / 6, 1 / 6][i]) < 1e-6));

  const before = Array.from(probs.f32());
  assert.throws(() => softmaxCrossEntropy(probs, logits, k.from([1, 3], [2], 'i32')),
    /softmaxCrossEntropy: 'labels'\[1\] = 3 is outside \[0, 3\)/);
  assert.throws(() => softmaxCrossEntropy(probs, logits, k.from([-1, 7], [2], 'i32')),
    /softmaxCrossEntropy: 'labels'\[0\] = -1 is outside \[0, 3\)/);
  assert.equal(Array.from(probs.f32()), before, 'nothing ran on bad labels');
  assert.throws(() => softmaxCrossEntropyBackward(probs, probs, k.from([0, 5], [2], 'i32')),
    /softmaxCrossEntropyBackward: 'labels'\[1\] = 5 is outside \[0, 3\)/);
  assert.throws(() => softmaxCrossEntropy(probs, logits, k.from([0, 1], [2])), /softmaxCrossEntropy: 'labels' must be i32, got f32/);
  assert.throws(() => softmaxCrossEntropy(probs, logits, k.from([0, 1, 2], [3], 'i32')),
    /softmaxCrossEntropy: 'labels' has shape \[3\], expected \[2\]/);
  assert.throws(() => softmaxCrossEntropy(k.tensor([3, 2]), logits, labels), /softmaxCrossEntropy: 'probs' has shape \[3,2\], expected \[2,3\]/);
  assert.throws(() => softmaxCrossEntropy(k.tensor([6]), k.tensor([6]), labels), /softmaxCrossEntropy: 'logits' must have rank 2, got shape \[6\]/);
  assert.throws(() => softmaxCrossEntropy(k.tensor([0, 3]), k.tensor([0, 3]), k.tensor([0], 'i32')),
    /softmaxCrossEntropy: 'logits' has shape \[0,3\]: the batch is empty/);
});

test.run();
