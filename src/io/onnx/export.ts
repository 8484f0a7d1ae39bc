// Model → ONNX bytes (opset 17 by default, 13–18): one or a few standard nodes per lopper layer,
// parameters as float32 initializers (masked weights written as the zeros they are, or with
// `sparseInitializers` as ONNX sparse initializers), a symbolic batch axis on inputs and outputs.
// Any runtime that reads ONNX runs the result.

import type { Model } from '../../nn/model.js';
import type { GraphNode } from '../../graph/graph.js';
import { AttributeType, DataType, encodeModel, type AttributeProto, type NodeProto, type SparseTensorProto, type TensorProto, type ValueInfoProto } from './proto.js';
import { floatTensor, int64Tensor } from './tensor.js';
import { OnnxError } from './errors.js';
import { emitFakeQuant } from './export-qdq.js';

export interface OnnxExportOptions {
  /** Default-domain opset, 13–18 (default 17). */
  opset?: number;
  /** The batch dimension of inputs and outputs: a fixed size, or a symbolic name (default 'batch'). */
  batch?: number | string;
  /** producer_name (default 'lopper'). */
  producer?: string;
  /** Kept in the file's metadata_props (key → value); importers return it as `OnnxInfo.metadata`. */
  metadata?: Record<string, string>;
  /**
   * Weights as ONNX sparse initializers (f32 values, int64 linear indices: 12 bytes per nonzero)
   * where that is smaller than dense f32, i.e. under a third of the entries nonzero (default false).
   */
  sparseInitializers?: boolean;
}

type Attr = number | number[] | string | { float: number } | { floats: number[] };

/** The writer's state for one export: nodes, initializers and the names already taken. */
export class Writer {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly sparseInitializers: SparseTensorProto[] = [];
  private readonly taken = new Set<string>();

  constructor(readonly model: Model, readonly opset: number, readonly sparse = false) {
    for (const i of model.graph.inputs) this.taken.add(i.name);
    for (const n of model.graph.nodes) this.taken.add(n.name);
  }

  /** A fresh value name derived from `base`. */
  name(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  node(op: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}, name = output): string {
    this.nodes.push({ opType: op, name, input: inputs, output: [output], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return output;
  }

  /** A lopper parameter as an initializer (mask applied; `dims` to reshape it); returns its name. */
  param(node: string, param: string, dims?: readonly number[]): string {
    const { params } = this.model;
    const e = params.entry(node, param);
    const values = params.values.f32().slice(e.start, e.start + e.size);
    const mask = e.trainable && params.mask ? params.mask.f32().subarray(e.start, e.start + e.size) : undefined;
    if (mask) for (let i = 0; i < values.length; i++) if (mask[i] === 0) values[i] = 0;
    if (this.sparse && e.trainable && param === 'weight') {
      const at: number[] = [];
      values.forEach((v, i) => v !== 0 && at.push(i));
      if (3 * at.length < values.length) {
        const name = this.name(`${node}.${param}`);
        this.sparseInitializers.push({
          values: floatTensor(name, [at.length], at.map((i) => values[i])),
          indices: int64Tensor(`${name}.indices`, [at.length], at),
          dims: [...(dims ?? e.shape)],
        });
        return name;
      }
    }
    return this.floats(`${node}.${param}`, dims ?? e.shape, values);
  }

  floats(base: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.name(base);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  int64s(base: string, values: readonly number[]): string {
    const name = this.name(base);
    this.initializers.push(int64Tensor(name, [values.length], values));
    return name;
  }
}

function attribute(name: string, v: Attr): AttributeProto {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

function valueInfo(name: string, batch: number | string, shape: readonly number[]): ValueInfoProto {
  const dim = [typeof batch === 'number' ? { dimValue: batch } : { dimParam: batch }, ...shape.map((d) => ({ dimValue: d }))];
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim } } } };
}

/** Writes `model` as ONNX bytes. Throws an OnnxError naming any layer without an ONNX form. */
export function exportOnnx(model: Model, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 18) throw new RangeError(`exportOnnx: 'opset' must be an integer in [13, 18], got ${opset}`);
  const batch = options.batch ?? 'batch';
  if (typeof batch === 'number' ? !Number.isInteger(batch) || batch < 1 : typeof batch !== 'string' || batch === '') {
    throw new RangeError(`exportOnnx: 'batch' must be an integer ≥ 1 or a dimension name, got ${JSON.stringify(batch)}`);
  }
  const g = model.graph;
  const w = new Writer(model, opset, options.sparseInitializers === true);
  for (const node of g.nodes) emit(w, node);
  return encodeModel({
    irVersion: 8,
    producerName: options.producer ?? 'lopper',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: g.name,
      node: w.nodes,
      initializer: w.initializers,
      sparseInitializer: w.sparseInitializers,
      input: g.inputs.map((i) => valueInfo(i.name, batch, i.shape)),
      output: g.outputs.map((o) => valueInfo(o, batch, g.shapeOf(o))),
    },
  });
}

