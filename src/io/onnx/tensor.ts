// ONNX tensors ⇄ lopper constants. A constant is its full shape and its values: floats as
// Float32Array (exact), integers and booleans as Float64Array (exact to 2^53). Sizes are checked
// against caps and against the bytes actually present before anything is allocated.

import { DataType, int, ints, type SparseTensorProto, type TensorProto } from './proto.js';
import { OnnxError } from './errors.js';

export interface Const {
  dims: number[];
  data: Float32Array | Float64Array;
  /** false for integer and boolean tensors (shape arithmetic, axes, pads). */
  float: boolean;
}

/**
 * Largest element count of any one tensor lopper reads or makes (2^27: 512 MB of f32, VGG-16's
 * largest layer fits). Totals (all parameters, a sample's activations) are capped at 4× this.
 */
export const MAX_ELEMENTS = 2 ** 27;
/** Largest rank lopper reads. */
export const MAX_RANK = 8;

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(DataType).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]));

export function typeName(t: number): string {
  return NAMES[t] ?? `type ${t}`;
}

/** Bytes per element in raw_data, for the types lopper reads. */
const RAW_SIZE: Record<number, number> = {
  [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.UINT16]: 2, [DataType.INT16]: 2,
  [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.BOOL]: 1, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4, [DataType.UINT64]: 8, [DataType.BFLOAT16]: 2,
};

/** Element count of `dims`, checked: integers ≥ 0, rank ≤ MAX_RANK, product ≤ `cap`; `what` names the tensor. */
export function checkedCount(dims: readonly number[], what: string, cap = MAX_ELEMENTS): number {
  if (dims.length > MAX_RANK) throw new OnnxError('too-large', `${what} has rank ${dims.length}; lopper reads tensors of rank ≤ ${MAX_RANK}`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new OnnxError('bad-node', `${what} has dimension ${d} in [${dims}]; dimensions must be integers ≥ 0`);
    n *= d;
    if (n > cap) throw new OnnxError('too-large', `${what} has dims [${dims}], more than ${cap} elements (lopper's cap)`);
  }
  return n;
}

/** A TensorProto's values; `what` names it in errors ("initializer 'conv1.weight'"). */
export function readTensor(t: TensorProto, what: string): Const {
  const external = (t.externalData ?? []).find((e) => e.key === 'location');
  if (t.dataLocation === 1 || external) {
    throw new OnnxError('external-data',
      `${what} keeps its data in an external file${external?.value ? ` ('${external.value}')` : ''}; lopper reads self-contained .onnx files ` +
      `(save with onnx.save(model, path, save_as_external_data=False))`);
  }
  if (t.segment) throw new OnnxError('bad-node', `${what} is a segment of a larger tensor; lopper reads whole tensors`);
  const type = t.dataType ?? 0;
  const dims = ints(t.dims);
  const n = checkedCount(dims, what);
  const size = RAW_SIZE[type];
  if (size === undefined) throw new OnnxError('bad-node', `${what} has element type ${typeName(type)}; lopper reads numeric and boolean tensors`);
  const float = type === DataType.FLOAT || type === DataType.DOUBLE || type === DataType.FLOAT16 || type === DataType.BFLOAT16;
  // The sizes are checked against the bytes present before anything is allocated.
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== n * size) {
      throw new OnnxError('bad-node', `${what} declares dims [${dims}] (${n} ${typeName(type)} values, ${n * size} bytes) but holds ${raw.length} bytes`);
    }
    const data = float ? new Float32Array(n) : new Float64Array(n);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) data[i] = rawValue(view, i, type);
    return { dims, data, float };
  }
  const field: readonly unknown[] =
    type === DataType.FLOAT ? t.floatData ?? []
    : type === DataType.DOUBLE ? t.doubleData ?? []
    : type === DataType.INT64 ? t.int64Data ?? []
    : type === DataType.UINT32 || type === DataType.UINT64 ? t.uint64Data ?? []
    : t.int32Data ?? [];
  if (field.length !== n) {
    throw new OnnxError('bad-node', `${what} declares dims [${dims}] (${n} values) but holds ${field.length} ${typeName(type)} values`);
  }
  const data = float ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = int(field[i]);
    data[i] = type === DataType.FLOAT16 ? half(v) : type === DataType.BFLOAT16 ? bfloat(v) : type === DataType.BOOL ? (v ? 1 : 0) : v;
  }
  return { dims, data, float };
}

