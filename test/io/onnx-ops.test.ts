// The ops added for models from the wild (issue 17), each imported and run against onnxruntime-web
// on random inputs, and re-exported: Slice, Split and the others below; what they import as.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { agree, i64, ops, single } from '../helpers/onnx-agree.js';
import type { ModelSpec } from '../helpers/onnx-build.js';
import { assertClose } from '../helpers/close.js';
import { ortRunModel } from '../helpers/ort.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { pruneFilters } from '../../src/prune/filters.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { parseOnnx } from '../../src/io/onnx/import.js';
import { decodeModel } from '../../src/io/onnx/proto.js';
import { readTensor } from '../../src/io/onnx/tensor.js';
import { OnnxError } from '../../src/io/onnx/errors.js';
import { onnxModel } from '../helpers/onnx-build.js';

test('Slice (attributes before opset 10, inputs since; negative, clamped, stepped, whole batch) and Split', async () => {
  const [{ k }] = await backends();
  const x = [2, 6, 5, 4];
  const big = 2 ** 62;
  const cases: [string, ModelSpec, string[]][] = [
    ['slice opset 9 attrs', single('Slice', x, { starts: [1, 0], ends: [4, -1], axes: [1, 3] }, { opset: 9 }), ['Slice']],
    ['slice steps', single('Slice', x, {}, { inputs: ['s', 'e', 'a', 'p'], init: [i64('s', [-5, 1]), i64('e', [big, 5]), i64('a', [2, 1]), i64('p', [2, 3])] }), ['Slice']],
    ['slice whole batch', single('Slice', x, {}, { inputs: ['s', 'e', 'a'], init: [i64('s', [0, 3]), i64('e', [big, big]), i64('a', [0, 1])] }), ['Slice']],
    ['slice whole batch to INT32_MAX', single('Slice', x, {}, { inputs: ['s', 'e', 'a'], init: [i64('s', [0, -2]), i64('e', [2 ** 31 - 1, 2 ** 31 - 1]), i64('a', [0, -1])] }), ['Slice']],
    ['slice default axes', single('Slice', x, {}, { inputs: ['s', 'e'], init: [i64('s', [0, 1, 1]), i64('e', [big, 3, 4])] }), ['Slice']],
    ['slice of nothing cut', single('Slice', x, {}, { inputs: ['s', 'e', 'a'], init: [i64('s', [0]), i64('e', [big]), i64('a', [-1])] }), []],
  ];
  for (const [label, spec, want] of cases) {
    const m = await agree(k, label, spec, [x]);
    assert.equal(ops(m).filter((o) => o !== 'Identity'), want, `${label}: imports as ${want}`);
    m.dispose();
  }
  const split = (attrs: ModelSpec['nodes'][0]['attrs'], inputs: string[], init: ModelSpec['init'], opset: number, outputs = 3): ModelSpec => ({
    opset, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], init,
    nodes: [
      { op: 'Split', inputs: ['x', ...inputs], outputs: Array.from({ length: outputs }, (_, i) => `p${i}`), attrs },
      { op: 'Concat', inputs: Array.from({ length: outputs }, (_, i) => `p${outputs - 1 - i}`), outputs: ['y'], attrs: { axis: (attrs as { axis: number }).axis } },
    ],
  });
  for (const [label, spec] of [
    ['split equal opset 11', split({ axis: 1 }, [], [], 11)],
    ['split attribute opset 11', split({ axis: 1, split: [1, 2, 3] }, [], [], 11)],
    ['split input opset 13', split({ axis: -3 }, ['s'], [i64('s', [3, 1, 2])], 13)],
    ['split num_outputs opset 18 (uneven)', split({ axis: 2, num_outputs: 2 }, [], [], 18, 2)],
  ] as [string, ModelSpec][]) {
    (await agree(k, label, spec, [x])).dispose();
  }
});

