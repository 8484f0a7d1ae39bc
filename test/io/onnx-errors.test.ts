// ONNX import refusals: each names the file and the thing (node, op, tensor, input, axis) and
// carries a code; unsupported ops are listed all at once; barriers keep the groups around them
// prunable.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { assertClose } from '../helpers/close.js';
import { ortRunModel } from '../helpers/ort.js';
import { Rng } from '../helpers/rng.js';
import { modelProto, onnxModel, weights, type ModelSpec } from '../helpers/onnx-build.js';
import { importOnnx, parseOnnx } from '../../src/io/onnx/import.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { OnnxError } from '../../src/io/onnx/errors.js';
import { onnx } from '../../src/io/onnx/proto.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { pruneFilters } from '../../src/prune/filters.js';

/** parseOnnx must throw an OnnxError with this code and a message matching `pattern`. */
function refuses(bytes: Uint8Array, code: string, pattern: RegExp, options = {}): OnnxError {
  try {
    parseOnnx(bytes, { file: 'm.onnx', ...options });
  } catch (e) {
    assert.instance(e, OnnxError, `an OnnxError, got ${(e as Error).message}`);
    const err = e as OnnxError;
    assert.match(err.message, pattern);
    assert.is(err.code, code, `code for: ${err.message}`);
    assert.match(err.message, /^m\.onnx: /, 'the message starts with the file');
    return err;
  }
  assert.unreachable(`expected ${code}: ${pattern}`);
  throw new Error('unreachable');
}

const relu = (extra: Partial<ModelSpec> = {}): ModelSpec => ({
  inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], ...extra,
});

test('unsupported ops are listed all at once, with node names, op types and domains', () => {
  const bytes = onnxModel({
    inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'NonZero', inputs: ['x'], outputs: ['a'], name: 'nz1' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      { op: 'FusedGemm', domain: 'com.microsoft', inputs: ['b'], outputs: ['c'], name: 'fused' },
      { op: 'NonZero', inputs: ['c'], outputs: ['y'], name: 'nz2' },
      { op: 'Unique', inputs: ['x'], outputs: ['unused'], name: 'dead' },
    ],
  });
  const err = refuses(bytes, 'unsupported-op', /3 nodes use 2 ops lopper cannot import: NonZero ×2 \('nz1', 'nz2'\); com\.microsoft:FusedGemm ×1 \('fused'\)\. lopper imports .*Conv.*Gemm/);
  assert.equal(err.nodes.map((n) => `${n.node}:${n.op}`), ['nz1:NonZero', 'fused:FusedGemm', 'nz2:NonZero']);
  assert.not.match(err.message, /dead/, 'a node nothing reads is not listed');
});

test('a large model\'s unsupported ops: grouped by op, counted, the first few names shown', () => {
  const nodes = Array.from({ length: 239 }, (_, i) => ({ op: 'NonZero', inputs: [i ? `v${i - 1}` : 'x'], outputs: [i === 238 ? 'y' : `v${i}`], name: `nz${i}` }));
  const err = refuses(onnxModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes }), 'unsupported-op',
    /239 nodes use an op lopper cannot import: NonZero ×239 \('nz0', 'nz1', 'nz2', … 236 more\)\./);
  assert.ok(err.message.length < 1000, `a short message (${err.message.length} characters)`);
  assert.is(err.nodes.length, 239, 'the error keeps every node for programs');
});

test('versions: IR 3–11 and opsets 7–23 are read; IR 12 and opset 24 are refused', () => {
  for (const [ir, opset] of [[3, 7], [11, 23], [10, 22], [9, 19]]) parseOnnx(onnxModel({ ...relu(), ir, opset }));
  refuses(onnxModel({ ...relu(), ir: 12 }), 'unsupported-version', /IR version 12; lopper reads IR versions 3–11/);
  refuses(onnxModel({ ...relu(), opset: 24 }), 'unsupported-version', /opset 24; lopper reads opsets 7–23/);
});

test('damaged files: empty, random bytes, truncated, wrong IR version or opset, no graph', () => {
  refuses(new Uint8Array(), 'invalid-file', /not an ONNX model: the file is empty/);
  refuses(Uint8Array.from({ length: 64 }, (_, i) => (i * 73 + 11) & 255), 'invalid-file', /not an ONNX model/);
  const good = onnxModel(relu());
  refuses(good.subarray(0, good.length - 7), 'invalid-file', /not an ONNX model: protobuf decoding failed/);
  refuses(onnxModel({ ...relu(), ir: 2 }), 'unsupported-version', /IR version 2; lopper reads IR versions 3–11/);
  refuses(onnxModel({ ...relu(), opset: 6 }), 'unsupported-version', /opset 6; lopper reads opsets 7–23\. Convert the file first.*convert_version/);
  refuses(onnx.ModelProto.encode({ irVersion: 8 }).finish(), 'invalid-file', /not an ONNX model: it has no graph \(ir_version 8\)/);
  const noOpset = modelProto(relu());
  noOpset.opsetImport = [{ domain: 'ai.onnx.ml', version: 3 }];
  refuses(onnx.ModelProto.encode(noOpset).finish(), 'invalid-file', /no opset_import for the default ONNX domain/);
});

