// ONNX import, op by op: small models built in memory run in onnxruntime-web and in lopper after
// import, outputs within 1e-4; the op variants (opsets, attributes, padding modes, broadcasting,
// constants in Constant nodes, shape chains, NHWC transposes) and what they import as.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { assertClose } from '../helpers/close.js';
import { ortRunModel } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { onnxModel, weights, type ModelSpec } from '../helpers/onnx-build.js';
import { agree, ops, single } from '../helpers/onnx-agree.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { exportOnnx } from '../../src/io/onnx/export.js';

test('Gemm (transB, alpha, beta, C of every accepted shape) and MatMul (+ Add folded into the bias)', async () => {
  const [{ k }] = await backends();
  const W = weights(5 * 4);
  const cases: [string, ModelSpec][] = [
    ['gemm transB=0 alpha beta C[N]', single('Gemm', [3, 4], { alpha: { f: 0.5 }, beta: { f: 2 } }, { inputs: ['W', 'C'], init: [{ name: 'W', dims: [4, 5], floats: W }, { name: 'C', dims: [5], floats: weights(5, 2) }] })],
    ['gemm transB=1 C[1,N]', single('Gemm', [3, 4], { transB: 1 }, { inputs: ['W', 'C'], init: [{ name: 'W', dims: [5, 4], floats: W }, { name: 'C', dims: [1, 5], floats: weights(5, 2) }] })],
    ['gemm scalar C', single('Gemm', [3, 4], { beta: { f: -1 } }, { inputs: ['W', 'C'], init: [{ name: 'W', dims: [4, 5], floats: W }, { name: 'C', dims: [], floats: [0.25] }] })],
    ['gemm no C', single('Gemm', [3, 4], { transB: 1 }, { inputs: ['W'], init: [{ name: 'W', dims: [5, 4], floats: W }] })],
    ['matmul', single('MatMul', [3, 4], {}, { inputs: ['W'], init: [{ name: 'W', dims: [4, 5], floats: W }] })],
  ];
  for (const [label, spec] of cases) (await agree(k, label, spec, [[3, 4]])).dispose();
  const fused = await agree(k, 'matmul + add', {
    inputs: [{ name: 'x', dims: ['n', 4] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['b', 'h'], outputs: ['y'] }],
    init: [{ name: 'W', dims: [4, 5], floats: W }, { name: 'b', dims: [5], floats: weights(5, 3) }],
  }, [[2, 4]]);
  assert.equal(ops(fused), ['Dense'], 'MatMul + Add is one Dense with a bias');
  assert.equal(fused.graph.nodes[0].layer.attrs(), { units: 5, bias: true });
  fused.dispose();
});

test('Conv: auto_pad SAME_UPPER/SAME_LOWER/VALID, asymmetric pads, groups, dilations, no bias', async () => {
  const [{ k }] = await backends();
  const w = (m: number, c: number, kh: number, kw: number) => ({ name: 'W', dims: [m, c, kh, kw], floats: weights(m * c * kh * kw) });
  const cases: [string, ModelSpec][] = [
    ['same_upper s2', single('Conv', [2, 4, 7, 6], { auto_pad: 'SAME_UPPER', strides: [2, 2] }, { inputs: ['W', 'B'], init: [w(3, 4, 3, 2), { name: 'B', dims: [3], floats: weights(3, 5) }] })],
    ['same_lower', single('Conv', [2, 4, 7, 6], { auto_pad: 'SAME_LOWER', kernel_shape: [2, 2] }, { inputs: ['W'], init: [w(3, 4, 2, 2)] })],
    ['valid', single('Conv', [2, 4, 7, 6], { auto_pad: 'VALID' }, { inputs: ['W'], init: [w(3, 4, 3, 3)] })],
    ['asymmetric pads', single('Conv', [2, 4, 7, 6], { pads: [0, 1, 2, 1] }, { inputs: ['W'], init: [w(3, 4, 3, 3)] })],
    ['groups dilations', single('Conv', [2, 4, 9, 9], { group: 2, dilations: [2, 1], strides: [1, 2], pads: [1, 1, 1, 1] }, { inputs: ['W'], init: [w(6, 2, 3, 3)] })],
    ['depthwise', single('Conv', [2, 4, 5, 5], { group: 4, pads: [1, 1, 1, 1] }, { inputs: ['W'], init: [w(4, 1, 3, 3)] })],
  ];
  for (const [label, spec] of cases) {
    const dims = (spec.inputs[0].dims as number[]);
    const m = await agree(k, `Conv ${label}`, spec, [dims]);
    if (label === 'asymmetric pads' || label === 'same_lower') assert.equal(ops(m), ['Pad', 'Conv2d'], `${label}: an explicit Pad in front`);
    m.dispose();
  }
});