test('element-wise math and smooth activations; Pow with a constant exponent; PRelu per channel and shared', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4, 5];
  const positive = (rng: { uniform(a: number, b: number): number }, n: number) => Float32Array.from({ length: n }, () => rng.uniform(0.1, 3));
  const f = (name: string, v: number) => ({ name, dims: [] as number[], floats: [v] });
  const cases: [string, ModelSpec, string, typeof positive?][] = [
    ['exp', single('Exp', x), 'Exp'],
    ['log', single('Log', x), 'Log', positive],
    ['sqrt', single('Sqrt', x), 'Sqrt', positive],
    ['neg', single('Neg', x), 'Neg'],
    ['abs', single('Abs', x), 'Abs'],
    ['reciprocal', single('Reciprocal', x), 'Reciprocal', positive],
    ['erf', single('Erf', x), 'Erf'],
    ['elu', single('Elu', x, { alpha: { f: 0.7 } }), 'Elu'],
    ['selu', single('Selu', x), 'Selu'],
    ['selu attrs', single('Selu', x, { alpha: { f: 1.2 }, gamma: { f: 0.9 } }), 'Selu'],
    ['softplus', single('Softplus', x), 'Softplus'],
    ['gelu opset 20', single('Gelu', x, {}, { opset: 20 }), 'Gelu'],
    ['gelu tanh opset 20', single('Gelu', x, { approximate: 'tanh' }, { opset: 20 }), 'Gelu'],
    ['pow 2', single('Pow', x, {}, { inputs: ['p'], init: [f('p', 2)] }), 'Pow'],
    ['pow 0.5', single('Pow', x, {}, { inputs: ['p'], init: [f('p', 0.5)] }), 'Pow', positive],
    ['prelu [C,1,1]', single('PRelu', x, {}, { inputs: ['s'], init: [{ name: 's', dims: [3, 1, 1], floats: [0.1, -0.2, 0.3] }] }), 'PRelu'],
    ['prelu shared', single('PRelu', x, {}, { inputs: ['s'], init: [{ name: 's', dims: [1], floats: [0.25] }] }), 'PRelu'],
    ['prelu 2-d [C]', single('PRelu', [2, 3], {}, { inputs: ['s'], init: [{ name: 's', dims: [3], floats: [0.1, 0.5, 2] }] }), 'PRelu'],
  ];
  for (const [label, spec, want, input] of cases) {
    const dims = spec.inputs[0].dims as number[];
    const m = await agree(k, label, spec, [dims], input);
    assert.equal(ops(m), [want], `${label}: imports as ${want}`);
    m.dispose();
  }
});

test('Max, Min, Mean: variadic, broadcasting; a constant scalar in Max/Min is a Clip bound', async () => {
  const [{ k }] = await backends();
  const three = (op: string, dims: number[][], extra: { init?: ModelSpec['init']; consts?: string[] } = {}): ModelSpec => ({
    opset: 13, inputs: dims.map((d, i) => ({ name: `x${i}`, dims: d })), outputs: [{ name: 'y' }], init: extra.init,
    nodes: [{ op, inputs: [...dims.map((_, i) => `x${i}`), ...(extra.consts ?? [])], outputs: ['y'] }],
  });
  const cases: [string, ModelSpec, number[][], string[]][] = [
    ['max of 3', three('Max', [[2, 3, 4], [2, 3, 4], [2, 3, 4]]), [[2, 3, 4], [2, 3, 4], [2, 3, 4]], ['Max']],
    ['min broadcasting', three('Min', [[2, 3, 4], [2, 1, 4]]), [[2, 3, 4], [2, 1, 4]], ['Min']],
    ['mean broadcasting', three('Mean', [[2, 3, 1], [2, 1, 4], [2, 3, 4]]), [[2, 3, 1], [2, 1, 4], [2, 3, 4]], ['Mean']],
    ['max with 0 (a ReLU)', three('Max', [[2, 5]], { consts: ['z'], init: [{ name: 'z', dims: [], floats: [0] }] }), [[2, 5]], ['Clip']],
    ['min of two and a constant', three('Min', [[2, 5], [2, 5]], { consts: ['z'], init: [{ name: 'z', dims: [1], floats: [0.3] }] }), [[2, 5], [2, 5]], ['Min', 'Clip']],
  ];
  for (const [label, spec, dims, want] of cases) {
    const m = await agree(k, label, spec, dims);
    assert.equal(ops(m), want, `${label}: imports as ${want}`);
    m.dispose();
  }
});