test('broken graphs: cycles, missing inputs, dangling outputs, values produced twice', () => {
  refuses(onnxModel({
    inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Add', inputs: ['x', 'c'], outputs: ['a'], name: 'A' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'B' },
      { op: 'Relu', inputs: ['b'], outputs: ['c'], name: 'C' },
      { op: 'Relu', inputs: ['c'], outputs: ['y'], name: 'D' },
    ],
  }), 'broken-graph', /the nodes form a cycle: '(A|B|C)' \(\w+\) → .* → '\1'/);
  refuses(onnxModel({ ...relu(), nodes: [{ op: 'Relu', inputs: ['nope'], outputs: ['y'], name: 'r' }] }), 'broken-graph',
    /node 'r' \(Relu\) reads 'nope', which no node, graph input or initializer produces/);
  refuses(onnxModel({ ...relu(), outputs: [{ name: 'y' }, { name: 'ghost' }] }), 'broken-graph', /graph output 'ghost' is produced by no node \(a dangling output\)/);
  refuses(onnxModel({ ...relu(), nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'r1' }, { op: 'Tanh', inputs: ['x'], outputs: ['y'], name: 'r2' }] }),
    'broken-graph', /value 'y' is produced twice, by node 'r1' \(Relu\) and node 'r2' \(Tanh\)/);
  refuses(onnxModel({ ...relu(), outputs: [] }), 'broken-graph', /the graph has no outputs/);
  refuses(onnxModel({ ...relu(), nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['x'], name: 'r' }], outputs: [{ name: 'x' }] }), 'broken-graph',
    /node 'r' \(Relu\) writes 'x', which is already a graph input or initializer/);
});

test('external data, unreadable tensors and size caps name the tensor', () => {
  const ext = modelProto({ ...relu(), nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], init: [{ name: 'w', dims: [4], floats: [1, 2, 3, 4] }] });
  const w = ext.graph!.initializer![0];
  w.rawData = new Uint8Array();
  w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  w.externalData = [{ key: 'location', value: 'weights.bin' }];
  refuses(onnx.ModelProto.encode(ext).finish(), 'external-data', /initializer 'w' keeps its data in an external file \('weights\.bin'\); lopper reads self-contained \.onnx files/);

  const short = modelProto({ ...relu(), nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], init: [{ name: 'w', dims: [4], floats: [1, 2, 3, 4] }] });
  short.graph!.initializer![0].dims = [5];
  refuses(onnx.ModelProto.encode(short).finish(), 'bad-node', /initializer 'w' declares dims \[5\] \(5 FLOAT values, 20 bytes\) but holds 16 bytes/);
  short.graph!.initializer![0].dims = [1e6, 1e6];
  refuses(onnx.ModelProto.encode(short).finish(), 'too-large', /initializer 'w' has dims \[1000000,1000000\], more than 134217728 elements/);
  short.graph!.initializer![0].dims = [-3];
  refuses(onnx.ModelProto.encode(short).finish(), 'bad-node', /initializer 'w' has dimension -3 in \[-3\]/);
  refuses(onnxModel({ ...relu(), inputs: [{ name: 'x', dims: [1, 100000, 100000] }] }), 'too-large', /graph input 'x' has dims \[100000,100000\], more than/);
  refuses(onnxModel({
    inputs: [{ name: 'x', dims: [1, 1, 8, 8] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'c', attrs: { pads: [0, 0, 20000, 20000] } }],
    init: [{ name: 'w', dims: [64, 1, 1, 1], floats: weights(64) }],
  }), 'too-large', /node 'c' \(Conv\): the per-sample output has dims \[1,20008,20008\], more than 134217728 elements/);
});