test('MaxPool and AveragePool: ceil_mode, asymmetric pads, auto_pad, count_include_pad; GlobalAveragePool on [N, C, L]', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 7, 6];
  const cases: [string, ModelSpec][] = [
    ['maxpool ceil', single('MaxPool', x, { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, { opset: 12 })],
    ['maxpool pads', single('MaxPool', x, { kernel_shape: [3, 3], pads: [1, 0, 2, 1], strides: [2, 1] })],
    ['maxpool same_upper', single('MaxPool', x, { kernel_shape: [3, 2], auto_pad: 'SAME_UPPER', strides: [2, 2] })],
    ['avgpool include pad', single('AveragePool', x, { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 })],
    ['avgpool exclude pad', single('AveragePool', x, { kernel_shape: [3, 2], pads: [1, 1, 1, 1], strides: [2, 2] })],
    ['avgpool asymmetric include', single('AveragePool', x, { kernel_shape: [2, 2], pads: [0, 0, 1, 1], count_include_pad: 1 })],
    ['avgpool ceil exact', single('AveragePool', [2, 3, 8, 8], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 })],
  ];
  for (const [label, spec] of cases) (await agree(k, label, spec, [spec.inputs[0].dims as number[]])).dispose();
  (await agree(k, 'global average pool [N, C, L]', single('GlobalAveragePool', [2, 3, 5]), [[2, 3, 5]])).dispose();
});

test('BatchNormalization on [N, C] and [N, C, H, W]; LRN', async () => {
  const [{ k }] = await backends();
  const bn = (C: number) => [
    { name: 's', dims: [C], floats: weights(C, 1).map((v) => v + 1) }, { name: 'b', dims: [C], floats: weights(C, 2) },
    { name: 'm', dims: [C], floats: weights(C, 3) }, { name: 'v', dims: [C], floats: weights(C, 4).map((v) => v + 1) },
  ];
  (await agree(k, 'bn 2-d', single('BatchNormalization', [3, 5], { epsilon: { f: 1e-3 } }, { inputs: ['s', 'b', 'm', 'v'], init: bn(5) }), [[3, 5]])).dispose();
  (await agree(k, 'bn 4-d opset 9', single('BatchNormalization', [2, 4, 3, 3], {}, { inputs: ['s', 'b', 'm', 'v'], init: bn(4), opset: 9 }), [[2, 4, 3, 3]])).dispose();
  (await agree(k, 'lrn', single('LRN', [2, 6, 3, 3], { size: 3, alpha: { f: 0.01 }, beta: { f: 0.6 }, bias: { f: 1.5 } }), [[2, 6, 3, 3]])).dispose();
});

test('activations, Clip (attributes before opset 11, inputs after), Softmax/LogSoftmax old and new, Dropout', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4, 2];
  const cases: [string, ModelSpec][] = [
    ['leaky', single('LeakyRelu', x, { alpha: { f: 0.2 } })],
    ['sigmoid', single('Sigmoid', x)], ['tanh', single('Tanh', x)], ['relu', single('Relu', x)],
    ['hardsigmoid', single('HardSigmoid', x, { alpha: { f: 0.3 }, beta: { f: 0.6 } })],
    ['hardswish', single('HardSwish', x, {}, { opset: 14 })],
    ['clip opset 9', single('Clip', x, { min: { f: -0.5 }, max: { f: 0.7 } }, { opset: 9 })],
    ['clip opset 13', single('Clip', x, {}, { inputs: ['lo', 'hi'], init: [{ name: 'lo', dims: [], floats: [-0.3] }, { name: 'hi', dims: [], floats: [0.4] }] })],
    ['clip max only', single('Clip', x, {}, { inputs: ['', 'hi'], init: [{ name: 'hi', dims: [], floats: [0.4] }] })],
    ['softmax opset 11 axis 1 (coerced)', single('Softmax', x, { axis: 1 }, { opset: 11 })],
    ['softmax opset 11 axis 2 (coerced)', single('Softmax', x, { axis: 2 }, { opset: 11 })],
    ['softmax opset 13 axis 1', single('Softmax', x, { axis: 1 })],
    ['logsoftmax default axis', single('LogSoftmax', x)],
    ['dropout opset 10', single('Dropout', x, { ratio: { f: 0.3 } }, { opset: 10 })],
    ['dropout opset 13', single('Dropout', x, {}, { inputs: ['r'], init: [{ name: 'r', dims: [], floats: [0.2] }] })],
    ['identity', single('Identity', x)],
  ];
  for (const [label, spec] of cases) {
    const m = await agree(k, label, spec, [x]);
    assert.equal(m.graph.outputs, ['y'], `${label}: the output keeps its name`);
    m.dispose();
  }
});

