// MaxPool2d: backward against finite differences, forward against onnxruntime's MaxPool, FLOPs,
// attrs round trip and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer, spread } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { ortRun } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { Graph } from '../../src/graph/graph.js';
import { MaxPool2d, type MaxPool2dOptions } from '../../src/nn/layers/maxpool2d.js';

const cases: [MaxPool2dOptions, number[], number][] = [
  [{ kernel: 2 }, [3, 6, 6], 2],
  [{ kernel: 3, stride: 2, padding: 1 }, [2, 7, 5], 3],
  [{ kernel: [2, 3], stride: [1, 2], padding: [1, 0] }, [2, 5, 7], 1],
  [{ kernel: 1 }, [1, 1, 1], 4],
];

test('MaxPool2d backward matches finite differences (distinct inputs, no ties)', async () => {
  for (const { k } of await backends()) {
    for (const [options, shape, batch] of cases) {
      gradCheckLayer(k, new MaxPool2d(options), [shape], { batch, input: (rng, n) => spread(rng, n) });
    }
  }
});

test('dilated MaxPool2d: backward (through the shared argmax) matches finite differences', async () => {
  const [{ k }] = await backends();
  gradCheckLayer(k, new MaxPool2d({ kernel: [2, 2], stride: 1, padding: 1, dilation: [2, 3] }), [[2, 5, 6]], { input: spread });
});

test('MaxPool2d forward matches onnxruntime MaxPool, padding never wins', async () => {
  const rng = new Rng(7);
  for (const { k } of await backends()) {
    for (const [options, shape, batch] of cases) {
      const layer = new MaxPool2d(options);
      const x = rng.f32(batch * shape[0] * shape[1] * shape[2], -3, -1); // all negative: a zero pad would win
      const run = runLayer(k, layer, [shape], [x], { batch });
      const { kernel, stride, padding } = layer.window;
      const want = await ortRun('MaxPool', [[x, [batch, ...shape]]], [batch, ...layer.outputShape([shape])], {
        kernel_shape: kernel, strides: stride, pads: [...padding, ...padding],
      });
      assertClose(run.y, want, `MaxPool2d ${JSON.stringify(options)} on [${shape}] [${k.build}]`, { atol: 0, rtol: 0 });
      run.model.dispose();
    }
  }
});

test('MaxPool2d FLOPs and shapes per sample', () => {
  const pool = new MaxPool2d({ kernel: 2 });
  assert.equal(pool.outputShape([[20, 24, 24]]), [20, 12, 12]);
  assert.is(pool.flops([[20, 24, 24]]), 20 * 12 * 12 * 3);
  const padded = new MaxPool2d({ kernel: 3, stride: 2, padding: 1 });
  assert.equal(padded.outputShape([[8, 7, 5]]), [8, 4, 3]);
  assert.is(padded.flops([[8, 7, 5]]), 8 * 4 * 3 * 8);
  assert.is(new MaxPool2d({ kernel: 1 }).flops([[3, 4, 4]]), 0);
});

test('MaxPool2d attrs rebuild the layer', () => {
  for (const [options] of cases) {
    const a = new MaxPool2d(options).attrs();
    assert.equal(new MaxPool2d(a as unknown as MaxPool2dOptions).attrs(), a);
  }
  assert.equal(new MaxPool2d({ kernel: 2 }).attrs(), { kernel: 2, stride: 2, padding: 0 });
  assert.equal(new MaxPool2d({ kernel: [2, 3], stride: 1 }).attrs(), { kernel: [2, 3], stride: 1, padding: 0 });
});

test('MaxPool2d throws when options or input shapes are bad', () => {
  const make = (o: unknown) => () => new MaxPool2d(o as MaxPool2dOptions);
  assert.throws(make({ kernel: 0 }), /MaxPool2d: 'kernel' must be an integer ≥ 1 or \[h, w\], got 0/);
  assert.throws(make({}), /MaxPool2d: 'kernel' must be an integer ≥ 1 or \[h, w\], got undefined/);
  assert.throws(make({ kernel: [2, 2, 2] }), /MaxPool2d: 'kernel' must be an integer ≥ 1 or \[h, w\], got \[2, 2, 2\]/);
  assert.throws(make({ kernel: 2, stride: 1.5 }), /MaxPool2d: 'stride' must be an integer ≥ 1 or \[h, w\], got 1.5/);
  assert.throws(make({ kernel: 2, padding: -1 }), /MaxPool2d: 'padding' must be an integer ≥ 0 or \[h, w\], got -1/);
  assert.throws(make({ kernel: 2, padding: 2 }), /MaxPool2d: 'padding' must be smaller than the kernel \[2,2\] on each axis, got 2/);
  assert.throws(make({ kernel: 2, strides: 2 }), /MaxPool2d: unknown option 'strides'; known: kernel, stride, padding/);
  const pool = new MaxPool2d({ kernel: 3 });
  assert.throws(() => pool.outputShape([[12]]), /MaxPool2d expects a per-sample input \[C, H, W\], got \[12\]/);
  assert.throws(() => pool.outputShape([[1, 2, 5]]), /MaxPool2d: input \[1,2,5\] is 2×5, too small for kernel \[3,3\] with padding \[0,0\]/);
  assert.throws(() => new Graph({ name: 'g', inputs: [{ name: 'x', shape: [4, 2, 2] }], nodes: [{ name: 'p', layer: pool, inputs: ['x'] }], outputs: ['p'] }),
    /graph 'g': node 'p' \(MaxPool2d\) on input shapes \[4,2,2\]: MaxPool2d: input \[4,2,2\] is 2×2, too small/);
});

test.run();
