// Small ONNX models built in memory for the import tests: nodes with plain attributes, float or
// int64 initializers, inputs and outputs with fixed or symbolic dimensions.

import { onnx } from '../../src/io/onnx/proto.js';
import { floatTensor, int64Tensor } from '../../src/io/onnx/tensor.js';

export type Attr = number | number[] | string | { f: number } | { floats: number[] } | { t: { dims: number[]; floats?: number[]; ints?: number[] } };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs?: string[];
  attrs?: Record<string, Attr>;
  name?: string;
  domain?: string;
}

export interface ModelSpec {
  opset?: number;
  ir?: number;
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims?: (number | string)[] }[];
  nodes: NodeSpec[];
  /** Float initializers; `ints` makes an int64 one. */
  init?: { name: string; dims: number[]; floats?: ArrayLike<number>; ints?: number[] }[];
}

const T = onnx.AttributeProto.AttributeType;

function attribute(name: string, v: Attr) {
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  const t = v.t.ints ? int64Tensor('', v.t.dims, v.t.ints) : floatTensor('', v.t.dims, v.t.floats ?? []);
  return { name, type: T.TENSOR, t };
}

function valueInfo(name: string, dims?: (number | string)[]) {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
  };
}

/** The ModelProto object (to mutate before encoding). */
export function modelProto(spec: ModelSpec) {
  return onnx.ModelProto.create({
    irVersion: spec.ir ?? 8,
    producerName: 'lopper-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        opType: n.op, name: n.name ?? `${n.op}_${i}`, domain: n.domain ?? '', input: n.inputs, output: n.outputs ?? [`${n.name ?? `${n.op}_${i}`}_out`],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: (spec.init ?? []).map((t) => (t.ints ? int64Tensor(t.name, t.dims, t.ints) : floatTensor(t.name, t.dims, t.floats ?? []))),
      input: spec.inputs.map((i) => valueInfo(i.name, i.dims)),
      output: spec.outputs.map((o) => valueInfo(o.name, o.dims)),
    },
  });
}

export function onnxModel(spec: ModelSpec): Uint8Array {
  return onnx.ModelProto.encode(modelProto(spec)).finish();
}

/** Seeded weights in [−0.5, 0.5). */
export function weights(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}
