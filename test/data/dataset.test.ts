// Dataset: validation of shapes, labels and values; seeded shuffling; batching; normalisation.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset } from '../../src/nn/data/dataset.js';
import { permutation } from '../../src/nn/data/shuffle.js';
import { Rng } from '../helpers/rng.js';

/** n samples of shape [C,H,W], pixel k of sample i = (i·7 + k) mod 256, label i mod classes. */
function bytes(n: number, shape = [1, 2, 3], classes = 3, normalise?: Dataset['normalise'] | 'none'): Dataset {
  const S = shape[0] * shape[1] * shape[2];
  const pixels = Uint8Array.from({ length: n * S }, (_, k) => (Math.floor(k / S) * 7 + (k % S)) % 256);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  return new Dataset({ name: 'toy', shape, pixels, labels, classes, normalise });
}

test('empty dataset, wrong lengths, bad shapes and bad labels are refused with named errors', () => {
  const shape = [1, 2, 2];
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: new Uint8Array(0), labels: [] }), /dataset 'x' is empty/);
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: new Uint8Array(7), labels: [0, 1] }),
    /dataset 'x': 2 labels × \[1,2,2\] = 8 pixel values expected, got 7/);
  assert.throws(() => new Dataset({ name: 'x', shape: [1, 0, 2], pixels: new Uint8Array(4), labels: [0] }),
    /shape must be \[C, H, W\] of positive integers, got \[1, 0, 2\]/);
  assert.throws(() => new Dataset({ name: 'x', shape: [4], pixels: new Uint8Array(4), labels: [0] }), /shape must be \[C, H, W\]/);
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: new Uint8Array(8), labels: [0, 10], classes: 10 }),
    /label of sample 1 is 10, outside \[0, 10\)/);
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: new Uint8Array(8), labels: [0, 1.5] }),
    /label of sample 1 is 1.5, not a class index/);
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: new Uint8Array(8), labels: [-1, 0] }), /label of sample 0 is -1/);
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: [1, 2, 3, 4] as unknown as Uint8Array, labels: [0] }),
    /pixels must be a Uint8Array or a Float32Array, got Array/);
  assert.throws(() => new Dataset({ name: 'x', shape, pixels: new Uint8Array(4), labels: [100000] }), /classes must be an integer in \[1, 65536\], got 100001/);
});

test('NaN and Infinity in float data are refused, naming the sample and the position', () => {
  const pixels = new Float32Array(3 * 2 * 2 * 3);
  pixels[1 * 12 + 1 * 6 + 0 * 3 + 2] = NaN;
  assert.throws(() => new Dataset({ name: 'f', shape: [2, 2, 3], pixels, labels: [0, 0, 0] }),
    /dataset 'f': sample 1 has NaN at \[c=1, h=0, w=2\] \(value 8 of 12\)/);
  pixels.fill(0);
  pixels[35] = -Infinity;
  assert.throws(() => new Dataset({ name: 'f', shape: [2, 2, 3], pixels, labels: [0, 0, 0] }), /sample 2 has -Infinity at \[c=1, h=1, w=2\]/);
});

test('normalisation: (p/255 − mean)/std per channel; auto constants are the population mean and std', () => {
  const d = bytes(10, [2, 2, 2], 3);
  const S = 8;
  for (let c = 0; c < 2; c++) {
    const vals: number[] = [];
    for (let i = 0; i < 10; i++) for (let e = 0; e < 4; e++) vals.push(d.pixels[i * S + c * 4 + e] / 255);
    const m = vals.reduce((a, b) => a + b) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length);
    assert.ok(Math.abs(d.normalise.mean[c] - m) < 1e-12, `mean of channel ${c}`);
    assert.ok(Math.abs(d.normalise.std[c] - sd) < 1e-12, `std of channel ${c}`);
  }
  const n = d.withNormalise({ mean: [0.5, 0.25], std: 0.5 });
  const x = new Float32Array(2 * S);
  const y = new Int32Array(2);
  n.fillBatch(x, y, [7, 2]);
  assert.equal(Array.from(y), [1, 2]);
  for (let j = 0; j < 2; j++) {
    const i = [7, 2][j];
    for (let k = 0; k < S; k++) {
      const want = (n.pixels[i * S + k] / 255 - [0.5, 0.25][Math.floor(k / 4)]) / 0.5;
      assert.ok(Math.abs(x[j * S + k] - want) < 1e-6, `sample ${i} value ${k}: ${x[j * S + k]} vs ${want}`);
    }
  }
  const raw = d.withNormalise('none');
  raw.fillBatch(x, null, [3]);
  assert.ok(Math.abs(x[5] - raw.pixels[3 * S + 5] / 255) < 1e-7, "'none' only scales bytes to [0, 1]");
});

test('float stats and a constant channel; bad constants are refused', () => {
  const f = new Dataset({ name: 'f', shape: [1, 1, 2], pixels: Float32Array.from([1, 10, 3, 30]), labels: [0, 1] });
  assert.is(f.normalise.mean[0], 11);
  assert.ok(Math.abs(f.normalise.std[0] - Math.sqrt((100 + 1 + 64 + 361) / 4)) < 1e-12);
  const c = new Dataset({ name: 'c', shape: [1, 1, 2], pixels: new Uint8Array(4).fill(9), labels: [0, 1] });
  assert.equal([c.normalise.mean[0], c.normalise.std[0]], [9 / 255, 1], 'a constant channel gets std 1');
  assert.throws(() => f.withNormalise({ mean: 0, std: 0 }), /normalise.std\[0\] must be a finite number > 0, got 0/);
  assert.throws(() => bytes(2, [3, 1, 1]).withNormalise({ mean: [1, 2], std: 1 }), /normalise.mean must be a number or 3 numbers \(one per channel\), got \[1, 2\]/);
  assert.throws(() => f.withNormalise({ mean: NaN, std: 1 }), /normalise.mean\[0\] must be a finite number, got NaN/);
});