test('shape ops: Flatten, Reshape (0, −1, fixed batch), Squeeze/Unsqueeze (attrs and inputs), Transpose, Concat, Pad, ReduceMean', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4, 1];
  const i64 = (name: string, ints: number[]) => ({ name, dims: [ints.length], ints });
  const cases: [string, ModelSpec][] = [
    ['flatten', single('Flatten', x)],
    ['flatten axis 2 over a unit axis', single('Flatten', [2, 1, 4, 3], { axis: 2 })],
    ['reshape 0 -1', single('Reshape', x, {}, { inputs: ['s'], init: [i64('s', [0, 3, -1])] })],
    ['reshape fixed batch', single('Reshape', x, {}, { inputs: ['s'], init: [i64('s', [2, 12])] })],
    ['reshape -1 first', single('Reshape', x, {}, { inputs: ['s'], init: [i64('s', [-1, 4, 3])] })],
    ['squeeze opset 11', single('Squeeze', x, { axes: [3] }, { opset: 11 })],
    ['squeeze opset 13', single('Squeeze', x, {}, { inputs: ['a'], init: [i64('a', [-1])] })],
    ['unsqueeze opset 11', single('Unsqueeze', x, { axes: [2] }, { opset: 11 })],
    ['unsqueeze opset 13', single('Unsqueeze', x, {}, { inputs: ['a'], init: [i64('a', [-1, 1])] })],
    ['transpose', single('Transpose', x, { perm: [0, 2, 3, 1] })],
    ['pad opset 9', single('Pad', x, { pads: [0, 0, 1, 0, 0, 1, 0, 2], value: { f: 1.5 } }, { opset: 9 })],
    ['pad opset 13', single('Pad', x, {}, { inputs: ['p', 'v'], init: [i64('p', [0, 1, 0, 1, 0, 0, 2, 0]), { name: 'v', dims: [], floats: [-2] }] })],
    ['pad reflect', single('Pad', [2, 3, 4, 3], { mode: 'reflect' }, { inputs: ['p'], init: [i64('p', [0, 0, 2, 1, 0, 0, 1, 2])] })],
    ['pad edge opset 9', single('Pad', x, { mode: 'edge', pads: [0, 0, 2, 1, 0, 0, 1, 2] }, { opset: 9 })],
    ['pad opset 18 axes', single('Pad', x, {}, { opset: 18, inputs: ['p', '', 'a'], init: [i64('p', [1, 2]), i64('a', [2])] })],
    ['reducemean keepdims', single('ReduceMean', x, { axes: [2, 3] })],
    ['reducemean opset 18', single('ReduceMean', x, { keepdims: 0 }, { opset: 18, inputs: ['a'], init: [i64('a', [1])] })],
  ];
  for (const [label, spec] of cases) (await agree(k, label, spec, [spec.inputs[0].dims as number[]])).dispose();
  (await agree(k, 'concat axes', {
    inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [2, 3, 2] }],
    outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Concat', inputs: ['a', 'b'], outputs: ['ab'], attrs: { axis: -1 } },
      { op: 'Concat', inputs: ['ab', 'ab'], outputs: ['y'], attrs: { axis: 1 } },
    ],
  }, [[2, 3, 4], [2, 3, 2]])).dispose();
});

