// Pad and ReduceMean: backward against finite differences, forward against naive loops, channel
// flow, and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { Pad, ReduceMean } from '../../src/nn/layers/index.js';

test('Pad and ReduceMean backward match finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Pad({ pads: [0, 1, 2, 0, 0, 1] }), [[2, 3, 3]], { batch: 2 });
    gradCheckLayer(k, new Pad({ pads: [0, -1, 1, 0, 2, -1], value: 0.5 }), [[2, 4, 3]], { batch: 2 });
    gradCheckLayer(k, new Pad({ pads: [1, 2] }), [[4]], { batch: 3 });
    gradCheckLayer(k, new Pad({ pads: [0, 2, 1, 0, 1, 2], mode: 'reflect' }), [[2, 3, 4]], { batch: 2 });
    gradCheckLayer(k, new Pad({ pads: [0, 3, -1, 0, 1, 2], mode: 'edge' }), [[2, 3, 4]], { batch: 2 });
    gradCheckLayer(k, new ReduceMean({ axes: [1, 2] }), [[3, 4, 2]], { batch: 2 });
    gradCheckLayer(k, new ReduceMean({ axes: [-1], keepdims: false }), [[3, 4]], { batch: 2 });
    gradCheckLayer(k, new ReduceMean({ axes: [0] }), [[3, 4]], { batch: 2 });
  }
});

test('Pad forward: the input at its offset, the value around it; negative pads crop', async () => {
  for (const { k } of await backends()) {
    const x = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i + 1);
    const layer = new Pad({ pads: [0, -1, 0, 2], value: -Infinity });
    assert.equal(layer.outputShape([[2, 3]]), [2, 4]);
    const run = runLayer(k, layer, [[2, 3]], [x], { batch: 2 });
    const want: number[] = [];
    for (let b = 0; b < 2; b++) for (let c = 0; c < 2; c++) for (let j = 0; j < 4; j++) {
      // Begin −1 on the last axis: output column j reads input column j + 1; the end pad adds −∞.
      want.push(j + 1 < 3 ? x[(b * 2 + c) * 3 + j + 1] : -Infinity);
    }
    assert.equal(Array.from(run.y), want);
    run.model.dispose();
  }
});

test('Pad forward in reflect and edge modes mirrors or repeats the border', async () => {
  for (const { k } of await backends()) {
    const x = [1, 2, 3, 4];
    const reflect = runLayer(k, new Pad({ pads: [2, 3], mode: 'reflect' }), [[4]], [x]);
    assert.equal(Array.from(reflect.y), [3, 2, 1, 2, 3, 4, 3, 2, 1]);
    reflect.model.dispose();
    const edge = runLayer(k, new Pad({ pads: [2, -1], mode: 'edge' }), [[4]], [x]);
    assert.equal(Array.from(edge.y), [1, 1, 1, 2, 3]);
    edge.model.dispose();
  }
});

test('ReduceMean forward averages over the axes, with and without keepdims', async () => {
  const rng = new Rng(4);
  for (const { k } of await backends()) {
    const x = rng.f32(2 * 3 * 4 * 5);
    const layer = new ReduceMean({ axes: [1, -1], keepdims: false });
    assert.equal(layer.outputShape([[3, 4, 5]]), [3]);
    assert.equal(new ReduceMean({ axes: [1, 2] }).outputShape([[3, 4, 5]]), [3, 1, 1]);
    const run = runLayer(k, layer, [[3, 4, 5]], [x], { batch: 2 });
    const want = Array.from({ length: 6 }, (_, bc) => {
      let s = 0;
      for (let i = 0; i < 20; i++) s += x[bc * 20 + i];
      return s / 20;
    });
    assertClose(run.y, want, 'ReduceMean', { atol: 1e-6 });
    run.model.dispose();
  }
});

test('channel flows, FLOPs and attrs', () => {
  assert.equal(new Pad({ pads: [0, 1, 0, 1] }).channelFlow(), { kind: 'elementwise' });
  assert.is(new Pad({ pads: [1, 0, 0, 0] }).channelFlow().kind, 'fixed');
  assert.equal(new Pad({ pads: [0, 1], value: -Infinity }).attrs(), { pads: [0, 1], value: '-Infinity', mode: 'constant' });
  assert.equal(new Pad({ pads: [1, 0], mode: 'reflect' }).attrs(), { pads: [1, 0], value: 0, mode: 'reflect' });
  assert.is(new Pad({ pads: [0, 1], value: '-Infinity' }).value, -Infinity);
  assert.equal(new ReduceMean({ axes: [1, 2] }).channelFlow([[3, 4, 5]]), { kind: 'elementwise' });
  assert.is(new ReduceMean({ axes: [-3] }).channelFlow([[3, 4, 5]]).kind, 'fixed');
  assert.is(new ReduceMean({ axes: [1] }).flops([[3, 4]]), 15);
  assert.equal(new ReduceMean({ axes: [1] }).attrs(), { axes: [1], keepdims: true });
});

test('throws when pads, axes or options are bad', () => {
  assert.throws(() => new Pad({ pads: [1, 2, 3] }), /Pad: 'pads' must be an even-length list of integers \(begins, then ends\), got \[1, 2, 3\]/);
  assert.throws(() => new Pad({ pads: [0, 0], value: NaN }), /Pad: 'value' must be a number, got NaN/);
  assert.throws(() => new Pad({ pads: [0, 0] }).outputShape([[2, 3]]), /Pad: 'pads' \[0,0\] is for rank 1, the per-sample input is \[2,3\]/);
  assert.throws(() => new Pad({ pads: [0, -2, 0, -2] }).outputShape([[2, 3]]), /Pad: pads \[0,-2,0,-2\] leave \[2,-1\] from \[2,3\]; every axis needs ≥ 1/);
  assert.throws(() => new Pad({ pads: [0, 0], mode: 'wrap' as never }), /Pad: 'mode' must be one of constant, reflect, edge, got "wrap"/);
  assert.throws(() => new Pad({ pads: [0, 3], mode: 'reflect' }).outputShape([[3]]), /Pad: reflect pads \[0,3\] need each pad < the axis size; axis 0 of \[3\] has 3/);
  assert.throws(() => new ReduceMean({ axes: [] }), /ReduceMean: 'axes' must be a non-empty list of integers, got \[\]/);
  assert.throws(() => new ReduceMean({ axes: [3] }).outputShape([[2, 3]]), /ReduceMean: axis 3 is outside a per-sample shape of rank 2/);
  assert.throws(() => new ReduceMean({ axes: [1, -1] }).outputShape([[2, 3]]), /ReduceMean: axis -1 is listed twice in \[1,-1\]/);
  assert.throws(() => new ReduceMean({ axes: [0], keepdims: false }).outputShape([[2]]), /leaves a per-sample scalar/);
  assert.throws(() => new ReduceMean({ axes: [0], keepdims: 1 } as never), /ReduceMean: 'keepdims' must be true or false, got 1/);
});

test.run();