test('ReduceMax, ReduceMin, ReduceSum, ReduceL2 (axes attribute and input); Reshape + ReduceMax over a channel split is Maxout', async () => {
  const [{ k }] = await backends();
  const x = [2, 6, 3, 4];
  const cases: [string, ModelSpec, string[]][] = [
    ['reducemax opset 13', single('ReduceMax', x, { axes: [2, 3], keepdims: 0 }), ['ReduceMax']],
    ['reducemin opset 13 keepdims', single('ReduceMin', x, { axes: [-1] }), ['ReduceMin']],
    ['reducel2 opset 13', single('ReduceL2', x, { axes: [1] }), ['ReduceL2']],
    ['reducesum opset 11 attr', single('ReduceSum', x, { axes: [2], keepdims: 0 }, { opset: 11 }), ['ReduceSum']],
    ['reducesum opset 13 input', single('ReduceSum', x, {}, { inputs: ['a'], init: [i64('a', [1, 3])] }), ['ReduceSum']],
    ['reducemax opset 18 input', single('ReduceMax', x, { keepdims: 0 }, { opset: 18, inputs: ['a'], init: [i64('a', [3])] }), ['ReduceMax']],
  ];
  for (const [label, spec, want] of cases) {
    const m = await agree(k, label, spec, [x]);
    assert.equal(ops(m), want, `${label}: imports as ${want}`);
    m.dispose();
  }
  const maxout = (opset: number, keepdims: number): ModelSpec => ({
    opset, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }],
    init: [i64('s', [0, 3, 2, 3, 4]), ...(opset >= 18 ? [i64('a', [2])] : [])],
    nodes: [
      { op: 'Reshape', inputs: ['x', 's'], outputs: ['r'] },
      { op: 'ReduceMax', inputs: ['r', ...(opset >= 18 ? ['a'] : [])], outputs: ['y'], attrs: { keepdims, ...(opset < 18 ? { axes: [2] } : {}) } },
    ],
  });
  for (const [opset, keepdims, want] of [[13, 0, ['Maxout']], [18, 0, ['Maxout']], [13, 1, ['Maxout', 'Reshape']]] as const) {
    const m = await agree(k, `maxout opset ${opset} keepdims ${keepdims}`, maxout(opset, keepdims), [x]);
    assert.equal(ops(m), [...want], `opset ${opset} keepdims ${keepdims}: a Maxout`);
    m.dispose();
  }
});

test('Cast to float16/bfloat16 rounds; ConstantOfShape and Expand; Gemm with a [batch, N] bias', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4];
  const wide = (rng: { uniform(a: number, b: number): number }, n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1) * 10 ** rng.uniform(-6, 5.5));
  const roundTrip = (to: number): ModelSpec => ({
    opset: 13, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['h'], attrs: { to } }, { op: 'Cast', inputs: ['h'], outputs: ['y'], attrs: { to: 1 } }],
  });
  for (const [label, to] of [['float16', 10], ['bfloat16', 16]] as const) {
    const m = await agree(k, `cast ${label}`, roundTrip(to), [x], wide, { atol: 0, rtol: 0 });
    assert.equal(ops(m), ['RoundFloat'], `cast ${label}: a RoundFloat`);
    m.dispose();
  }
  const cases: [string, ModelSpec, number[][], string[]][] = [
    ['constantofshape + add', {
      opset: 13, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], init: [i64('s', [3, 1])],
      nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['c'], attrs: { value: { t: { dims: [1], floats: [0.5] } } } }, { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }],
    }, [x], ['BroadcastAdd']],
    ['expand', single('Expand', [2, 3, 1], {}, { inputs: ['s'], init: [i64('s', [1, 3, 5])] }), [[2, 3, 1]], ['BroadcastAdd']],
    ['expand no-op', single('Expand', [2, 3, 5], {}, { inputs: ['s'], init: [i64('s', [3, 1])] }), [[2, 3, 5]], ['Identity']],
    ['gemm C [batch, N] rows equal', single('Gemm', [2, 4], { transB: 1 }, { inputs: ['W', 'C'], init: [{ name: 'W', dims: [3, 4], floats: [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2] }, { name: 'C', dims: [2, 3], floats: [1, 2, 3, 1, 2, 3] }] }), [[2, 4]], ['Dense']],
  ];
  for (const [label, spec, dims, want] of cases) {
    const m = await agree(k, label, spec, dims);
    assert.equal(ops(m), want, `${label}: imports as ${want}`);
    m.dispose();
  }
});

test('unused secondary outputs (Dropout mask, MaxPool indices) and weights given as graph inputs with initializers', async () => {
  const [{ k }] = await backends();
  const W = Array.from({ length: 12 }, (_, i) => (i - 6) / 10);
  const spec: ModelSpec = {
    opset: 13, ir: 3, inputs: [{ name: 'x', dims: [2, 3, 4, 4] }, { name: 'W', dims: [1, 3, 2, 2] }], outputs: [{ name: 'y' }],
    init: [{ name: 'W', dims: [1, 3, 2, 2], floats: W }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
      { op: 'MaxPool', inputs: ['c'], outputs: ['p', 'indices'], attrs: { kernel_shape: [2, 2] } },
      { op: 'Dropout', inputs: ['p'], outputs: ['y', 'mask'] },
    ],
  };
  const m = await agree(k, 'secondary outputs', spec, [[2, 3, 4, 4]]);
  assert.equal(m.graph.inputs.map((i) => i.name), ['x'], 'the weight input is an initializer, not an input');
  assert.equal(ops(m), ['Conv2d', 'MaxPool2d', 'Dropout']);
  m.dispose();
});

