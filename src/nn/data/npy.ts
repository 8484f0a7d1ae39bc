// NumPy's .npy format from bytes: the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), a header
// length, a Python-dict header ({'descr': '<f4', 'fortran_order': False, 'shape': (N, …)}), then
// the values in C order. lopper reads little-endian (or byte-sized) float, int, uint and bool
// arrays; datasetFromNpy pairs an inputs array with a labels array, as PyTorch users save them.

import { Dataset, type Normalise, type NormaliseConstants } from './dataset.js';

export interface NpyArray {
  /** The descr, e.g. '<f4'. */
  dtype: string;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const KINDS: Record<string, new (b: ArrayBuffer, o: number, n: number) => NpyArray['data']> = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, b1: Uint8Array, i2: Int16Array, u2: Uint16Array,
  i4: Int32Array, u4: Uint32Array, i8: BigInt64Array, u8: BigUint64Array,
};

/** The array in .npy `bytes`; `name` (the file's) heads every error. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const fail = (msg: string): never => { throw new RangeError(`${name}: ${msg}`); };
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) fail(`not a .npy file (it does not start with "\\x93NUMPY")`);
  const major = bytes[6];
  if (major < 1 || major > 3) fail(`.npy version ${major}.${bytes[7]}; lopper reads versions 1.0–3.0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail(`the header is cut short`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLength;
  if (start > bytes.length) fail(`the header says ${headerLength} bytes, the file is ${bytes.length} bytes long`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1] ?? fail(`the header has no 'descr': ${header.trim()}`);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] ?? fail(`the header has no 'fortran_order': ${header.trim()}`);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail(`the header has no 'shape': ${header.trim()}`);
  if (fortran === 'True') fail(`the array is in Fortran order; save it with numpy.ascontiguousarray first`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`shape (${shapeText}) is not a list of sizes`);
  const order = descr[0];
  const kind = descr.slice(1);
  const make = KINDS[kind];
  if (!make || !['<', '|', '='].includes(order) || (order === '|' && !['i1', 'u1', 'b1'].includes(kind))) {
    fail(`dtype '${descr}': lopper reads little-endian float32/64, int8–64, uint8–64 and bool arrays`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const size = Number(kind.slice(1));
  if (bytes.length - start < n * size) fail(`shape (${shape}) of ${descr} needs ${n * size} data bytes, the file has ${bytes.length - start}`);
  // A copy, aligned whatever the header length (and not a view: Node's Buffer.slice shares memory).
  const copy = new Uint8Array(bytes.subarray(start, start + n * size));
  return { dtype: descr, shape, data: new make!(copy.buffer, 0, n) };
}

export interface NpyDatasetOptions {
  name?: string;
  /** [C, H, W] to read each sample as (default: the sample's own dims, padded in front to rank 3). */
  shape?: readonly number[];
  classes?: number;
  /** Default 'none' for float inputs (PyTorch tensors come normalised), 'auto' for 8-bit ones. */
  normalise?: Normalise | NormaliseConstants | 'auto' | 'none';
}

/** A dataset from an inputs array [N, ...] (float or uint8) and a labels array [N] of class indices. */
export function datasetFromNpy(inputs: NpyArray, labels: NpyArray, options: NpyDatasetOptions & { inputsFile?: string; labelsFile?: string } = {}): Dataset {
  const inName = options.inputsFile ?? 'inputs.npy';
  const labName = options.labelsFile ?? 'labels.npy';
  const [N, ...sample] = inputs.shape;
  if (inputs.shape.length < 2) throw new RangeError(`${inName}: shape (${inputs.shape}) needs a sample axis and at least one more`);
  if (labels.shape.length !== 1 || labels.shape[0] !== N) throw new RangeError(`${labName}: shape (${labels.shape}); the labels must be one per input sample, shape (${N},)`);
  if (labels.dtype.slice(1, 2) === 'f') throw new RangeError(`${labName}: dtype '${labels.dtype}'; labels are class indices (an integer dtype)`);
  const S = sample.reduce((a, b) => a * b, 1);
  let shape = options.shape ? [...options.shape] : [...new Array<number>(Math.max(0, 3 - sample.length)).fill(1), ...sample];
  if (!options.shape && shape.length > 3) throw new RangeError(`${inName}: samples of shape (${sample}) have more than 3 axes; lopper's datasets hold [C, H, W]`);
  if (shape.reduce((a, b) => a * b, 1) !== S) throw new RangeError(`${inName}: samples of shape (${sample}) hold ${S} values, not [${shape}]`);
  shape = shape.length === 3 ? shape : [1, 1, S];
  const u8 = inputs.data instanceof Uint8Array && inputs.dtype.endsWith('u1');
  const pixels = u8 ? (inputs.data as Uint8Array) : Float32Array.from(inputs.data as ArrayLike<number>);
  const raw = labels.data;
  const ints = Int32Array.from({ length: N }, (_, i) => Number(raw[i]));
  const bad = ints.findIndex((v, i) => v < 0 || BigInt(v) !== BigInt(raw[i] as number | bigint));
  if (bad >= 0) throw new RangeError(`${labName}: label ${raw[bad]} at index ${bad} is not a class index ≥ 0`);
  return new Dataset({
    name: options.name ?? inName, shape, pixels, labels: ints, classes: options.classes,
    normalise: options.normalise ?? (u8 ? 'auto' : 'none'),
  });
}
