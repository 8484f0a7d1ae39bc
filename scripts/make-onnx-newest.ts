// Hand-built ONNX fixtures at the newest opsets (18–23, IR 8–11), which Debian's torch 1.13 cannot
// export: small CNNs written node by node with lopper's own protobuf code (test/helpers/onnx-build.ts
// over src/io/onnx/proto.ts), each using ops in the form their newest version takes (Split's
// num_outputs, Reduce* axes as an input, AveragePool dilations, Gelu, Pad's axes, …). Writes
// test/fixtures/onnx-newest/<name>/ model.onnx, input.bin, output.bin (onnxruntime-web's output,
// little-endian float32, batch first) and meta.json, the layout of test/fixtures/onnx-zoo/.
//   node --import tsx scripts/make-onnx-newest.ts

import { mkdirSync, writeFileSync } from 'node:fs';
import { onnxModel, weights, type ModelSpec, type NodeSpec } from '../test/helpers/onnx-build.js';
import { ortRunModel } from '../test/helpers/ort.js';

const OUT = new URL('../test/fixtures/onnx-newest/', import.meta.url);
const INPUT = [2, 3, 16, 16];
const CLASSES = 10;

/** A graph under construction: initializers with seeded weights, nodes named for what they are. */
class Net {
  readonly nodes: NodeSpec[] = [];
  readonly init: NonNullable<ModelSpec['init']> = [];
  private seed = 1;

  node(op: string, inputs: string[], name: string, attrs: NodeSpec['attrs'] = {}, outputs = [name]): string {
    this.nodes.push({ op, inputs, outputs, name, attrs });
    return outputs[0];
  }

  /** Weights in ±0.5·√(3 / fanIn)·2 (Kaiming-uniform-like), so activations stay near unit scale. */
  weight(name: string, dims: number[], fanIn = dims.slice(1).reduce((a, b) => a * b, 1)): string {
    const scale = 2 * Math.sqrt(3 / fanIn);
    this.init.push({ name, dims, floats: weights(dims.reduce((a, b) => a * b, 1), this.seed++).map((v) => v * scale) });
    return name;
  }

  floats(name: string, dims: number[], values: number[]): string {
    this.init.push({ name, dims, floats: values });
    return name;
  }

  ints(name: string, values: number[]): string {
    this.init.push({ name, dims: [values.length], ints: values });
    return name;
  }

  conv(x: string, name: string, cin: number, cout: number, k: number, attrs: NodeSpec['attrs'] = {}, groups = 1): string {
    const w = this.weight(`${name}.w`, [cout, cin / groups, k, k]);
    const b = this.floats(`${name}.b`, [cout], Array.from(weights(cout, this.seed++)).map((v) => v * 0.2));
    return this.node('Conv', [x, w, b], name, { pads: [k >> 1, k >> 1, k >> 1, k >> 1], ...(groups > 1 ? { group: groups } : {}), ...attrs });
  }

  /** Batch norm with non-trivial statistics, so that pruning must carry all four vectors. */
  bn(x: string, name: string, c: number): string {
    const v = (shift: number, spread: number) => Array.from(weights(c, this.seed++)).map((u) => shift + u * spread);
    return this.node('BatchNormalization', [x, this.floats(`${name}.s`, [c], v(1, 0.5)), this.floats(`${name}.b`, [c], v(0, 0.4)),
      this.floats(`${name}.m`, [c], v(0, 0.4)), this.floats(`${name}.v`, [c], v(1, 0.8))], name);
  }

  gemm(x: string, name: string, cin: number): string {
    return this.node('Gemm', [x, this.weight(`${name}.w`, [CLASSES, cin]), this.floats(`${name}.b`, [CLASSES], new Array(CLASSES).fill(0.1))], name, { transB: 1 });
  }
}

interface Fixture {
  name: string;
  opset: number;
  ir: number;
  description: string;
  build(n: Net): string;
}