test('InstanceNormalization, LayerNormalization; ConvTranspose (pads, strides, output_padding, output_shape, groups, 1-d)', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4, 5];
  const w = (n: number, seed = 1) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 0.5);
  const f = (name: string, dims: number[], seed = 1) => ({ name, dims, floats: w(dims.reduce((a, b) => a * b, 1), seed) });
  const cases: [string, ModelSpec, number[], string[]][] = [
    ['instancenorm', single('InstanceNormalization', x, { epsilon: { f: 1e-3 } }, { inputs: ['s', 'b'], init: [f('s', [3]), f('b', [3], 2)] }), x, ['InstanceNorm']],
    ['instancenorm 1-d', single('InstanceNormalization', [2, 3, 7], {}, { inputs: ['s', 'b'], init: [f('s', [3]), f('b', [3], 2)] }), [2, 3, 7], ['InstanceNorm']],
    ['layernorm last axis', single('LayerNormalization', x, {}, { opset: 17, inputs: ['s', 'b'], init: [f('s', [5]), f('b', [5], 2)] }), x, ['LayerNorm']],
    ['layernorm axis 1 no bias', single('LayerNormalization', x, { axis: 1, epsilon: { f: 1e-4 } }, { opset: 17, inputs: ['s'], init: [f('s', [3, 4, 5])] }), x, ['LayerNorm']],
    ['convtranspose', single('ConvTranspose', x, {}, { inputs: ['W', 'B'], init: [f('W', [3, 2, 3, 3]), f('B', [2], 3)] }), x, ['ConvTranspose2d']],
    ['convtranspose stride pads output_padding', single('ConvTranspose', x, { strides: [2, 3], pads: [1, 0, 0, 2], output_padding: [1, 2] }, { inputs: ['W'], init: [f('W', [3, 4, 3, 4])] }), x, ['ConvTranspose2d']],
    ['convtranspose groups dilations', single('ConvTranspose', [2, 4, 4, 5], { group: 2, dilations: [2, 1] }, { inputs: ['W'], init: [f('W', [4, 3, 2, 2])] }), [2, 4, 4, 5], ['ConvTranspose2d']],
    ['convtranspose output_shape', single('ConvTranspose', x, { strides: [2, 2], output_shape: [8, 10] }, { inputs: ['W'], init: [f('W', [3, 2, 3, 3])] }), x, ['ConvTranspose2d']],
    ['convtranspose 1-d', single('ConvTranspose', [2, 3, 6], { strides: [2], pads: [1, 0] }, { inputs: ['W'], init: [f('W', [3, 2, 3])] }), [2, 3, 6], ['Reshape', 'ConvTranspose2d', 'Reshape']],
  ];
  for (const [label, spec, dims, want] of cases) {
    const m = await agree(k, label, spec, [dims]);
    assert.equal(ops(m), want, `${label}: imports as ${want}`);
    m.dispose();
  }
});

