// What a QDQ ONNX file says about its int8 layers, read from the file itself (the import folds
// int8 weights to f32): for each Conv, Gemm and MatMul whose weight is an int8 initializer behind
// a DequantizeLinear, its per-channel weight scales and int8 bytes, and the scale of the
// QuantizeLinear → DequantizeLinear pair on its input. For `lopper inspect`.

import { DataType, decodeModel, type NodeProto, type TensorProto } from './proto.js';
import { readTensor } from './tensor.js';

export interface QdqLayer {
  /** The Conv / Gemm / MatMul node. */
  node: string;
  op: string;
  /** Scale of its quantised input (null when the input is not behind a QDQ pair). */
  inputScale: number | null;
  weightScaleMin: number;
  weightScaleMax: number;
  /** Weight scales: one per output channel, or one for the tensor. */
  channels: number;
  int8Bytes: number;
}

const LAYER_OPS = new Set(['Conv', 'Gemm', 'MatMul']);

/** The int8 layers of an ONNX file ([] for a float model). */
export function qdqLayers(bytes: Uint8Array, file: string): QdqLayer[] {
  const graph = decodeModel(bytes, file).graph;
  if (!graph) return [];
  const inits = new Map<string, TensorProto>((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  const scaleOf = (dq: NodeProto) => {
    const t = inits.get(dq.input?.[1] ?? '');
    return t ? readTensor(t, `initializer '${t.name}'`).data : null;
  };
  const layers: QdqLayer[] = [];
  for (const n of graph.node ?? []) {
    if (!LAYER_OPS.has(n.opType ?? '')) continue;
    const wdq = producer.get(n.input?.[1] ?? '');
    const w = wdq?.opType === 'DequantizeLinear' ? inits.get(wdq.input?.[0] ?? '') : undefined;
    if (!wdq || !w || w.dataType !== DataType.INT8) continue;
    const scales = scaleOf(wdq);
    if (!scales || scales.length === 0) continue;
    const xdq = producer.get(n.input?.[0] ?? '');
    const xq = xdq?.opType === 'DequantizeLinear' ? producer.get(xdq.input?.[0] ?? '') : undefined;
    const inputScale = xq?.opType === 'QuantizeLinear' ? scaleOf(xdq!)?.[0] ?? null : null;
    const count = (w.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
    layers.push({
      node: n.name || n.output?.[0] || '', op: n.opType ?? '', inputScale,
      weightScaleMin: Math.min(...scales), weightScaleMax: Math.max(...scales), channels: scales.length, int8Bytes: count,
    });
  }
  return layers;
}