const fixtures: Fixture[] = [
  {
    name: 'resnet-split-op18', opset: 18, ir: 8,
    description: 'Residual block (Conv, BatchNorm, Relu, Add), a channel Split by num_outputs into two convs and a Concat, ReduceMean with axes as an input (opset 18), Gemm.',
    build(n) {
      const a = n.node('Relu', [n.bn(n.conv('x', 'conv1', 3, 8, 3), 'bn1', 8)], 'relu1');
      const b = n.bn(n.conv(n.node('Relu', [n.bn(n.conv(a, 'conv2', 8, 8, 3), 'bn2', 8)], 'relu2'), 'conv3', 8, 8, 3), 'bn3', 8);
      const r = n.node('Relu', [n.node('Add', [a, b], 'add')], 'relu3');
      const [p, q] = ['part0', 'part1'];
      n.node('Split', [r], 'split', { axis: 1, num_outputs: 2 }, [p, q]);
      const cat = n.node('Concat', [n.conv(p, 'conva', 4, 6, 3), n.conv(q, 'convb', 4, 6, 1)], 'cat', { axis: 1 });
      const pooled = n.node('ReduceMean', [n.node('Relu', [cat], 'relu4'), n.ints('axes', [2, 3])], 'mean', { keepdims: 0 });
      return n.gemm(pooled, 'fc', 12);
    },
  },
  {
    name: 'mobilenet-op19', opset: 19, ir: 9,
    description: 'MobileNet-style: strided Conv + HardSwish, depthwise Conv + BatchNorm + Relu, AveragePool with dilations (opset 19), pointwise Conv, Pad with axes (opset 19), GlobalAveragePool, Reshape, Gemm.',
    build(n) {
      const s = n.node('HardSwish', [n.conv('x', 'stem', 3, 8, 3, { strides: [2, 2] })], 'hswish');
      const d = n.node('Relu', [n.bn(n.conv(s, 'dw', 8, 8, 3, {}, 8), 'bndw', 8)], 'reludw');
      const p = n.node('AveragePool', [d], 'dilated', { kernel_shape: [2, 2], dilations: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0 });
      const pw = n.node('Relu', [n.conv(p, 'pw', 8, 12, 1)], 'relupw');
      const padded = n.node('Pad', [pw, n.ints('pads', [1, 0, 1, 2]), n.floats('zero', [], [0]), n.ints('padaxes', [2, 3])], 'pad', { mode: 'constant' });
      const g = n.node('GlobalAveragePool', [n.conv(padded, 'conv2', 12, 12, 3)], 'gap');
      return n.gemm(n.node('Reshape', [g, n.ints('shape', [0, -1])], 'flat'), 'fc', 12);
    },
  },
  {
    name: 'gelu-resize-op20', opset: 20, ir: 9,
    description: 'Conv + Gelu (an op from opset 20), Resize nearest ×2 (opset 19 form), strided Conv + Gelu tanh, ReduceMax with axes as an input, Flatten, Gemm.',
    build(n) {
      const a = n.node('Gelu', [n.conv('x', 'conv1', 3, 6, 3, { strides: [2, 2] })], 'gelu1');
      const up = n.node('Resize', [a, '', n.floats('scales', [4], [1, 1, 2, 2])], 'up', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
      const b = n.node('Gelu', [n.conv(up, 'conv2', 6, 10, 3, { strides: [2, 2] })], 'gelu2', { approximate: 'tanh' });
      const m = n.node('ReduceMax', [n.conv(b, 'conv3', 10, 8, 3), n.ints('axes', [2, 3])], 'max', { keepdims: 1 });
      return n.gemm(n.node('Flatten', [m], 'flat'), 'fc', 8);
    },
  },
  {
    name: 'silu-op21', opset: 21, ir: 10,
    description: 'Conv + LeakyRelu, Pad (opset 21), Conv + SiLU as x·Sigmoid(x), MaxPool, GlobalAveragePool, Squeeze with axes as an input (opset 21), Gemm.',
    build(n) {
      const a = n.node('LeakyRelu', [n.conv('x', 'conv1', 3, 8, 3)], 'leaky', { alpha: { f: 0.1 } });
      const padded = n.node('Pad', [a, n.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])], 'pad', { mode: 'reflect' });
      const c = n.conv(padded, 'conv2', 8, 10, 3, { pads: [0, 0, 0, 0] });
      const silu = n.node('Mul', [c, n.node('Sigmoid', [c], 'sig')], 'silu');
      const g = n.node('GlobalAveragePool', [n.node('MaxPool', [silu], 'pool', { kernel_shape: [2, 2], strides: [2, 2] })], 'gap');
      return n.gemm(n.node('Squeeze', [g, n.ints('sqaxes', [2, 3])], 'squeeze'), 'fc', 10);
    },
  },
  {
    name: 'convnet-op22', opset: 22, ir: 10,
    description: 'Ops at their opset-22 versions: Conv + Elu, MaxPool, Conv + InstanceNormalization + Selu, ConvTranspose, Conv + Softplus, HardSigmoid, Dropout (inference), GlobalAveragePool, Flatten, Gemm.',
    build(n) {
      const a = n.node('MaxPool', [n.node('Elu', [n.conv('x', 'conv1', 3, 8, 3)], 'elu', { alpha: { f: 0.8 } })], 'pool', { kernel_shape: [2, 2], strides: [2, 2] });
      const c = n.conv(a, 'conv2', 8, 8, 3);
      const inorm = n.node('InstanceNormalization', [c, n.floats('in.s', [8], Array.from({ length: 8 }, (_, i) => 0.6 + 0.1 * i)), n.floats('in.b', [8], Array.from({ length: 8 }, (_, i) => 0.05 * i - 0.2))], 'inorm');
      const s = n.node('Selu', [inorm], 'selu');
      const t = n.node('ConvTranspose', [s, n.weight('up.w', [8, 6, 2, 2], 8 * 4), n.floats('up.b', [6], [0, 0.1, -0.1, 0.2, -0.2, 0])], 'up', { strides: [2, 2] });
      const sp = n.node('Softplus', [n.conv(t, 'conv3', 6, 10, 3, { strides: [2, 2] })], 'softplus');
      const h = n.node('Dropout', [n.node('HardSigmoid', [sp], 'hsig', { alpha: { f: 0.3 }, beta: { f: 0.4 } })], 'drop');
      return n.gemm(n.node('Flatten', [n.node('GlobalAveragePool', [h], 'gap')], 'flat'), 'fc', 10);
    },
  },
  {
    name: 'prelu-split3-op23', opset: 23, ir: 11,
    description: 'IR 11, opset 23: Conv + PRelu, a three-way channel Split by num_outputs, three convs and a Concat, Cast (float to float), Identity, Reshape, Transpose of spatial axes, Flatten, Gemm.',
    build(n) {
      const a = n.node('PRelu', [n.conv('x', 'conv1', 3, 9, 3, { strides: [2, 2] }), n.floats('slope', [9, 1, 1], Array.from({ length: 9 }, (_, i) => 0.05 * i - 0.1))], 'prelu');
      const parts = ['s0', 's1', 's2'];
      n.node('Split', [a], 'split', { axis: 1, num_outputs: 3 }, parts);
      const cat = n.node('Concat', parts.map((p, i) => n.node('Relu', [n.conv(p, `branch${i}`, 3, 4, 3)], `relu${i}`)), 'cat', { axis: 1 });
      const c = n.node('Identity', [n.node('Cast', [n.conv(cat, 'conv2', 12, 8, 3, { strides: [2, 2] })], 'cast', { to: 1 })], 'same');
      const r = n.node('Reshape', [c, n.ints('shape', [0, 8, 2, 8])], 'reshape');
      const tr = n.node('Transpose', [r], 'transpose', { perm: [0, 1, 3, 2] });
      return n.gemm(n.node('Flatten', [tr], 'flat'), 'fc', 128);
    },
  },
];