test('1-d Conv, pools and batch norm run as 2-d with H = 1; AveragePool ceil_mode, count_include_pad, SAME_* and dilations keep ONNX\'s divisors', async () => {
  const [{ k }] = await backends();
  const x1 = [2, 3, 11];
  const x2 = [2, 3, 7, 8];
  const W = (n: number) => Array.from({ length: n }, (_, i) => Math.cos(i * 0.9) * 0.4);
  const cases: [string, ModelSpec, number[]][] = [
    ['conv 1-d', single('Conv', x1, { strides: [2], pads: [1, 2], dilations: [2] }, { inputs: ['W', 'B'], init: [{ name: 'W', dims: [4, 3, 3], floats: W(36) }, { name: 'B', dims: [4], floats: [0.1, 0.2, 0.3, 0.4] }] }), x1],
    ['conv 1-d SAME_UPPER', single('Conv', x1, { auto_pad: 'SAME_UPPER', strides: [2] }, { inputs: ['W'], init: [{ name: 'W', dims: [4, 3, 4], floats: W(48) }] }), x1],
    ['maxpool 1-d', single('MaxPool', x1, { kernel_shape: [3], strides: [2], pads: [1, 1] }), x1],
    ['avgpool 1-d ceil', single('AveragePool', x1, { kernel_shape: [3], strides: [2], ceil_mode: 1 }), x1],
    ['bn 1-d', single('BatchNormalization', x1, {}, { inputs: ['s', 'b', 'm', 'v'], init: ['s', 'b', 'm', 'v'].map((name, i) => ({ name, dims: [3], floats: [0.5 + i, 1, 0.25 * i + 0.5] })) }), x1],
    ['avgpool ceil partial windows', single('AveragePool', x2, { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }), x2],
    ['avgpool ceil count_include_pad', single('AveragePool', x2, { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1], ceil_mode: 1, count_include_pad: 1 }), x2],
    ['avgpool SAME_UPPER', single('AveragePool', x2, { kernel_shape: [3, 4], strides: [2, 2], auto_pad: 'SAME_UPPER' }), x2],
    ['avgpool SAME_LOWER count_include_pad', single('AveragePool', x2, { kernel_shape: [2, 3], strides: [1, 2], auto_pad: 'SAME_LOWER', count_include_pad: 1 }), x2],
    ['avgpool asymmetric pads', single('AveragePool', x2, { kernel_shape: [3, 3], pads: [0, 1, 2, 0] }), x2],
    ['maxpool dilations', single('MaxPool', x2, { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 1, 1, 1] }, { opset: 12 }), x2],
    // NOTE: not SAME with dilations: onnxruntime 1.30's kernel makes a smaller output there than ONNX's shape inference (and lopper).
    ['maxpool dilations ceil', single('MaxPool', x2, { kernel_shape: [2, 2], dilations: [3, 1], strides: [2, 2], ceil_mode: 1 }, { opset: 12 }), x2],
    ['maxpool 1-d dilations ceil', single('MaxPool', x1, { kernel_shape: [3], dilations: [2], strides: [2], ceil_mode: 1 }, { opset: 12 }), x1],
    ['avgpool dilations opset 19', single('AveragePool', x2, { kernel_shape: [2, 3], dilations: [2, 2], strides: [1, 2] }, { opset: 19 }), x2],
    ['avgpool dilations pads', single('AveragePool', x2, { kernel_shape: [3, 2], dilations: [2, 3], pads: [1, 1, 2, 1] }, { opset: 19 }), x2],
    ['avgpool dilations pads count_include_pad', single('AveragePool', x2, { kernel_shape: [2, 2], dilations: [3, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }, { opset: 19 }), x2],
    ['avgpool dilations ceil', single('AveragePool', x2, { kernel_shape: [2, 2], dilations: [2, 2], strides: [2, 2], ceil_mode: 1 }, { opset: 19 }), x2],
    ['avgpool 1-d dilations', single('AveragePool', x1, { kernel_shape: [3], dilations: [2], strides: [2], pads: [1, 1] }, { opset: 19 }), x1],
  ];
  for (const [label, spec, dims] of cases) (await agree(k, label, spec, [dims])).dispose();
});

test('Resize (opsets 10, 11, 13, 18; nearest modes, coordinate modes, linear; scales or sizes) and Upsample', async () => {
  const [{ k }] = await backends();
  const x = [2, 3, 4, 5];
  const fl = (name: string, v: number[]) => ({ name, dims: [v.length], floats: v });
  const resize = (attrs: ModelSpec['nodes'][0]['attrs'], scales: number[] | undefined, sizes: number[] | undefined, opset = 13, dims = x): ModelSpec => ({
    opset, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }],
    init: [fl('roi', []), ...(scales ? [fl('scales', scales)] : [fl('scales', [])]), ...(sizes ? [i64('sizes', sizes)] : [])],
    nodes: [{ op: 'Resize', inputs: opset < 11 ? ['x', 'scales'] : ['x', 'roi', 'scales', ...(sizes ? ['sizes'] : [])], outputs: ['y'], attrs }],
  });
  const cases: [string, ModelSpec, number[]][] = [
    ['nearest ×2 opset 10', resize({ mode: 'nearest' }, [1, 1, 2, 2], undefined, 10), x],
    ['nearest ×2 default modes', resize({}, [1, 1, 2, 2], undefined), x],
    ['nearest asymmetric floor', resize({ coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 1.5, 2.5], undefined), x],
    ['nearest sizes round_prefer_ceil', resize({ nearest_mode: 'round_prefer_ceil' }, undefined, [2, 3, 7, 3]), x],
    ['nearest shrink ceil', resize({ nearest_mode: 'ceil', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, [1, 1, 0.5, 0.6], undefined), x],
    ['linear half_pixel', resize({ mode: 'linear' }, [1, 1, 2, 1.5], undefined), x],
    ['linear align_corners sizes', resize({ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, undefined, [2, 3, 9, 4]), x],
    ['linear pytorch_half_pixel shrink', resize({ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, [1, 1, 0.5, 0.4], undefined), x],
    ['linear asymmetric 1-d', resize({ mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, [1, 1, 2.5], undefined, 13, [2, 3, 5]), [2, 3, 5]],
    ['linear opset 18 axes sizes', { ...resize({ mode: 'linear', axes: [2, 3] }, undefined, [6, 7], 18), init: [fl('roi', []), fl('scales', []), i64('sizes', [6, 7])] }, x],
    ['upsample opset 9', { opset: 9, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], init: [fl('s', [1, 1, 2, 3])], nodes: [{ op: 'Upsample', inputs: ['x', 's'], outputs: ['y'], attrs: { mode: 'nearest' } }] }, x],
    ['upsample opset 7 linear', { opset: 7, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], nodes: [{ op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { mode: 'linear', scales: { floats: [1, 1, 2, 2] } } }] }, x],
  ];
  for (const [label, spec, dims] of cases) {
    const m = await agree(k, label, spec, [dims]);
    assert.equal(ops(m), ['Resize'], `${label}: imports as a Resize`);
    m.dispose();
  }
});

