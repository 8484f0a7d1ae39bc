// QDQ ONNX: a FakeQuant node as QuantizeLinear → DequantizeLinear, and a quantised model's Dense
// and Conv weights as int8 initializers behind a per-channel DequantizeLinear (axis 0), the
// form onnxruntime's quantiser writes and every runtime with int8 kernels fuses.

import type { GraphNode } from '../../graph/graph.js';
import type { Model } from '../../nn/model.js';
import { DataType, decodeModel, encodeModel, type NodeProto, type TensorProto } from './proto.js';
import { exportOnnx, type OnnxExportOptions, type Writer } from './export.js';
import { floatTensor } from './tensor.js';
import { OnnxError } from './errors.js';
import { roundHalfEven } from '../../kernels/reference/int8.js';

export function int8Tensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT8, rawData: Uint8Array.from(values, (v) => v & 0xff) };
}

/** FakeQuant(scale, zeroPoint) as QuantizeLinear → DequantizeLinear with an int8 zero point. */
export function emitFakeQuant(w: Writer, node: GraphNode): void {
  const { scale, zeroPoint } = node.layer.attrs() as { scale: number; zeroPoint: number };
  const s = w.floats(`${node.name}.scale`, [], [scale]);
  const zp = w.name(`${node.name}.zero_point`);
  w.initializers.push(int8Tensor(zp, [], [zeroPoint]));
  const q = w.node('QuantizeLinear', [node.inputs[0], s, zp], w.name(`${node.name}/q`));
  w.node('DequantizeLinear', [q, s, zp], node.name);
}

/**
 * Exports `model` (FakeQuant nodes and all) and stores the weight of each node named in
 * `weightScales` as int8 (round(w / scale[c]), saturated to ±127) with a DequantizeLinear.
 */
export function exportQdqOnnx(model: Model, weightScales: ReadonlyMap<string, Float32Array>, options: OnnxExportOptions = {}): Uint8Array {
  const proto = decodeModel(exportOnnx(model, options), 'exportQdqOnnx');
  const graph = proto.graph!;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const dq: NodeProto[] = [];
  for (const [name, scales] of weightScales) {
    const node = (graph.node ?? []).find((n) => n.name === name && (n.opType === 'Gemm' || n.opType === 'Conv'));
    if (!node) throw new OnnxError('export', `exportQdqOnnx: node '${name}' is not a Dense or Conv2d layer of model '${model.graph.name}'`);
    const weight = inits.get(node.input![1])!;
    const dims = weight.dims!.map(Number);
    const raw = weight.rawData!;
    const f = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    if (dims[0] !== scales.length) throw new RangeError(`exportQdqOnnx: '${name}' has ${dims[0]} output channels, ${scales.length} scales given`);
    const per = f.length / scales.length;
    const q = new Int8Array(f.length);
    for (let i = 0; i < f.length; i++) q[i] = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(f[i] / scales[Math.floor(i / per)]))));
    const base = weight.name!;
    graph.initializer = graph.initializer!.filter((t) => t !== weight);
    graph.initializer.push(
      int8Tensor(`${base}_quantized`, dims, q),
      floatTensor(`${base}_scale`, [scales.length], scales),
      int8Tensor(`${base}_zero_point`, [scales.length], new Int8Array(scales.length)),
    );
    dq.push({
      opType: 'DequantizeLinear', name: `${base}_DequantizeLinear`, input: [`${base}_quantized`, `${base}_scale`, `${base}_zero_point`], output: [base],
      attribute: [{ name: 'axis', type: 2, i: 0 }],
    });
  }
  graph.node = [...dq, ...(graph.node ?? [])];
  return encodeModel(proto);
}