/**
 * A SparseTensorProto (a sparse initializer) as the dense constant it stands for: values [nnz],
 * indices [nnz] (linear) or [nnz, rank], both checked — in range, ascending, no duplicates, as the
 * ONNX spec requires — before the dense tensor is allocated.
 */
export function readSparseTensor(s: SparseTensorProto, what: string): Const {
  if (!s.values) throw new OnnxError('bad-node', `${what} has no values tensor`);
  if (!s.indices) throw new OnnxError('bad-node', `${what} has no indices tensor`);
  const dims = ints(s.dims);
  const n = checkedCount(dims, what);
  const values = readTensor(s.values, `${what} (values)`);
  const nnz = values.data.length;
  if (values.dims.length !== 1) throw new OnnxError('bad-node', `${what}: values must have rank 1, got dims [${values.dims}]`);
  const indices = readTensor(s.indices, `${what} (indices)`);
  const rank = dims.length;
  const linear = indices.dims.length === 1;
  if (indices.float || (linear ? indices.dims[0] !== nnz : indices.dims.length !== 2 || indices.dims[0] !== nnz || indices.dims[1] !== rank)) {
    throw new OnnxError('bad-node', `${what}: indices must be integers of dims [${nnz}] or [${nnz},${rank}] for ${nnz} values, got ${indices.float ? 'floats' : ''} dims [${indices.dims}]`);
  }
  const data = values.float ? new Float32Array(n) : new Float64Array(n);
  let previous = -1;
  for (let p = 0; p < nnz; p++) {
    let at = 0;
    if (linear) at = indices.data[p];
    else {
      for (let d = 0; d < rank; d++) {
        const i = indices.data[p * rank + d];
        if (!(i >= 0 && i < dims[d])) throw new OnnxError('bad-node', `${what}: index ${p} has ${i} on axis ${d}, outside dims [${dims}]`);
        at = at * dims[d] + i;
      }
    }
    if (!(at >= 0 && at < n)) throw new OnnxError('bad-node', `${what}: index ${p} is ${at}, outside the ${n} entries of dims [${dims}]`);
    if (at <= previous) throw new OnnxError('bad-node', `${what}: indices must ascend without duplicates; index ${p} (${at}) follows ${previous}`);
    data[at] = values.data[p];
    previous = at;
  }
  return { dims, data, float: values.float };
}

function rawValue(view: DataView, i: number, type: number): number {
  switch (type) {
    case DataType.FLOAT: return view.getFloat32(4 * i, true);
    case DataType.DOUBLE: return view.getFloat64(8 * i, true);
    case DataType.UINT8: return view.getUint8(i);
    case DataType.INT8: return view.getInt8(i);
    case DataType.BOOL: return view.getUint8(i) ? 1 : 0;
    case DataType.UINT16: return view.getUint16(2 * i, true);
    case DataType.INT16: return view.getInt16(2 * i, true);
    case DataType.INT32: return view.getInt32(4 * i, true);
    case DataType.UINT32: return view.getUint32(4 * i, true);
    case DataType.INT64: return view.getInt32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true);
    case DataType.UINT64: return view.getUint32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true);
    case DataType.FLOAT16: return half(view.getUint16(2 * i, true));
    case DataType.BFLOAT16: return bfloat(view.getUint16(2 * i, true));
    default: return NaN;
  }
}

/** IEEE half-precision bits → number. */
function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function bfloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (bits & 0xffff) << 16);
  return view.getFloat32(0);
}

/** A float32 TensorProto with raw little-endian data. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

/** An int64 TensorProto (shapes, pads, axes) with raw little-endian data. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: raw };
}