test('dependency groups through the new ops: PRelu slopes and instance norms cut with their channels, ConvTranspose in and out; a graph output stays whole through a Slice', async () => {
  const [{ k }] = await backends();
  const w = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + seed) * 0.5);
  const f = (name: string, dims: number[], seed: number) => ({ name, dims, floats: w(dims.reduce((a, b) => a * b, 1), seed) });
  const spec: ModelSpec = {
    opset: 13, inputs: [{ name: 'x', dims: [2, 3, 6, 6] }], outputs: [{ name: 'y' }],
    init: [f('W1', [8, 3, 3, 3], 1), f('S', [8, 1, 1], 2), f('Wt', [8, 6, 2, 2], 3), f('Bt', [6], 4), f('G', [6], 5), f('Be', [6], 6), f('W2', [4, 6, 1, 1], 7),
      i64('s0', [0]), i64('e0', [2]), i64('a0', [1])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1'], outputs: ['c1'], name: 'conv1' },
      { op: 'PRelu', inputs: ['c1', 'S'], outputs: ['p'] },
      { op: 'ConvTranspose', inputs: ['p', 'Wt', 'Bt'], outputs: ['t'], name: 'up', attrs: { strides: [2, 2] } },
      { op: 'InstanceNormalization', inputs: ['t', 'G', 'Be'], outputs: ['n'] },
      { op: 'Conv', inputs: ['n', 'W2'], outputs: ['c2'], name: 'conv2' },
      { op: 'Slice', inputs: ['c2', 's0', 'e0', 'a0'], outputs: ['y'] },
    ],
  };
  const model = await agree(k, 'prunable chain', spec, [[2, 3, 6, 6]]);
  const groups = dependencyGroups(model.graph);
  const by = (p: string) => groups.find((g) => g.producers.includes(p))!;
  assert.ok(by('conv1').prunable && by('up').prunable, 'conv1 and the transposed conv are prunable');
  assert.equal(by('conv1').members.map((m) => `${m.node}:${m.side}`).sort(), ['PRelu_1:out', 'conv1:out', 'up:in']);
  assert.equal(by('up').members.map((m) => `${m.node}:${m.side}`).sort(), ['InstanceNormalization_3:out', 'conv2:in', 'up:out']);
  assert.match(by('conv2').reason ?? '', /is a graph output/);
  const { model: pruned } = pruneFilters(model, { ratio: 0.5, ops: ['Conv2d', 'ConvTranspose2d'] });
  assert.equal(pruned.graph.nodes.map((n) => n.outputShape[0]), [4, 4, 3, 3, 4, 2]);
  const x = Float32Array.from({ length: 2 * 3 * 36 }, (_, i) => Math.cos(i));
  const mine = pruned.forward(2, { x }).toArray();
  const [got] = await ortRunModel(exportOnnx(pruned), [[x, [2, 3, 6, 6]]]);
  assertClose(got.data, mine, 'pruned chain, onnxruntime-web vs lopper', { atol: 1e-4, rtol: 1e-4 });
  pruned.dispose();
  model.dispose();
});