test('Add/Sub/Mul/Div: per-channel and scalar constants on either side, broadcasting between values; Sum', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4, 4];
  const c3 = { name: 'c', dims: [3, 1, 1], floats: weights(3).map((v) => v + 1) };
  const s = { name: 's', dims: [], floats: [1.5] };
  const cases: [string, ModelSpec][] = [];
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    cases.push([`${op} x∘c`, { inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], nodes: [{ op, inputs: ['x', 'c'], outputs: ['y'] }], init: [c3] }]);
    cases.push([`${op} s∘x`, { inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], nodes: [{ op, inputs: ['s', 'x'], outputs: ['y'] }], init: [s] }]);
    cases.push([`${op} x∘gap(x)`, {
      inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }],
      nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['g'] }, { op: 'Sigmoid', inputs: ['g'], outputs: ['h'] }, { op, inputs: ['x', 'h'], outputs: ['y'] }],
    }]);
  }
  const positive = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.uniform(0.5, 2));
  for (const [label, spec] of cases) (await agree(k, label, spec, [x], positive)).dispose();
  (await agree(k, 'sum', {
    inputs: [{ name: 'a', dims: [2, 5] }, { name: 'b', dims: [2, 5] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Sum', inputs: ['a', 'b', 'a'], outputs: ['y'] }],
  }, [[2, 5], [2, 5]])).dispose();
});

