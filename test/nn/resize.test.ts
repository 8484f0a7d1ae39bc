// Resize: backward against finite differences (nearest and linear, 1-d and 2-d), forward values,
// channel flow, errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { Resize } from '../../src/nn/layers/resize.js';

test('Resize backward matches finite differences', async () => {
  const [{ k }] = await backends();
  gradCheckLayer(k, new Resize({ sizes: [5, 3], mode: 'linear' }), [[2, 3, 4]]);
  gradCheckLayer(k, new Resize({ sizes: [6, 2], coordinate: 'asymmetric', nearest: 'floor' }), [[2, 3, 4]]);
  gradCheckLayer(k, new Resize({ sizes: [7], mode: 'linear', coordinate: 'align_corners' }), [[2, 4]]);
});

test('Resize forward: nearest ×2 repeats, linear with align_corners interpolates between the ends', async () => {
  const [{ k }] = await backends();
  const near = runLayer(k, new Resize({ sizes: [1, 4], coordinate: 'asymmetric', nearest: 'floor' }), [[1, 1, 2]], [[1, 2]]);
  assert.equal(Array.from(near.y), [1, 1, 2, 2]);
  near.model.dispose();
  const lin = runLayer(k, new Resize({ sizes: [5], mode: 'linear', coordinate: 'align_corners' }), [[1, 2]], [[0, 4]]);
  assert.equal(Array.from(lin.y), [0, 1, 2, 3, 4]);
  lin.model.dispose();
  assert.is(new Resize({ sizes: [2, 2] }).channelFlow().kind, 'elementwise');
  assert.throws(() => new Resize({ sizes: [2, 2], mode: 'cubic' as never }), /'mode' must be 'nearest' or 'linear'/);
  assert.throws(() => new Resize({ sizes: [2, 2] }).outputShape([[3, 4]]), /2 output sizes for a per-sample input \[3,4\]/);
});

test.run();