test('PRelu slopes export as pruning left them: cut with their channels and masked, and onnxruntime-web agrees', async () => {
  const [{ k }] = await backends();
  const slopes = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.8];
  const w = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.9 + seed) * 0.5);
  const spec: ModelSpec = {
    opset: 13, inputs: [{ name: 'x', dims: [2, 3, 5, 5] }], outputs: [{ name: 'y' }],
    init: [{ name: 'W1', dims: [8, 3, 3, 3], floats: w(216, 1) }, { name: 'S', dims: [8, 1, 1], floats: slopes }, { name: 'W2', dims: [4, 8, 1, 1], floats: w(32, 2) }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'PRelu', inputs: ['c1', 'S'], outputs: ['p'], name: 'act' },
      { op: 'Conv', inputs: ['p', 'W2'], outputs: ['c2'], name: 'conv2' },
      { op: 'GlobalAveragePool', inputs: ['c2'], outputs: ['y'] },
    ],
  };
  const model = await agree(k, 'prelu chain', spec, [[2, 3, 5, 5]]);
  const { model: pruned, cuts } = pruneFilters(model, { ratio: 0.5, layers: ['conv1'] });
  const kept = [...Array(8).keys()].filter((c) => !cuts[0].units.includes(c));
  // A mask over one slope, not yet applied: the export must write it as the pruned forward sees it.
  pruned.params.maskOf('act', 'slope').f32()[1] = 0;
  const bytes = exportOnnx(pruned);
  pruned.params.applyMask();
  const slope = decodeModel(bytes, 'pruned.onnx').graph!.initializer!.find((t) => t.name === 'act.slope')!;
  const got = readTensor(slope, 'act.slope');
  assert.equal(got.dims, [4, 1, 1], 'one slope per kept channel, broadcast over H, W');
  assert.equal(Array.from(got.data), kept.map((c, i) => (i === 1 ? 0 : Math.fround(slopes[c]))), `the kept channels' slopes (${kept}), the masked one 0`);
  const x = Float32Array.from({ length: 2 * 3 * 25 }, (_, i) => Math.cos(i * 0.7));
  const [ort] = await ortRunModel(bytes, [[x, [2, 3, 5, 5]]]);
  assertClose(ort.data, pruned.forward(2, { x }).toArray(), 'pruned, masked PRelu: onnxruntime-web vs lopper', { atol: 1e-4, rtol: 1e-4 });
  pruned.dispose();
  model.dispose();
});

test('a channel Split is no barrier: each part is pruned within its bounds, and the pruned file runs in onnxruntime-web', async () => {
  const [{ k }] = await backends();
  const w = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed) * 0.5);
  const f = (name: string, dims: number[], seed: number) => ({ name, dims, floats: w(dims.reduce((a, b) => a * b, 1), seed) });
  const spec: ModelSpec = {
    opset: 13, inputs: [{ name: 'x', dims: [2, 3, 6, 6] }], outputs: [{ name: 'y' }],
    init: [f('W1', [8, 3, 3, 3], 1), f('Wa', [4, 3, 3, 3], 2), f('Wb', [6, 5, 1, 1], 3), f('Wf', [4, 10], 4), i64('parts', [3, 5])],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Split', inputs: ['r1', 'parts'], outputs: ['pa', 'pb'], attrs: { axis: 1 } },
      { op: 'Conv', inputs: ['pa', 'Wa'], outputs: ['ca'], name: 'conva' },
      { op: 'Conv', inputs: ['pb', 'Wb'], outputs: ['cb'], name: 'convb' },
      { op: 'GlobalAveragePool', inputs: ['ca'], outputs: ['ga'] },
      { op: 'GlobalAveragePool', inputs: ['cb'], outputs: ['gb'] },
      { op: 'Concat', inputs: ['ga', 'gb'], outputs: ['g'], attrs: { axis: 1 } },
      { op: 'Flatten', inputs: ['g'], outputs: ['fl'] },
      { op: 'Gemm', inputs: ['fl', 'Wf'], outputs: ['y'], name: 'fc', attrs: { transB: 1 } },
    ],
  };
  const model = await agree(k, 'split chain', spec, [[2, 3, 6, 6]]);
  const conv1 = dependencyGroups(model.graph).find((g) => g.producers.includes('conv1'))!;
  assert.ok(conv1.prunable, 'conv1 is prunable through the Split');
  assert.equal(conv1.ranges.map((r) => [r.first, r.count]), [[0, 3], [3, 5]]);
  const { model: pruned } = pruneFilters(model, { ratio: 0.5, layers: ['conv1', 'conva', 'convb'] });
  const parts = pruned.graph.nodes.filter((n) => n.layer.op === 'Slice').map((n) => n.outputShape[0]);
  assert.equal(parts.reduce((a, b) => a + b, 0), 4, 'the Split parts add up to the 4 channels left');
  assert.ok(parts.every((p) => p >= 1), `each part keeps a channel (${parts})`);
  assert.equal(pruned.graph.node('conva').outputShape[0] + pruned.graph.node('convb').outputShape[0], 5);
  const x = Float32Array.from({ length: 2 * 3 * 36 }, (_, i) => Math.cos(i * 0.3));
  const [got] = await ortRunModel(exportOnnx(pruned), [[x, [2, 3, 6, 6]]]);
  assertClose(got.data, pruned.forward(2, { x }).toArray(), 'pruned split chain, onnxruntime-web vs lopper', { atol: 1e-4, rtol: 1e-4 });
  pruned.dispose();
  model.dispose();
});