test('seeded shuffle: deterministic per seed, different across seeds, every index once per epoch', () => {
  const d = bytes(103);
  assert.equal(Array.from(d.order({ shuffle: true, seed: 5 })), Array.from(d.order({ shuffle: true, seed: 5 })));
  assert.not.equal(Array.from(d.order({ shuffle: true, seed: 5 })), Array.from(d.order({ shuffle: true, seed: 6 })));
  assert.equal(Array.from(d.order()), Array.from({ length: 103 }, (_, i) => i), 'no shuffle: in order');
  for (const seed of [0, 1, 2, 99]) {
    const seen = new Int32Array(103);
    let batches = 0;
    for (const b of d.batches(10, { shuffle: true, seed })) {
      batches++;
      assert.is(b.x.length, b.indices.length * d.sampleSize);
      b.indices.forEach((i, j) => { seen[i]++; assert.is(b.y[j], d.labels[i]); });
    }
    assert.is(batches, 11);
    assert.ok(seen.every((n) => n === 1), `seed ${seed}: every index exactly once`);
  }
  const p = permutation(1000, 42);
  assert.ok(Array.from(p).filter((v, i) => v === i).length < 10, 'a permutation that actually moves things');
});

test('batches: sizes, dropLast, the contents match fillBatch, and arguments are checked up front', () => {
  const d = bytes(25);
  assert.equal([...d.batches(10)].map((b) => b.y.length), [10, 10, 5]);
  assert.equal([...d.batches(10, { dropLast: true })].map((b) => b.y.length), [10, 10]);
  assert.is(d.batchCount(10), 3);
  assert.is(d.batchCount(10, true), 2);
  assert.is(d.batchCount(25, true), 1);
  const seen = new Set<number>();
  for (const b of d.batches(10, { shuffle: true, seed: 3, dropLast: true })) b.indices.forEach((i) => seen.add(i));
  assert.is(seen.size, 20, 'dropLast leaves out the 5 samples of the short batch');
  const [first] = d.batches(4, { shuffle: true, seed: 1 });
  const x = new Float32Array(4 * d.sampleSize);
  const y = new Int32Array(4);
  d.fillBatch(x, y, first.indices);
  assert.equal(x, first.x);
  assert.equal(y, first.y);
  assert.throws(() => d.batches(0), /batch size must be an integer ≥ 1, got 0/);
  assert.throws(() => d.batches(26, { dropLast: true }), /batch size 26 is larger than the 25 samples, so dropLast would leave no batch/);
  assert.throws(() => d.batches(4, { shuffle: true, seed: 1.5 }), /seed must be an integer, got 1.5/);
  assert.throws(() => d.fillBatch(new Float32Array(5), y, [0]), /fillBatch: x holds 5 values, 1 samples × \[1,2,3\] need 6/);
  assert.throws(() => d.fillBatch(x, new Int32Array(1), [0, 1]), /y holds 1 labels, 2 samples need 2/);
  assert.throws(() => d.fillBatch(x, y, [0, 25]), /index 1 is 25, outside \[0, 25\)/);
});

test('subset by range shares memory, by indices copies; both keep classes and normalisation', () => {
  const d = bytes(30).withNormalise({ mean: 0.1, std: 0.2 });
  const r = d.subset({ start: 10, end: 20 });
  assert.is(r.size, 10);
  assert.is(r.name, 'toy[10:20]');
  assert.is(r.pixels.buffer, d.pixels.buffer);
  assert.equal(r.normalise, d.normalise);
  assert.equal(Array.from(r.labels), Array.from(d.labels.subarray(10, 20)));
  const s = d.subset([29, 0, 0]);
  assert.equal(Array.from(s.labels), [d.labels[29], d.labels[0], d.labels[0]]);
  assert.equal(Array.from(s.pixels.subarray(0, 6)), Array.from(d.pixels.subarray(29 * 6, 30 * 6)));
  assert.is(s.classes, 3);
  assert.throws(() => d.subset({ start: 5, end: 5 }), /subset \[5, 5\) is empty/);
  assert.throws(() => d.subset({ start: 0, end: 31 }), /subset \[0, 31\) must satisfy 0 ≤ start ≤ end ≤ 30/);
  assert.throws(() => d.subset([]), /subset of 0 indices would be empty/);
  assert.throws(() => d.subset([3, -1]), /index 1 is -1, outside \[0, 30\)/);
});

test('classCounts counts labels, including classes with none', () => {
  const d = new Dataset({ name: 'c', shape: [1, 1, 1], pixels: new Uint8Array(5), labels: [0, 2, 2, 0, 2], classes: 4 });
  assert.equal(Array.from(d.classCounts()), [2, 0, 3, 0]);
  assert.match(String(d), /^c: 5 × \[1,1,1\] u8, 4 classes/);
});

test.run();
