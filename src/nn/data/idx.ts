// IDX, the original MNIST file format, from bytes: a 4-byte magic (two zero bytes, a type byte,
// the number of dimensions), one big-endian u32 per dimension, then the values in row-major order.
// lopper reads the unsigned-byte (0x08) and float32 (0x0D) types; gzip is the host's job.

import { Dataset, type DatasetInit } from './dataset.js';

export type IdxType = 'u8' | 'f32';

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: Uint8Array | Float32Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number } | string> = {
  0x08: { type: 'u8', bytes: 1 },
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: { type: 'f32', bytes: 4 },
  0x0e: 'float64',
};
const CODE: Record<IdxType, number> = { u8: 0x08, f32: 0x0d };

type Role = 'images' | 'labels';
const EXPECT: Record<Role, { magics: number[]; text: string; noun: string }> = {
  images: {
    magics: [0x0803, 0x0d03, 0x0804, 0x0d04],
    text: 'images: 0x00000803 (u8, N×H×W), 0x00000d03 (float32, N×H×W), or 0x00000804 / 0x00000d04 (N×C×H×W)',
    noun: 'pixels',
  },
  labels: { magics: [0x0801], text: 'labels: 0x00000801 (u8, N)', noun: 'labels' },
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** The array in IDX `bytes`; `name` (the file's) heads every error. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  return readIdx(bytes, name);
}

function readIdx(bytes: Uint8Array, name: string, role?: Role): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${name}: expected bytes (a Uint8Array), got ${typeof bytes}`);
  if (bytes.length < 4) throw new RangeError(`${name}: ${bytes.length} bytes, too short for an IDX header (a 4-byte magic)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, false);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(`${name}: magic ${hex(magic)} is gzip, not IDX: decompress the file first`);
  }
  const code = bytes[2], ndims = bytes[3];
  const known = TYPES[code];
  if (bytes[0] !== 0 || bytes[1] !== 0 || known === undefined || ndims === 0) {
    const expected = role ? EXPECT[role].text : '0x000008nn (u8) or 0x00000dnn (float32), nn = number of dimensions';
    throw new Error(`${name}: magic ${hex(magic)} is not an IDX magic; expected ${expected}`);
  }
  if (role && !EXPECT[role].magics.includes(magic)) {
    throw new Error(`${name}: magic ${hex(magic)} (${typeof known === 'string' ? known : known.type}, ${ndims} dimension${ndims > 1 ? 's' : ''}); expected ${EXPECT[role].text}`);
  }
  if (typeof known === 'string') {
    throw new Error(`${name}: magic ${hex(magic)}: IDX type 0x${code.toString(16).padStart(2, '0')} (${known}) is not supported; lopper reads 0x08 (unsigned byte) and 0x0d (float32)`);
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new RangeError(`${name}: an IDX header of ${ndims} dimensions is ${header} bytes, file has ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(dv.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const want = count * known.bytes;
  const have = bytes.length - header;
  if (have !== want) {
    const noun = role ? EXPECT[role].noun : 'values';
    throw new RangeError(`${name}: header says ${dims.join('×')}${known.bytes > 1 ? ` × ${known.bytes} bytes` : ''} = ${want} bytes of ${noun}, ` +
      `file has ${have}${have > want ? ` (${have - want} extra)` : ''}`);
  }
  let data: Uint8Array | Float32Array;
  if (known.type === 'u8') {
    data = new Uint8Array(count);
    data.set(bytes.subarray(header));
  } else {
    data = new Float32Array(count);
    for (let k = 0; k < count; k++) data[k] = dv.getFloat32(header + 4 * k, false);
  }
  return { type: known.type, dims, data };
}

/** IDX bytes of `data` with dimensions `dims` (their product must be data.length). */
export function encodeIdx(data: Uint8Array | Float32Array, dims: readonly number[]): Uint8Array {
  const type: IdxType = data instanceof Uint8Array ? 'u8' : 'f32';
  if (!(data instanceof Uint8Array) && !(data instanceof Float32Array)) throw new TypeError('encodeIdx: data must be a Uint8Array or a Float32Array');
  if (dims.length < 1 || dims.length > 255 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new RangeError(`encodeIdx: dims must be 1 to 255 integers in [0, 2^32), got [${dims}]`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: dims [${dims}] hold ${count} values, data has ${data.length}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * (type === 'u8' ? 1 : 4));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (CODE[type] << 8) | dims.length, false);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  if (data instanceof Uint8Array) out.set(data, header);
  else for (let k = 0; k < count; k++) dv.setFloat32(header + 4 * k, data[k], false);
  return out;
}

export interface IdxDatasetOptions {
  /** Name of the images file in errors (default '<name> images'). */
  imagesFile?: string;
  /** Name of the labels file in errors (default '<name> labels'). */
  labelsFile?: string;
  /** Number of classes (default: largest label + 1). */
  classes?: number;
  normalise?: DatasetInit['normalise'];
}

/** A dataset from an IDX images file (N×H×W or N×C×H×W) and an IDX labels file (N). */
export function datasetFromIdx(images: Uint8Array, labels: Uint8Array, name: string, options: IdxDatasetOptions = {}): Dataset {
  const imagesFile = options.imagesFile ?? `${name} images`;
  const labelsFile = options.labelsFile ?? `${name} labels`;
  const img = readIdx(images, imagesFile, 'images');
  const lab = readIdx(labels, labelsFile, 'labels');
  const N = img.dims[0];
  if (lab.dims[0] !== N) throw new RangeError(`${imagesFile} has ${N} images, ${labelsFile} has ${lab.dims[0]} labels`);
  const shape = img.dims.length === 3 ? [1, img.dims[1], img.dims[2]] : img.dims.slice(1);
  return new Dataset({ name, shape, pixels: img.data, labels: lab.data as Uint8Array, classes: options.classes, normalise: options.normalise });
}