test('dynamic shapes are named, and inputShapes resolves them', async () => {
  const spec: ModelSpec = { ...relu(), inputs: [{ name: 'x', dims: ['N', 'C', 5] }] };
  refuses(onnxModel(spec), 'dynamic-shape', /graph input 'x' has a symbolic \('C'\) dimension at axis 1; lopper needs fixed per-sample shapes \(pass inputShapes: \{ 'x': \[\.\.\.\] \}/);
  const { graph } = parseOnnx(onnxModel(spec), { inputShapes: { x: [3, 5] } });
  assert.equal(graph.shapeOf('y'), [3, 5]);
  refuses(onnxModel(spec), 'dynamic-shape', /inputShapes gives \[3\] \(rank 1\), the file declares rank 2 per sample/, { inputShapes: { x: [3] } });
  const noShape = modelProto(relu());
  delete (noShape.graph!.input![0].type!.tensorType as { shape?: unknown }).shape;
  refuses(onnx.ModelProto.encode(noShape).finish(), 'dynamic-shape', /graph input 'x' declares no shape/);
  refuses(onnxModel({ ...relu(), inputs: [{ name: 'x', dims: ['N'] }] }), 'bad-node', /graph input 'x' has rank 1; lopper needs \[batch, \.\.\.\]/);
  const ints = modelProto(relu());
  ints.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.INT64;
  refuses(onnx.ModelProto.encode(ints).finish(), 'bad-node', /graph input 'x' has element type INT64; lopper's inputs are float32/);
  // A reshape target computed from the batch size on a per-sample axis.
  refuses(onnxModel({
    inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Reshape', inputs: ['x', 's2'], outputs: ['y'], name: 'r' },
      { op: 'Concat', inputs: ['one', 's'], outputs: ['s2'], attrs: { axis: 0 } },
    ],
    init: [{ name: 'one', dims: [1], ints: [1] }],
  }), 'dynamic-shape', /node 'r' \(Reshape\): target \[1,batch,4\] uses the batch size on a per-sample axis/);
});

test('ops that would touch the batch axis are refused by name', () => {
  const x = [1, 3, 4, 4];
  const one = (op: string, attrs: ModelSpec['nodes'][0]['attrs'], init?: ModelSpec['init'], inputs: string[] = []) =>
    onnxModel({ inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], nodes: [{ op, name: 'n', inputs: ['x', ...inputs], outputs: ['y'], attrs }], init });
  refuses(one('Transpose', { perm: [1, 0, 2, 3] }), 'batch-axis', /node 'n' \(Transpose\): 'perm' \[1,0,2,3\] moves the batch axis/);
  refuses(one('Flatten', { axis: 2 }), 'batch-axis', /node 'n' \(Flatten\): 'axis' 2 folds per-sample axes \[3\] into the batch axis/);
  refuses(one('Flatten', { axis: 0 }), 'batch-axis', /'axis' 0 folds the batch axis into the features/);
  refuses(one('Reshape', {}, [{ name: 's', dims: [1], ints: [-1] }], ['s']), 'batch-axis', /node 'n' \(Reshape\): target \[-1\] changes the batch axis of \[batch, 3,4,4\]/);
  refuses(one('Softmax', { axis: 0 }), 'batch-axis', /node 'n' \(Softmax\): axis 0 is the batch axis/);
  refuses(one('ReduceMean', { axes: [0, 1] }), 'batch-axis', /node 'n' \(ReduceMean\): axes \[0,1\] include the batch axis/);
  refuses(one('Unsqueeze', {}, [{ name: 'a', dims: [1], ints: [0] }], ['a']), 'batch-axis', /inserting an axis at 0 moves the batch axis/);
  refuses(one('Mul', {}, [{ name: 'c', dims: [2, 3, 1, 1], floats: weights(6) }], ['c']), 'batch-axis', /node 'n' \(Mul\): the constant \(dims \[2,3,1,1\]\) varies along the batch axis/);
  refuses(onnxModel({ inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Gemm', name: 'g', inputs: ['x', 'w'], outputs: ['y'], attrs: { transA: 1 } }], init: [{ name: 'w', dims: [1, 2], floats: weights(2) }] }),
    'batch-axis', /node 'g' \(Gemm\): transA = 1 transposes the batch axis into the features/);
});

test('bad nodes name the node, the attribute or input, and the value', () => {
  const conv = (attrs: ModelSpec['nodes'][0]['attrs'], wDims = [2, 3, 3, 3]) => onnxModel({
    inputs: [{ name: 'x', dims: [1, 3, 5, 5] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Conv', name: 'c', inputs: ['x', 'w'], outputs: ['y'], attrs }],
    init: [{ name: 'w', dims: wDims, floats: weights(wDims.reduce((a, b) => a * b, 1)) }],
  });
  refuses(conv({ auto_pad: 'SAME' }), 'bad-node', /node 'c' \(Conv\): 'auto_pad' is 'SAME'; ONNX knows NOTSET, SAME_UPPER, SAME_LOWER and VALID/);
  refuses(conv({ strides: [0, 1] }), 'bad-node', /'strides' must be 2 integers in \[1, 65536\], got \[0,1\]/);
  refuses(conv({ kernel_shape: [5, 5] }), 'bad-node', /'kernel_shape' \[5,5\] does not match W's dims \[2,3,3,3\]/);
  refuses(conv({}, [2, 2, 3, 3]), 'bad-node', /X has 3 channels, W has dims \[2,2,3,3\] and group = 1/);
  refuses(conv({ group: 'x' as never }), 'bad-node', /attribute 'group' has type STRING, expected INT/);
  refuses(conv({}, [2, 3, 9, 9]), 'bad-node', /node 'c' \(Conv\): Conv2d: a 9×9 kernel .* does not fit a 5×5 input/);
  refuses(onnxModel({
    inputs: [{ name: 'x', dims: [1, 3] }, { name: 'w', dims: [1, 3] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'MatMul', name: 'mm', inputs: ['x', 'w'], outputs: ['y'] }],
  }), 'bad-node', /node 'mm' \(MatMul\): both operands are computed; lopper maps x·W with a constant W only/);
  refuses(onnxModel({
    inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Dropout', name: 'd', inputs: ['x'], outputs: ['y', 'mask'] }, { op: 'Relu', inputs: ['mask'], outputs: ['unused'] }],
  }), 'bad-node', /node 'd' \(Dropout\): output 1 \('mask'\) is used, but lopper maps only output 0 of Dropout/);
  refuses(onnxModel({ inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Pad', name: 'p', inputs: ['x', 'pads'], outputs: ['y'], attrs: { mode: 'wrap' } }], init: [{ name: 'pads', dims: [4], ints: [0, 1, 0, 1] }] }),
    'bad-node', /node 'p' \(Pad\): mode 'wrap': lopper maps constant, reflect and edge padding/);
  refuses(onnxModel({ inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Add', name: 'a', inputs: ['x', 'nan'], outputs: ['y'] }], init: [{ name: 'nan', dims: [3], floats: [1, NaN, 2] }] }),
    'bad-node', /the constant holds NaN/);
  refuses(onnxModel({ inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Gemm', name: 'g', inputs: ['x', 'w'], outputs: ['y'] }], init: [{ name: 'w', dims: [3, 2], floats: [1, 2, Infinity, 0, 0, 0] }] }),
    'bad-node', /node 'g' \(Gemm\): parameter 'weight' holds Infinity at element 1/);
  refuses(onnxModel({ inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['c'], outputs: ['y'] }], init: [{ name: 'c', dims: [3], floats: [1, 2, 3] }] }),
    'bad-node', /all its inputs are constants, and lopper folds only shape and arithmetic ops/);
});

test('barriers: ops lopper runs but cannot prune through leave the groups on either side prunable', async () => {
  const [{ k }] = await backends();
  const w = (name: string, m: number, c: number) => ({ name, dims: [m, c, 3, 3], floats: weights(m * c * 9, m * 7 + c) });
  const bytes = onnxModel({
    inputs: [{ name: 'x', dims: ['N', 3, 8, 8] }], outputs: [{ name: 'y' }],
    nodes: [
      { op: 'Conv', name: 'conv1', inputs: ['x', 'w1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', name: 'conv2', inputs: ['r1', 'w2'], outputs: ['c2'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Softmax', name: 'softmax', inputs: ['c2'], outputs: ['s'], attrs: { axis: 1 } },
      { op: 'Conv', name: 'conv3', inputs: ['s', 'w3'], outputs: ['c3'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c3'], outputs: ['r3'] },
      { op: 'Conv', name: 'conv4', inputs: ['r3', 'w4'], outputs: ['c4'] },
      { op: 'GlobalAveragePool', inputs: ['c4'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'Gemm', name: 'fc', inputs: ['f', 'wf'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    init: [w('w1', 8, 3), w('w2', 6, 8), w('w3', 8, 6), w('w4', 8, 8), { name: 'wf', dims: [4, 8], floats: weights(32) }],
  });
  const model = importOnnx(bytes, k);
  const groups = dependencyGroups(model.graph);
  const of = (name: string) => groups.find((g) => g.producers.includes(name))!;
  assert.ok(of('conv1').prunable, 'before the barrier');
  assert.not.ok(of('conv2').prunable, 'into the barrier');
  assert.match(of('conv2').reason!, /read by 'softmax' \(Softmax\): Softmax over the channel axis/);
  assert.ok(of('conv3').prunable && of('conv4').prunable, 'after the barrier');
  const { model: pruned, cuts } = pruneFilters(model, { ratio: 0.5 });
  assert.equal(cuts.map((c) => c.group.producers[0]).sort(), ['conv1', 'conv3', 'conv4']);
  const x = new Rng(3).f32(2 * 3 * 64);
  const [got] = await ortRunModel(exportOnnx(pruned), [[x, [2, 3, 8, 8]]]);
  assertClose(got.data, pruned.forward(2, { x }).toArray(), 'pruned across a barrier', { atol: 1e-4, rtol: 1e-4 });
  pruned.dispose();
  model.dispose();
});

test.run();