test('the new ops refuse what they cannot map, naming the node and the reason', () => {
  const x = [2, 3, 4, 5];
  const f = (name: string, dims: number[], v = 0.5) => ({ name, dims, floats: new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(v) });
  const cases: [ModelSpec, string, RegExp][] = [
    [single('PRelu', x, {}, { inputs: ['s'], init: [f('s', [5])] }), 'bad-node', /node 'PRelu_0' \(PRelu\): the slope has dims \[5\]; lopper maps one slope per channel/],
    [{ ...single('Pow', x), inputs: [{ name: 'x', dims: x }, { name: 'p', dims: x }], nodes: [{ op: 'Pow', inputs: ['x', 'p'], outputs: ['y'], name: 'pw' }] }, 'bad-node', /'pw' \(Pow\): Y \('p'\) must be a constant/],
    [single('Slice', x, {}, { inputs: ['s', 'e', 'a'], init: [i64('s', [1]), i64('e', [2]), i64('a', [0])] }), 'batch-axis', /\(Slice\): slices the batch axis/],
    [single('Slice', x, {}, { inputs: ['s', 'e', 'a', 'p'], init: [i64('s', [3]), i64('e', [0]), i64('a', [1]), i64('p', [-1])] }), 'bad-node', /step -1 on axis 1: lopper slices with steps ≥ 1/],
    [{ ...single('Split', x, { axis: 1, split: [1, 1] }, { opset: 11 }), nodes: [{ op: 'Split', inputs: ['x'], outputs: ['y', 'z'], attrs: { axis: 1, split: [1, 1] } }] }, 'bad-node', /'split' \[1,1\] does not add up to the axis size 3/],
    [single('Expand', x, {}, { inputs: ['s'], init: [i64('s', [4, 3, 4, 5])] }), 'batch-axis', /shape \[4,3,4,5\] sets the batch axis to 4/],
    [single('Resize', x, { mode: 'cubic' }, { inputs: ['r', 's'], init: [f('r', [0]), { name: 's', dims: [4], floats: [1, 1, 2, 2] }] }), 'bad-node', /mode 'cubic': lopper resizes by nearest and linear/],
    [single('Resize', x, {}, { inputs: ['r', 's'], init: [f('r', [0]), { name: 's', dims: [4], floats: [1, 2, 2, 2] }] }), 'bad-node', /resizes the channel axis/],
    [single('LayerNormalization', x, {}, { opset: 17, inputs: ['s'], init: [f('s', [4])] }), 'bad-node', /'Scale' has dims \[4\]; lopper maps one value per normalised element \(\[5\]\)/],
    [single('ConvTranspose', x, {}, { inputs: ['W'], init: [f('W', [2, 2, 3, 3])] }), 'bad-node', /X has 3 channels, W has dims \[2,2,3,3\]/],
    [single('Mean', x, {}, { inputs: ['c'], init: [f('c', [1])] }), 'bad-node', /input 1 is a constant; lopper maps Mean of computed values only/],
  ];
  for (const [spec, code, message] of cases) {
    try {
      parseOnnx(onnxModel(spec));
      assert.unreachable(`${spec.nodes[0].op} should be refused`);
    } catch (e) {
      assert.instance(e, OnnxError, `${spec.nodes[0].op}: an OnnxError`);
      assert.is((e as OnnxError).code, code, `${spec.nodes[0].op}: code (${(e as Error).message})`);
      assert.match((e as Error).message, message);
    }
  }
});

test.run();
