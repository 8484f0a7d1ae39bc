// Distillation: the blended gradient against finite differences of the blended loss, the limits
// (α = 0 is plain training, a student equal to its teacher gets no soft gradient), and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { backends } from '../helpers/backends.js';
import { blendDistillation, teacherLogits, type Distillation } from '../../src/nn/distill.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { computeGradients, train } from '../../src/nn/train.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';

/** Mean cross-entropy of logits z [B, K] with labels y, and its gradient (softmax − onehot)/B, in float64. */
function crossEntropy(z: Float32Array, y: Int32Array): { loss: number; grad: Float32Array } {
  const B = y.length, K = z.length / B;
  const grad = new Float32Array(z.length);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let max = -Infinity;
    for (let j = 0; j < K; j++) max = Math.max(max, z[b * K + j]);
    let sum = 0;
    for (let j = 0; j < K; j++) sum += Math.exp(z[b * K + j] - max);
    loss += max + Math.log(sum) - z[b * K + y[b]];
    for (let j = 0; j < K; j++) grad[b * K + j] = (Math.exp(z[b * K + j] - max) / sum - (j === y[b] ? 1 : 0)) / B;
  }
  return { loss: loss / B, grad };
}

test('the blended gradient matches central finite differences of the blended loss', () => {
  const rng = new Rng(3);
  for (const [B, K, alpha, temperature] of [[3, 10, 0.7, 4], [5, 3, 0.3, 1], [1, 7, 1, 2.5], [4, 2, 0.5, 0.5]]) {
    const N = B + 3;
    const teacher = Float32Array.from({ length: N * K }, () => rng.uniform(-4, 4));
    const d: Distillation = { teacher, alpha, temperature };
    const indices = Int32Array.from({ length: B }, (_, b) => (b * 5 + 2) % N);
    const labels = Int32Array.from({ length: B }, () => rng.int(0, K - 1));
    const z = Float32Array.from({ length: B * K }, () => rng.uniform(-3, 3));
    // The mean blended loss: (1 − α)·CE + α·soft/B, as computeGradients sums it.
    const loss = (x: Float32Array) => {
      const ce = crossEntropy(x, labels);
      return (1 - alpha) * ce.loss + (alpha * blendDistillation(d, x, ce.grad.slice(), indices)) / B;
    };
    const grad = crossEntropy(z, labels).grad;
    blendDistillation(d, z, grad, indices);
    const h = 1e-2;
    const fd = Array.from(z, (_, i) => {
      const plus = z.slice(); plus[i] += h;
      const minus = z.slice(); minus[i] -= h;
      return (loss(plus) - loss(minus)) / (plus[i] - minus[i]);
    });
    assertClose(grad, fd, `B ${B}, K ${K}, α ${alpha}, T ${temperature}`, { atol: 2e-4, rtol: 2e-3 });
  }
});

test('a student equal to its teacher gets no soft gradient and no soft loss; α = 0 leaves the hard gradient as it was', () => {
  const rng = new Rng(5);
  const K = 6, B = 4;
  const z = Float32Array.from({ length: B * K }, () => rng.uniform(-5, 5));
  const indices = Int32Array.from([0, 1, 2, 3]);
  const hard = Float32Array.from({ length: B * K }, () => rng.uniform(-1, 1));
  const grad = hard.slice();
  const soft = blendDistillation({ teacher: z, alpha: 1, temperature: 3 }, z, grad, indices);
  assert.ok(Math.abs(soft) < 1e-9, `soft loss ${soft}`);
  assertClose(grad, new Float32Array(B * K), 'gradient', { atol: 1e-7, rtol: 0 });
  const same = hard.slice();
  blendDistillation({ teacher: z.map((v) => -v), alpha: 0, temperature: 3 }, z, same, indices);
  assert.equal(same, hard);
});

function images(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const pixels = Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255));
  const labels = Int32Array.from({ length: n }, () => rng.int(0, 9));
  return new Dataset({ name: `random-${n}`, shape: [1, 28, 28], pixels, labels, classes: 10 });
}

test('teacherLogits are the inference logits of every sample in order; training with α = 0 is training without', async () => {
  const [{ k }] = await backends();
  const data = images(70, 2);
  const teacher = new Model(new Graph(lenet300100()), k, { seed: 1 });
  const logits = teacherLogits(teacher, data, 32);
  assert.is(logits.length, 700);
  data.fillBatch(teacher.input(1).f32(), null, [45]);
  // A batch of one takes other GEMM paths than a batch of 32: equal within rounding.
  assertClose(logits.subarray(450, 460), teacher.forward(1).f32(), 'sample 45');

  const options = { epochs: 1, batchSize: 16, seed: 3, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } as const };
  const plain = new Model(new Graph(lenet300100()), k, { seed: 9 });
  const zero = new Model(new Graph(lenet300100()), k, { seed: 9 });
  const a = await train(plain, data, options);
  const b = await train(zero, data, { ...options, distill: { teacher: logits, alpha: 0, temperature: 4 } });
  assert.equal(zero.params.values.toArray(), plain.params.values.toArray());
  assert.equal(b.map((r) => r.loss), a.map((r) => r.loss));

  // With α = 1 and the model as its own teacher, the first step has nothing to learn.
  const self = new Model(new Graph(lenet300100()), k, { seed: 1 });
  const loss = new SoftmaxCrossEntropy(k);
  const { loss: soft } = computeGradients(self, loss, data, [3, 8, 13], new Int32Array(3), 1, { teacher: logits, alpha: 1, temperature: 2 });
  assert.ok(Math.abs(soft) < 1e-4, `soft loss ${soft}`);
  assert.ok(self.params.grads.f32().every((g) => Math.abs(g) < 1e-5), 'no gradient');
  for (const m of [teacher, plain, zero, self]) m.dispose();
  loss.dispose();
});

test('a bad distillation setting is refused before training, naming what is wrong', async () => {
  const [{ k }] = await backends();
  const data = images(20, 4);
  const model = new Model(new Graph(lenet300100()), k, { seed: 1 });
  const good = new Float32Array(200);
  for (const [distill, pattern] of [
    [{ teacher: new Float32Array(190), alpha: 0.5, temperature: 2 }, /train: the teacher's logits hold 190 values, dataset 'random-20' needs 20 samples × 10 classes = 200/],
    [{ teacher: good, alpha: 1.5, temperature: 2 }, /train: distillation 'alpha' must be in \[0, 1\], got 1.5/],
    [{ teacher: good, alpha: 0.5, temperature: 0 }, /'temperature' must be a finite number > 0, got 0/],
    [{ teacher: good.map((_, i) => (i === 57 ? NaN : 0)), alpha: 0.5, temperature: 2 }, /teacher's logit 7 of sample 5 is NaN/],
  ] as const) {
    const before = model.params.values.toArray();
    try {
      await train(model, data, { epochs: 1, distill });
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
    assert.equal(model.params.values.toArray(), before, 'nothing trained');
  }
  model.dispose();
});

test.run();
