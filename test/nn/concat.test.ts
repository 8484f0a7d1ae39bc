// Concat: backward against finite differences on several axes (and a value joined to itself),
// forward against a naive join, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheck, gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { Rng } from '../helpers/rng.js';
import { Concat } from '../../src/nn/layers/concat.js';
import { Dense } from '../../src/nn/layers/dense.js';

test('Concat backward matches finite differences along channels, rows, the last axis and rank 1', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Concat(), [[2, 3, 3], [4, 3, 3]], { batch: 2 });
    gradCheckLayer(k, new Concat({ axis: 1 }), [[2, 1, 3], [2, 4, 3], [2, 2, 3]], { batch: 2 });
    gradCheckLayer(k, new Concat({ axis: -1 }), [[2, 3, 1], [2, 3, 2]], { batch: 3 });
    gradCheckLayer(k, new Concat(), [[3], [5]], { batch: 2 });
  }
});

test('Concat of a value with itself, Concat(x, y, x), and a branch join check end to end', async () => {
  for (const { k } of await backends()) {
    const x = { name: 'x', shape: [2, 2, 2] };
    const y = { name: 'y', shape: [1, 2, 2] };
    gradCheck(k, { name: 'cat-xx', inputs: [x], nodes: [{ name: 'c', layer: new Concat(), inputs: ['x', 'x'] }], outputs: ['c'] }, { batch: 2 });
    gradCheck(k, { name: 'cat-xyx', inputs: [x, y], nodes: [{ name: 'c', layer: new Concat(), inputs: ['x', 'y', 'x'] }], outputs: ['c'] }, { batch: 2 });
    gradCheck(k, { name: 'cat-xx-2', inputs: [x], nodes: [{ name: 'c', layer: new Concat({ axis: 2 }), inputs: ['x', 'x', 'x'] }], outputs: ['c'] }, { batch: 2 });
    gradCheck(k, {
      name: 'branches',
      inputs: [{ name: 'v', shape: [5] }],
      nodes: [
        { name: 'a', layer: new Dense({ units: 3 }), inputs: ['v'] },
        { name: 'b', layer: new Dense({ units: 4 }), inputs: ['v'] },
        { name: 'cat', layer: new Concat(), inputs: ['a', 'v', 'b', 'a'] },
        { name: 'out', layer: new Dense({ units: 2 }), inputs: ['cat'] },
      ],
      outputs: ['out'],
    }, { batch: 3 });
  }
});

test('Concat forward joins along the axis, sample by sample', async () => {
  const rng = new Rng(6);
  for (const { k } of await backends()) {
    const B = 2;
    const a = rng.f32(B * 2 * 3 * 2);
    const b = rng.f32(B * 2 * 1 * 2);
    const cases: [number, number[][], number[]][] = [
      [1, [[2, 3, 2], [2, 1, 2]], [2, 4, 2]],
      [-2, [[2, 3, 2], [2, 1, 2]], [2, 4, 2]],
    ];
    for (const [axis, shapes, out] of cases) {
      const layer = new Concat({ axis });
      assert.equal(layer.outputShape(shapes), out);
      const run = runLayer(k, layer, shapes, [a, b], { batch: B });
      // [B, C, H, W] → element (n, c, h, w) of the join takes row h from a when h < 3, else row h − 3 of b.
      const want: number[] = [];
      for (let n = 0; n < B; n++) for (let c = 0; c < 2; c++) for (let h = 0; h < 4; h++) for (let w = 0; w < 2; w++) {
        want.push(h < 3 ? a[((n * 2 + c) * 3 + h) * 2 + w] : b[((n * 2 + c) * 1 + (h - 3)) * 2 + w]);
      }
      assert.equal(Array.from(run.y), Array.from(Float32Array.from(want)), `Concat axis ${axis} [${k.build}]`);
      run.model.dispose();
    }
  }
});

test('Concat shapes, FLOPs and attrs', () => {
  const c = new Concat();
  assert.equal(c.outputShape([[64, 28, 28], [32, 28, 28], [32, 28, 28]]), [128, 28, 28]);
  assert.equal(c.outputShape([[3], [4]]), [7]);
  assert.equal(new Concat({ axis: -1 }).outputShape([[2, 3], [2, 5]]), [2, 8]);
  assert.is(c.flops(), 0);
  assert.equal(c.attrs(), { axis: 0 });
  assert.equal(new Concat({ axis: -1 }).attrs(), { axis: -1 });
});

test('Concat throws when options or input shapes are bad', () => {
  assert.throws(() => new Concat({ axis: 0.5 }), /Concat: 'axis' must be an integer, got 0.5/);
  assert.throws(() => new Concat({ dim: 1 } as never), /Concat: unknown option 'dim'; known: axis/);
  assert.throws(() => new Concat({ axis: 3 }).outputShape([[2, 3, 3], [2, 3, 3]]), /Concat: 'axis' 3 is outside a per-sample shape of rank 3/);
  assert.throws(() => new Concat({ axis: -4 }).outputShape([[2, 3, 3], [2, 3, 3]]), /Concat: 'axis' -4 is outside a per-sample shape of rank 3/);
  assert.throws(() => new Concat().outputShape([[2, 3, 3], [2, 4, 3]]),
    /Concat along axis 0: input 1 is \[2,4,3\], input 0 is \[2,3,3\]; all dimensions but axis 0 must agree/);
  assert.throws(() => new Concat().outputShape([[2, 3, 3], [2, 9]]), /Concat along axis 0: input 1 is \[2,9\], input 0 is \[2,3,3\]/);
});

test.run();