for (const f of fixtures) {
  const n = new Net();
  const y = f.build(n);
  const spec: ModelSpec = { opset: f.opset, ir: f.ir, inputs: [{ name: 'x', dims: ['N', ...INPUT.slice(1)] }], outputs: [{ name: y }], nodes: n.nodes, init: n.init };
  const bytes = onnxModel(spec);
  const x = weights(INPUT.reduce((a, b) => a * b, 1), 1000 + f.opset).map((v) => v * 4);
  const [out] = await ortRunModel(bytes, [[x, INPUT]]);
  const dir = new URL(`${f.name}/`, OUT);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('model.onnx', dir), bytes);
  writeFileSync(new URL('input.bin', dir), new Uint8Array(x.buffer));
  writeFileSync(new URL('output.bin', dir), new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  const meta = {
    name: f.name, family: f.name.replace(/-op\d+$/, ''), description: f.description, opset: f.opset, ir: f.ir,
    reference: 'onnxruntime-web (output.bin)', input: INPUT, output: out.dims,
  };
  writeFileSync(new URL('meta.json', dir), `${JSON.stringify(meta, null, 2)}\n`);
  console.log(`${f.name}: opset ${f.opset}, IR ${f.ir}, ${n.nodes.length} nodes, output [${out.dims}]`);
}