/** Per-sample axis → ONNX axis (non-negative, batch first). */
function axis(a: number, rank: number): number {
  return (a < 0 ? a + rank : a) + 1;
}

function emit(w: Writer, node: GraphNode): void {
  const { name, inputs: xs, layer } = node;
  const x = xs[0];
  const rank = node.inputShapes[0]?.length ?? 0;
  const attrs = layer.attrs() as Record<string, any>;
  const reduce = (op: string, input: string, axes: number[], keepdims: number, output: string) =>
    w.opset >= 18
      ? w.node(op, [input, w.int64s(`${output}.axes`, axes)], output, { keepdims })
      : w.node(op, [input], output, { axes, keepdims });
  switch (layer.op) {
    case 'Dense': {
      const inputs = [x, w.param(name, 'weight'), ...(attrs.bias ? [w.param(name, 'bias')] : [])];
      w.node('Gemm', inputs, attrs.activation ? `${name}.pre` : name, { transB: 1 });
      if (attrs.activation) w.node('Relu', [`${name}.pre`], name); // a fused ReLU (src/slim)
      return;
    }
    case 'Conv2d': {
      const c = layer as unknown as { kernel: number[]; stride: number[]; padding: number[]; dilation: number[]; groups: number; bias: boolean };
      const inputs = [x, w.param(name, 'weight'), ...(c.bias ? [w.param(name, 'bias')] : [])];
      w.node('Conv', inputs, attrs.activation ? `${name}.pre` : name, {
        kernel_shape: [...c.kernel], strides: [...c.stride], pads: [...c.padding, ...c.padding], dilations: [...c.dilation], group: c.groups,
      });
      if (attrs.activation) w.node('Relu', [`${name}.pre`], name); // a fused ReLU (src/slim)
      return;
    }
    case 'MaxPool2d':
    case 'AvgPool2d': {
      const { kernel, stride, padding } = (layer as unknown as { window: { kernel: number[]; stride: number[]; padding: number[] } }).window;
      const common = { kernel_shape: [...kernel], strides: [...stride], pads: [...padding, ...padding] };
      const dilation = (layer as unknown as { dilation?: number[] }).dilation;
      const dilated = dilation !== undefined && dilation.some((d) => d !== 1);
      if (layer.op === 'MaxPool2d') w.node('MaxPool', [x], name, dilated ? { ...common, dilations: [...dilation] } : common);
      else if (!dilated) w.node('AveragePool', [x], name, { ...common, count_include_pad: attrs.countIncludePad ? 1 : 0 });
      else {
        // NOTE: AveragePool has dilations from opset 19, past the opsets lopper writes: a depthwise
        // Conv of ones sums the taps, and a constant map divides by each window's divisor.
        const C = node.inputShapes[0][0];
        const ones = w.floats(`${name}.ones`, [C, 1, ...kernel], new Float32Array(C * kernel[0] * kernel[1]).fill(1));
        const sum = w.node('Conv', [x, ones], w.name(`${name}.sum`), { ...common, dilations: [...dilation], group: C });
        const map = (layer as unknown as { divisorMap(x: readonly number[]): Float32Array }).divisorMap(node.inputShapes[0]);
        w.node('Mul', [sum, w.floats(`${name}.scale`, [1, ...node.outputShape.slice(1)], map.map((d) => 1 / d))], name);
      }
      return;
    }
    case 'GlobalAvgPool': w.node('GlobalAveragePool', [x], name); return;
    case 'BatchNorm':
      w.node('BatchNormalization', [x, ...['gamma', 'beta', 'runningMean', 'runningVar'].map((p) => w.param(name, p))], name,
        { epsilon: { float: attrs.eps }, momentum: { float: 1 - attrs.momentum } });
      return;
    case 'Relu': case 'Sigmoid': case 'Tanh': case 'Identity':
      w.node(layer.op, [x], name);
      return;
    case 'LeakyRelu': w.node('LeakyRelu', [x], name, { alpha: { float: attrs.slope } }); return;
    case 'HardSigmoid': w.node('HardSigmoid', [x], name, { alpha: { float: attrs.alpha }, beta: { float: attrs.beta } }); return;
    case 'HardSwish':
      if (w.opset >= 14) w.node('HardSwish', [x], name);
      else {
        // NOTE: HardSwish arrived in opset 14; before, x · HardSigmoid(x; 1/6, 1/2) is the same function.
        const gate = w.node('HardSigmoid', [x], w.name(`${name}/gate`), { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
        w.node('Mul', [x, gate], name);
      }
      return;
    case 'Clip': {
      const c = layer as unknown as { min: number; max: number };
      const min = c.min > -Infinity ? w.floats(`${name}.min`, [], [c.min]) : '';
      const max = c.max < Infinity ? w.floats(`${name}.max`, [], [c.max]) : '';
      w.node('Clip', max ? [x, min, max] : min ? [x, min] : [x], name);
      return;
    }
    case 'Softmax': case 'LogSoftmax': w.node(layer.op, [x], name, { axis: axis(attrs.axis, rank) }); return;
    case 'Dropout':
      // Inference: the identity. The ratio is kept so that a re-import trains with the same rate.
      w.node('Dropout', [x, w.floats(`${name}.ratio`, [], [attrs.rate])], name);
      return;
    case 'Lrn':
      w.node('LRN', [x], name, { size: attrs.size, alpha: { float: attrs.alpha }, beta: { float: attrs.beta }, bias: { float: attrs.bias } });
      return;
    case 'Flatten': w.node('Flatten', [x], name, { axis: 1 }); return;
    case 'Reshape': w.node('Reshape', [x, w.int64s(`${name}.shape`, [-1, ...node.outputShape])], name); return;
    case 'Transpose': w.node('Transpose', [x], name, { perm: [0, ...(attrs.perm as number[]).map((p) => p + 1)] }); return;
    case 'Concat': w.node('Concat', xs, name, { axis: axis(attrs.axis, rank) }); return;
    case 'Add': w.node(xs.length === 2 ? 'Add' : 'Sum', xs, name); return;
    case 'BroadcastAdd': case 'Sub': case 'Mul': case 'Div': {
      const op = layer.op === 'BroadcastAdd' ? 'Add' : layer.op;
      if (!attrs.operand) w.node(op, xs, name);
      else {
        const c = w.param(name, 'operand');
        w.node(op, attrs.operandFirst ? [c, x] : [x, c], name);
      }
      return;
    }
    case 'Pad': {
      const pads = attrs.pads as number[];
      const r = pads.length / 2;
      const value = (layer as unknown as { value: number }).value;
      const mode = (layer as unknown as { mode: string }).mode;
      const padsInput = w.int64s(`${name}.pads`, [0, ...pads.slice(0, r), 0, ...pads.slice(r)]);
      w.node('Pad', mode === 'constant' ? [x, padsInput, w.floats(`${name}.value`, [], [value])] : [x, padsInput], name, { mode });
      return;
    }
    case 'ReduceMean': {
      const axes = [...(layer as unknown as { axesFor(x: readonly number[]): Set<number> }).axesFor(node.inputShapes[0])].sort((a, b) => a - b).map((a) => a + 1);
      reduce('ReduceMean', x, axes, attrs.keepdims ? 1 : 0, name);
      return;
    }
    case 'Maxout': {
      // Output channel j is the maximum of input channels [j·k, (j+1)·k): split the channel axis, reduce the k axis.
      const [C, ...spatial] = node.inputShapes[0];
      const k = attrs.k as number;
      const split = w.node('Reshape', [x, w.int64s(`${name}.shape`, [-1, C / k, k, ...spatial])], w.name(`${name}/split`));
      reduce('ReduceMax', split, [2], 0, name);
      return;
    }
    case 'Slice': {
      const axes = (attrs.axes as number[]).map((a) => a + 1);
      w.node('Slice', [x, w.int64s(`${name}.starts`, attrs.starts), w.int64s(`${name}.ends`, attrs.ends), w.int64s(`${name}.axes`, axes), w.int64s(`${name}.steps`, attrs.steps)], name);
      return;
    }
    case 'Exp': case 'Log': case 'Sqrt': case 'Neg': case 'Abs': case 'Reciprocal': case 'Erf': case 'Softplus':
      w.node(layer.op, [x], name);
      return;
    case 'Elu': w.node('Elu', [x], name, { alpha: { float: attrs.alpha } }); return;
    case 'Selu': w.node('Selu', [x], name, { alpha: { float: attrs.alpha }, gamma: { float: attrs.gamma } }); return;
    case 'Pow': w.node('Pow', [x, w.floats(`${name}.exponent`, [], [attrs.exponent])], name); return;
    case 'Gelu': {
      // NOTE: Gelu arrived in opset 20, past the opsets lopper writes: written as its formula.
      const c = (label: string, v: number) => w.floats(`${name}.${label}`, [], [v]);
      const half = w.node('Mul', [x, c('half', 0.5)], w.name(`${name}/half`));
      let inner: string;
      if (attrs.approximate === 'tanh') {
        const cube = w.node('Mul', [w.node('Mul', [x, x], w.name(`${name}/square`)), x], w.name(`${name}/cube`));
        const sum = w.node('Add', [x, w.node('Mul', [cube, c('k', 0.044715)], w.name(`${name}/kcube`))], w.name(`${name}/sum`));
        inner = w.node('Tanh', [w.node('Mul', [sum, c('scale', Math.sqrt(2 / Math.PI))], w.name(`${name}/scaled`))], w.name(`${name}/tanh`));
      } else {
        inner = w.node('Erf', [w.node('Div', [x, c('sqrt2', Math.SQRT2)], w.name(`${name}/scaled`))], w.name(`${name}/erf`));
      }
      w.node('Mul', [half, w.node('Add', [inner, c('one', 1)], w.name(`${name}/gate`))], name);
      return;
    }
    case 'PRelu': {
      // The slopes as pruning left them: cut with their channels, masked like every weight.
      const C = w.model.params.entry(name, 'slope').size;
      const dims = attrs.shared ? [1] : [C, ...new Array<number>(rank - 1).fill(1)];
      w.node('PRelu', [x, w.param(name, 'slope', dims)], name);
      return;
    }
    case 'Max': case 'Min': case 'Mean': w.node(layer.op, xs, name); return;
    case 'ReduceSum': case 'ReduceMax': case 'ReduceMin': case 'ReduceL2': {
      const axes = [...(layer as unknown as { axesFor(x: readonly number[]): Set<number> }).axesFor(node.inputShapes[0])].sort((a, b) => a - b).map((a) => a + 1);
      const keepdims = attrs.keepdims ? 1 : 0;
      // ReduceSum took its axes as an input from opset 13, the others from 18.
      if (layer.op === 'ReduceSum' && w.opset >= 13) w.node('ReduceSum', [x, w.int64s(`${name}.axes`, axes)], name, { keepdims });
      else reduce(layer.op, x, axes, keepdims, name);
      return;
    }
    case 'RoundFloat': {
      const narrow = w.node('Cast', [x], w.name(`${name}/narrow`), { to: attrs.to === 'float16' ? DataType.FLOAT16 : DataType.BFLOAT16 });
      w.node('Cast', [narrow], name, { to: DataType.FLOAT });
      return;
    }
    case 'InstanceNorm':
      w.node('InstanceNormalization', [x, w.param(name, 'scale'), w.param(name, 'bias')], name, { epsilon: { float: attrs.eps } });
      return;
    case 'LayerNorm': {
      // NOTE: LayerNormalization arrived in opset 17.
      if (w.opset < 17) throw new OnnxError('export', `exportOnnx: node '${name}' is a LayerNorm, which ONNX has from opset 17; export with opset ≥ 17`);
      const a = (layer as unknown as { axisFor(x: readonly number[]): number }).axisFor(node.inputShapes[0]);
      w.node('LayerNormalization', [x, w.param(name, 'scale'), ...(attrs.bias ? [w.param(name, 'bias')] : [])], name, { axis: a + 1, epsilon: { float: attrs.eps } });
      return;
    }
    case 'ConvTranspose2d': {
      const c = layer as unknown as { kernel: number[]; stride: number[]; pads: number[]; outputPadding: number[]; dilation: number[]; groups: number; bias: boolean };
      const inputs = [x, w.param(name, 'weight'), ...(c.bias ? [w.param(name, 'bias')] : [])];
      w.node('ConvTranspose', inputs, name, {
        kernel_shape: [...c.kernel], strides: [...c.stride], pads: [...c.pads], output_padding: [...c.outputPadding], dilations: [...c.dilation], group: c.groups,
      });
      return;
    }
    case 'Resize': {
      const c = layer as unknown as { sizes: number[]; scales?: number[]; mode: string; coordinate: string; nearest: string };
      let inputs: string[];
      if (c.scales) inputs = [x, '', w.floats(`${name}.scales`, [c.scales.length + 2], [1, 1, ...c.scales])];
      else {
        // Sizes fix the output exactly (scales out/in may round down in float32); the batch size
        // stays open: [batch, C] from Shape(x), then the spatial sizes.
        const shape = w.node('Shape', [x], w.name(`${name}/shape`));
        const head = w.node('Slice', [shape, w.int64s(`${name}.start`, [0]), w.int64s(`${name}.end`, [2])], w.name(`${name}/batch-channels`));
        const sizes = w.node('Concat', [head, w.int64s(`${name}.sizes`, c.sizes)], w.name(`${name}/sizes`), { axis: 0 });
        inputs = [x, '', '', sizes];
      }
      w.node('Resize', inputs, name, { mode: c.mode, coordinate_transformation_mode: c.coordinate, nearest_mode: c.nearest });
      return;
    }
    case 'FakeQuant': emitFakeQuant(w, node); return;
    default:
      throw new OnnxError('export', `exportOnnx: node '${name}' is a ${layer.op} layer, which has no ONNX form in this lopper`);
  }
}
