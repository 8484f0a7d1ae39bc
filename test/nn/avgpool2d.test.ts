// AvgPool2d: backward against finite differences, forward against onnxruntime's AveragePool with
// and without count_include_pad, dilated (opset 19) too, FLOPs, attrs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { ortRun } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { AvgPool2d, type AvgPool2dOptions } from '../../src/nn/layers/avgpool2d.js';

const cases: [AvgPool2dOptions, number[], number][] = [
  [{ kernel: 2 }, [3, 6, 6], 2],
  [{ kernel: 3, stride: 2, padding: 1 }, [2, 7, 5], 3],
  [{ kernel: 3, stride: 2, padding: 1, countIncludePad: true }, [2, 7, 5], 2],
  [{ kernel: [2, 3], stride: [1, 2], padding: [1, 2], countIncludePad: true }, [2, 5, 7], 1],
  [{ kernel: [3, 1], padding: [1, 0] }, [1, 9, 4], 2],
  [{ kernel: 2, stride: 1, dilation: 2 }, [2, 6, 7], 2],
  [{ kernel: [3, 2], stride: [2, 1], padding: [2, 1], dilation: [2, 3] }, [2, 9, 8], 2],
  [{ kernel: [2, 3], stride: 2, padding: [1, 2], dilation: [3, 2], countIncludePad: true }, [1, 7, 9], 3],
];

test('AvgPool2d backward matches finite differences', async () => {
  for (const { k } of await backends()) {
    for (const [options, shape, batch] of cases) gradCheckLayer(k, new AvgPool2d(options), [shape], { batch });
  }
});

test('AvgPool2d forward matches onnxruntime AveragePool (count_include_pad 0 and 1)', async () => {
  const rng = new Rng(3);
  for (const { k } of await backends()) {
    for (const [options, shape, batch] of cases) {
      const layer = new AvgPool2d(options);
      const x = rng.f32(batch * shape[0] * shape[1] * shape[2]);
      const run = runLayer(k, layer, [shape], [x], { batch });
      const { kernel, stride, padding } = layer.window;
      const dilated = layer.dilation.some((d) => d !== 1);
      const want = await ortRun('AveragePool', [[x, [batch, ...shape]]], [batch, ...layer.outputShape([shape])], {
        kernel_shape: kernel, strides: stride, pads: [...padding, ...padding], count_include_pad: layer.countIncludePad ? 1 : 0,
        ...(dilated ? { dilations: layer.dilation } : {}),
      }, dilated ? 19 : 17);
      assertClose(run.y, want, `AvgPool2d ${JSON.stringify(options)} on [${shape}] [${k.build}]`, { atol: 1e-6, rtol: 1e-5 });
      run.model.dispose();
    }
  }
});

test('AvgPool2d FLOPs, shapes and attrs', () => {
  const pool = new AvgPool2d({ kernel: 2 });
  assert.equal(pool.outputShape([[6, 28, 28]]), [6, 14, 14]);
  assert.is(pool.flops([[6, 28, 28]]), 6 * 14 * 14 * 4);
  assert.equal(pool.attrs(), { kernel: 2, stride: 2, padding: 0, countIncludePad: false });
  const dilated = new AvgPool2d({ kernel: 3, stride: 1, dilation: [2, 1] });
  assert.equal(dilated.outputShape([[2, 9, 9]]), [2, 5, 7], 'a dilated window spans d·(k − 1) + 1');
  assert.equal(dilated.attrs().dilation, [2, 1]);
  for (const [options] of cases) {
    const a = new AvgPool2d(options).attrs();
    assert.equal(new AvgPool2d(a as unknown as AvgPool2dOptions).attrs(), a);
  }
});

test('AvgPool2d throws when options or input shapes are bad', () => {
  const make = (o: unknown) => () => new AvgPool2d(o as AvgPool2dOptions);
  assert.throws(make({ kernel: 0 }), /AvgPool2d: 'kernel' must be an integer ≥ 1 or \[h, w\], got 0/);
  assert.throws(make({ kernel: [3, 3], padding: [1, 3] }), /AvgPool2d: 'padding' must be smaller than the kernel \[3,3\] on each axis, got \[1, 3\]/);
  assert.throws(make({ kernel: 2, countIncludePad: 1 }), /AvgPool2d: 'countIncludePad' must be true or false, got 1/);
  assert.throws(make({ kernel: 2, countPad: true }), /AvgPool2d: unknown option 'countPad'; known: kernel, stride, padding, countIncludePad, dilation/);
  assert.throws(make({ kernel: 2, dilation: 0 }), /AvgPool2d: 'dilation' must be an integer ≥ 1 or \[h, w\], got 0/);
  assert.throws(make(3), /AvgPool2d: options must be an object, got 3/);
  const pool = new AvgPool2d({ kernel: 2 });
  assert.throws(() => pool.outputShape([[2, 3, 4, 4]]), /AvgPool2d expects a per-sample input \[C, H, W\], got \[2,3,4,4\]/);
  assert.throws(() => pool.outputShape([[2, 1, 4]]), /AvgPool2d: input \[2,1,4\] is 1×4, too small for kernel \[2,2\]/);
});

test.run();
