// The ONNX protobuf messages, through onnx-pb.js (static protobufjs code generated from onnx.proto
// as one ES module with no import, so it loads as is in Node, Deno, browsers and edge runtimes).
// Decoding and encoding of ModelProto, and int64 fields read as numbers whatever the host gives
// (a number, or a Long where the `long` package is present). Nothing here interprets the model.

import { onnx } from './onnx-pb.js';
import type * as P from './onnx-pb.js';
import { OnnxError } from './errors.js';

export { onnx };
export type ModelProto = P.onnx.IModelProto;
export type GraphProto = P.onnx.IGraphProto;
export type NodeProto = P.onnx.INodeProto;
export type AttributeProto = P.onnx.IAttributeProto;
export type TensorProto = P.onnx.ITensorProto;
export type SparseTensorProto = P.onnx.ISparseTensorProto;
export type ValueInfoProto = P.onnx.IValueInfoProto;

export const DataType = onnx.TensorProto.DataType;
export const AttributeType = onnx.AttributeProto.AttributeType;

/** An int64 field as a number (exact up to 2^53; beyond, the nearest double). */
export function int(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return 0;
  if (typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    return (unsigned ? high >>> 0 : high | 0) * 4294967296 + (low >>> 0);
  }
  return Number(v);
}

export function ints(v: readonly unknown[] | null | undefined): number[] {
  return (v ?? []).map(int);
}

/** Decodes a ModelProto; damaged bytes become an OnnxError naming the file and what broke. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${file}: ONNX bytes must be a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) throw new OnnxError('invalid-file', `${file}: not an ONNX model: the file is empty`);
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    const why = e instanceof RangeError && /call stack/i.test(e.message) ? 'messages nest too deeply' : (e as Error).message;
    throw new OnnxError('invalid-file', `${file}: not an ONNX model: protobuf decoding failed (${why})`);
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
