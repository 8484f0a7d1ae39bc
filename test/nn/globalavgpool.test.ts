// GlobalAvgPool: backward against finite differences, forward against onnxruntime's
// GlobalAveragePool, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { ortRun } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { GlobalAvgPool } from '../../src/nn/layers/globalavgpool.js';

test('GlobalAvgPool backward matches finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new GlobalAvgPool(), [[3, 4, 5]], { batch: 2 });
    gradCheckLayer(k, new GlobalAvgPool(), [[5, 7]], { batch: 3 });
    gradCheckLayer(k, new GlobalAvgPool(), [[2, 1, 1]], { batch: 1 });
  }
});

test('GlobalAvgPool forward matches onnxruntime GlobalAveragePool', async () => {
  const rng = new Rng(5);
  for (const { k } of await backends()) {
    for (const [shape, batch] of [[[3, 4, 5], 2], [[16, 9, 9], 3], [[4, 13], 2]] as [number[], number][]) {
      const layer = new GlobalAvgPool();
      const x = rng.f32(batch * shape.reduce((a, b) => a * b, 1));
      const run = runLayer(k, layer, [shape], [x], { batch });
      const want = await ortRun('GlobalAveragePool', [[x, [batch, ...shape]]], [batch, ...layer.outputShape([shape])]);
      assertClose(run.y, want, `GlobalAvgPool on [${shape}] [${k.build}]`, { atol: 1e-6, rtol: 1e-5 });
      run.model.dispose();
    }
  }
});

test('GlobalAvgPool shapes, FLOPs and attrs', () => {
  const g = new GlobalAvgPool();
  assert.equal(g.outputShape([[512, 7, 7]]), [512, 1, 1]);
  assert.equal(g.outputShape([[8, 10]]), [8, 1]);
  assert.is(g.flops([[512, 7, 7]]), 512 * 49);
  assert.equal(g.attrs(), {});
});

test('GlobalAvgPool throws when options or input shapes are bad', () => {
  assert.throws(() => new GlobalAvgPool({ axis: 1 } as never), /GlobalAvgPool: unknown option 'axis'; known: \(none\)/);
  assert.throws(() => new GlobalAvgPool().outputShape([[10]]), /GlobalAvgPool expects a per-sample input \[C, L\] or \[C, H, W\], got \[10\]/);
  assert.throws(() => new GlobalAvgPool().outputShape([[2, 3, 4, 5]]), /GlobalAvgPool expects a per-sample input \[C, L\] or \[C, H, W\], got \[2,3,4,5\]/);
});

test.run();
