// The layer registry: every op rebuilds from its attrs(); unknown ops are named.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Layer } from '../../src/nn/layer.js';
import {
  Add, AvgPool2d, BatchNorm, BroadcastAdd, Clip, Concat, Conv2d, Dense, Div, Dropout, Flatten, GlobalAvgPool, HardSigmoid, HardSwish,
  Identity, LeakyRelu, LogSoftmax, Lrn, Maxout, MaxPool2d, Mul, Pad, ReduceMean, Relu, Reshape, Sigmoid, Softmax, Sub, Tanh, Transpose,
  Slice, ReduceL2, ReduceMax, ReduceMin, ReduceSum, Abs, Erf, Exp, Log, Neg, Pow, Reciprocal, Sqrt, Elu, Gelu, Selu, Softplus, PRelu, Max, Mean, Min, RoundFloat, InstanceNorm, LayerNorm, ConvTranspose2d, Resize,
  layerFromAttrs, layerRegistry, FakeQuant,
} from '../../src/nn/layers/index.js';

const samples: Layer[] = [
  new Add(), new AvgPool2d({ kernel: [3, 2], stride: 1, padding: [1, 0], countIncludePad: true }), new BatchNorm({ eps: 1e-3 }),
  new Concat({ axis: -1 }), new Conv2d({ filters: 4, kernel: [3, 1], padding: 1, groups: 2 }), new Dense({ units: 7, bias: false }), new Dropout({ rate: 0.4 }), new Flatten(), new GlobalAvgPool(),
  new LeakyRelu({ slope: 0.2 }), new Lrn({ size: 3 }), new Maxout({ k: 3 }), new MaxPool2d({ kernel: 2, stride: 1 }), new Relu(),
  new BroadcastAdd({ operand: [3, 1] }), new Sub(), new Mul({ operand: [2] }), new Div({ operand: [1], operandFirst: true }),
  new Clip({ min: 0, max: 6 }), new Clip({ max: 1 }), new HardSigmoid({ alpha: 0.1 }), new HardSwish(), new Identity(), new Sigmoid(), new Tanh(),
  new Softmax({ axis: 0 }), new LogSoftmax(), new Reshape({ shape: [-1, 4] }), new Transpose({ perm: [2, 0, 1] }),
  new Pad({ pads: [0, 1, 0, 1], value: -Infinity }), new ReduceMean({ axes: [1, 2], keepdims: false }),
  new Slice({ axes: [1], starts: [1], ends: [3], steps: [2] }), new ReduceL2({ axes: [0] }), new ReduceMax({ axes: [1], keepdims: false }),
  new ReduceMin({ axes: [-1] }), new ReduceSum({ axes: [0, 1] }), new Abs(), new Erf(), new Exp(), new Log(), new Neg(), new Pow({ exponent: 2.5 }),
  new Reciprocal(), new Sqrt(), new Elu({ alpha: 0.3 }), new Gelu({ approximate: 'tanh' }), new Selu({ alpha: 1.5, gamma: 1.1 }), new Softplus(),
  new PRelu({ shared: true }), new Max(), new Mean(), new Min(), new RoundFloat({ to: 'bfloat16' }),
  new InstanceNorm({ eps: 1e-3 }), new LayerNorm({ axis: 1, eps: 1e-6, bias: false }),
  new ConvTranspose2d({ filters: 4, kernel: [3, 2], stride: [2, 1], pads: [1, 0, 0, 1], outputPadding: [1, 0], groups: 2, bias: false }),
  new Resize({ sizes: [4, 6], scales: [2, 3], mode: 'linear', coordinate: 'align_corners', nearest: 'ceil' }),
  new MaxPool2d({ kernel: [2, 3], stride: 1, padding: [1, 2], dilation: [2, 1] }),
  new FakeQuant({ scale: 0.05, zeroPoint: 3 }),
];

test('every layer is registered under its op and rebuilds from its attrs', () => {
  for (const layer of samples) {
    assert.is(layerRegistry[layer.op], layer.constructor, `registry entry for ${layer.op}`);
    const again = layerFromAttrs(layer.op, JSON.parse(JSON.stringify(layer.attrs())));
    assert.is(again.op, layer.op);
    assert.equal(again.attrs(), layer.attrs(), `${layer.op} attrs round trip`);
  }
  for (const [op, make] of Object.entries(layerRegistry)) {
    assert.ok(samples.some((l) => l.op === op), `a sample of ${op} in this test`);
    assert.is(make.name, op, `the class registered as '${op}'`);
  }
});

test('layerFromAttrs throws for an unknown op, naming the known ones', () => {
  assert.throws(() => layerFromAttrs('Attention', {}), /unknown op 'Attention'; known: Abs, Add, AvgPool2d, BatchNorm, BroadcastAdd, Clip, Concat, Conv2d, ConvTranspose2d, Dense, Div, Dropout/);
  assert.throws(() => layerFromAttrs('toString', {}), /unknown op 'toString'/);
  assert.throws(() => layerFromAttrs('MaxPool2d', { kernel: 0 }), /MaxPool2d: 'kernel' must be an integer ≥ 1 or \[h, w\], got 0/);
});

test.run();