test('constants from Constant nodes fold, and a symbolic-batch shape chain feeds Reshape', async () => {
  const [{ k }] = await backends();
  const m = await agree(k, 'shape chain', {
    inputs: [{ name: 'x', dims: ['N', 2, 3, 3] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['shape'] },
      { op: 'Constant', inputs: [], outputs: ['zero'], attrs: { value: { t: { dims: [], ints: [0] } } } },
      { op: 'Gather', inputs: ['shape', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['n', 'axis0'], outputs: ['n1'] },
      { op: 'Constant', inputs: [], outputs: ['rest'], attrs: { value_ints: [-1] } },
      { op: 'Concat', inputs: ['n1', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['x', 'target'], outputs: ['flat'] },
      { op: 'Constant', inputs: [], outputs: ['scale'], attrs: { value_floats: { floats: Array.from({ length: 18 }, (_, i) => i / 10) } } },
      { op: 'Constant', inputs: [], outputs: ['two'], attrs: { value_float: { f: 2 } } },
      { op: 'Mul', inputs: ['scale', 'two'], outputs: ['scale2'] },
      { op: 'Mul', inputs: ['flat', 'scale2'], outputs: ['y'] },
    ],
    init: [{ name: 'axis0', dims: [1], ints: [0] }],
  }, [[3, 2, 3, 3]]);
  assert.equal(ops(m), ['Flatten', 'Mul'], 'the shape chain and the constant arithmetic fold away');
  m.dispose();
});

test('NHWC: transposes around convolutions cancel; only the ones at the ends remain', async () => {
  const [{ k }] = await backends();
  const w = (name: string, m: number, c: number) => ({ name, dims: [m, c, 3, 3], floats: weights(m * c * 9, m + c) });
  const m = await agree(k, 'nhwc', {
    inputs: [{ name: 'x', dims: ['N', 6, 6, 3] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['t1'], attrs: { perm: [0, 3, 1, 2] } },
      { op: 'Conv', inputs: ['t1', 'w1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Transpose', inputs: ['c1'], outputs: ['t2'], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Relu', inputs: ['t2'], outputs: ['r'] },
      { op: 'Transpose', inputs: ['r'], outputs: ['t3'], attrs: { perm: [0, 3, 1, 2] } },
      { op: 'Conv', inputs: ['t3', 'w2'], outputs: ['c2'] },
      { op: 'Transpose', inputs: ['c2'], outputs: ['y'], attrs: { perm: [0, 2, 3, 1] } },
    ],
    init: [w('w1', 4, 3), w('w2', 5, 4)],
  }, [[2, 6, 6, 3]]);
  assert.equal(ops(m), ['Transpose', 'Conv2d', 'Relu', 'Conv2d', 'Transpose']);
  assert.equal(m.graph.outputs, ['y']);
  m.dispose();
});

test('an NHWC flatten read by one Gemm folds into the weights (no transpose, the convs stay prunable); read twice, it transposes', async () => {
  const [{ k }] = await backends();
  const spec = (twice: boolean): ModelSpec => ({
    inputs: [{ name: 'x', dims: ['N', 5, 5, 2] }], outputs: [{ name: 'y' }, ...(twice ? [{ name: 'z' }] : [])],
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['t1'], attrs: { perm: [0, 3, 1, 2] } },
      { op: 'Conv', name: 'conv', inputs: ['t1', 'w'], outputs: ['c'] },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Transpose', inputs: ['r'], outputs: ['t2'], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Flatten', inputs: ['t2'], outputs: ['f'] },
      { op: 'Gemm', name: 'fc', inputs: ['f', 'fw', 'fb'], outputs: ['y'], attrs: { transB: 1 } },
      ...(twice ? [{ op: 'Sigmoid', inputs: ['f'], outputs: ['z'] }] : []),
    ],
    init: [{ name: 'w', dims: [4, 2, 3, 3], floats: weights(72) }, { name: 'fw', dims: [3, 36], floats: weights(108, 2) }, { name: 'fb', dims: [3], floats: weights(3, 3) }],
  });
  const once = await agree(k, 'nhwc flatten → gemm', spec(false), [[2, 5, 5, 2]]);
  assert.equal(ops(once), ['Transpose', 'Conv2d', 'Relu', 'Flatten', 'Dense']);
  const { dependencyGroups } = await import('../../src/graph/dependency.js');
  assert.ok(dependencyGroups(once.graph).find((g) => g.producers.includes('conv'))!.prunable, 'the conv before the flatten is prunable');
  once.dispose();
  const twice = await agree(k, 'nhwc flatten read twice', spec(true), [[2, 5, 5, 2]]);
  assert.equal(ops(twice), ['Transpose', 'Conv2d', 'Relu', 'Transpose', 'Flatten', 'Dense', 'Sigmoid']);
  twice.dispose();
});

test('x · HardSigmoid(x; 1/6, 1/2) imports as HardSwish, so opset-13 exports round-trip', async () => {
  const [{ k }] = await backends();
  const m = await agree(k, 'decomposed hardswish', {
    opset: 13, inputs: [{ name: 'x', dims: [2, 7] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'HardSigmoid', inputs: ['x'], outputs: ['g'], attrs: { alpha: { f: 1 / 6 }, beta: { f: 0.5 } } },
      { op: 'Mul', inputs: ['g', 'x'], outputs: ['y'] },
    ],
  }, [[2, 7]], (rng, n) => Float32Array.from({ length: n }, () => rng.uniform(-5, 5)));
  assert.equal(ops(m), ['HardSwish']);
  const again = importOnnx(exportOnnx(m, { opset: 13 }), k);
  assert.equal(ops(again), ['HardSwish']);
  again.dispose();
  m.dispose();
});

test('nodes listed out of dependency order import in order; unused nodes are skipped (IR 10)', async () => {
  const [{ k }] = await backends();
  const m = await agree(k, 'out of order', {
    ir: 10, opset: 18, inputs: [{ name: 'x', dims: [2, 3] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Sigmoid', inputs: ['b'], outputs: ['y'], name: 'last' },
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'first' },
      { op: 'Tanh', inputs: ['a'], outputs: ['b'], name: 'middle' },
      { op: 'Erf', inputs: ['a'], outputs: ['unused'], name: 'dead' },
    ],
  }, [[2, 3]]);
  assert.equal(m.graph.nodes.map((n) => n.name), ['first', 'middle', 'y']);
  m.dispose();
});

test('graph outputs keep their names: an output read by another node, an input passed through, one value output twice', async () => {
  const [{ k }] = await backends();
  const bytes = onnxModel({
    inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'a' }, { name: 'b' }, { name: 'x2' }, { name: 'b2' }],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'relu' },
      { op: 'Sigmoid', inputs: ['a'], outputs: ['b'], name: 'sig' },
      { op: 'Identity', inputs: ['x'], outputs: ['x2'] },
      { op: 'Identity', inputs: ['b'], outputs: ['b2'] },
    ],
  });
  const model = importOnnx(bytes, k);
  assert.equal(model.graph.outputs, ['a', 'b', 'x2', 'b2']);
  assert.equal(ops(model), ['Relu', 'Sigmoid', 'Identity', 'Identity']);
  const x = Float32Array.of(-1, 0.5, 2, -3);
  const [a, b, x2, b2] = await ortRunModel(exportOnnx(model), [[x, [1, 4]]]);
  model.forward(1, { x });
  assertClose(a.data, model.activation('a').toArray(), 'a');
  assertClose(b.data, model.activation('b').toArray(), 'b');
  assert.equal(Array.from(x2.data), Array.from(x));
  assert.equal(Array.from(b2.data), Array.from(b.data));
  model.dispose();
});

test.run();
