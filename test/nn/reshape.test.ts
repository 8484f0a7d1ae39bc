// Reshape and Transpose: backward against finite differences, forward against naive index maps,
// the channel flows that make them pass-throughs or pruning barriers, and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheck, gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { Rng } from '../helpers/rng.js';
import { Conv2d, Dense, Reshape, Transpose } from '../../src/nn/layers/index.js';

test('Reshape and Transpose backward match finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Reshape({ shape: [-1, 6] }), [[2, 3, 2]], { batch: 2 });
    gradCheckLayer(k, new Reshape({ shape: [4, 3] }), [[2, 3, 2]], { batch: 2 });
    gradCheckLayer(k, new Transpose({ perm: [1, 2, 0] }), [[2, 3, 4]], { batch: 2 });
    gradCheckLayer(k, new Transpose({ perm: [0, 2, 1] }), [[3, 1, 5]], { batch: 3 });
    gradCheckLayer(k, new Transpose({ perm: [0] }), [[5]], { batch: 2 });
    gradCheck(k, {
      name: 'transposed-conv',
      inputs: [{ name: 'x', shape: [5, 5, 2] }],
      nodes: [
        { name: 't', layer: new Transpose({ perm: [2, 0, 1] }), inputs: ['x'] },
        { name: 'c', layer: new Conv2d({ filters: 3, kernel: 3 }), inputs: ['t'] },
        { name: 'r', layer: new Reshape({ shape: [-1] }), inputs: ['c'] },
        { name: 'd', layer: new Dense({ units: 2 }), inputs: ['r'] },
      ],
      outputs: ['d'],
    }, { batch: 2 });
  }
});

test('Transpose forward moves each value to its permuted index', async () => {
  const rng = new Rng(2);
  for (const { k } of await backends()) {
    const [B, C, H, W] = [2, 3, 4, 5];
    const x = rng.f32(B * C * H * W);
    const run = runLayer(k, new Transpose({ perm: [1, 2, 0] }), [[C, H, W]], [x], { batch: B });
    assert.equal(new Transpose({ perm: [1, 2, 0] }).outputShape([[C, H, W]]), [H, W, C]);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      assert.is(run.y[((b * H + h) * W + w) * C + c], x[((b * C + c) * H + h) * W + w]);
    }
    run.model.dispose();
  }
});

test('Reshape infers −1 and copies values in order', async () => {
  for (const { k } of await backends()) {
    const x = Float32Array.from({ length: 24 }, (_, i) => i);
    assert.equal(new Reshape({ shape: [-1, 2] }).outputShape([[3, 2, 2]]), [6, 2]);
    const run = runLayer(k, new Reshape({ shape: [3, -1] }), [[2, 3, 2]], [x], { batch: 2 });
    assert.equal(Array.from(run.y), Array.from(x));
    run.model.dispose();
  }
});

test('channel flows: −1 on the channel axis follows the channels, a literal count fixes them', () => {
  assert.equal(new Reshape({ shape: [-1] }).channelFlow([[4, 3, 3]]), { kind: 'flatten' });
  assert.equal(new Reshape({ shape: [-1] }).channelFlow([[4]]), { kind: 'elementwise' });
  assert.equal(new Reshape({ shape: [-1, 9] }).channelFlow([[4, 3, 3]]), { kind: 'elementwise' });
  assert.equal(new Reshape({ shape: [-1, 1, 1] }).channelFlow([[4]]), { kind: 'elementwise' });
  assert.is(new Reshape({ shape: [4, 9] }).channelFlow([[4, 3, 3]]).kind, 'fixed');
  assert.is(new Reshape({ shape: [-1, 3] }).channelFlow([[4, 3, 3]]).kind, 'fixed');
  assert.equal(new Transpose({ perm: [0, 2, 1] }).channelFlow(), { kind: 'elementwise' });
  assert.is(new Transpose({ perm: [2, 0, 1] }).channelFlow().kind, 'fixed');
  assert.equal(new Reshape({ shape: [-1, 2] }).attrs(), { shape: [-1, 2] });
  assert.equal(new Transpose({ perm: [1, 0] }).attrs(), { perm: [1, 0] });
});

test('throws when shapes or permutations are bad', () => {
  assert.throws(() => new Reshape({ shape: [-1, -1] }), /Reshape: 'shape' must be a non-empty list of integers ≥ 1 with at most one −1, got \[-1, -1\]/);
  assert.throws(() => new Reshape({ shape: [0, 3] }), /Reshape: 'shape' must be/);
  assert.throws(() => new Reshape({ shape: [] }), /Reshape: 'shape' must be/);
  assert.throws(() => new Reshape({ shape: [5] }).outputShape([[2, 3]]), /Reshape: \[2,3\] \(6 values per sample\) cannot take the shape \[5\]/);
  assert.throws(() => new Reshape({ shape: [-1, 4] }).outputShape([[2, 3]]), /cannot take the shape \[-1,4\]/);
  assert.throws(() => new Transpose({ perm: [0, 0] }), /Transpose: 'perm' must be a permutation of 0…rank−1, got \[0, 0\]/);
  assert.throws(() => new Transpose({ perm: [1, 2] }), /Transpose: 'perm' must be a permutation/);
  assert.throws(() => new Transpose({ perm: [1, 0] }).outputShape([[2, 3, 4]]), /Transpose: 'perm' \[1,0\] does not fit a per-sample shape of rank 3/);
});

test.run();
