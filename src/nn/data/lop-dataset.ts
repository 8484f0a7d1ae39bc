// The .lopd file: a Dataset as compact bytes (lopper's cache of the built-in data, and a way to
// ship users' data). Encoding and decoding only; reading and writing files lives in src/node/.
//
// Layout, all integers little-endian:
//   0   "LOPD"                 magic
//   4   u32 version            1
//   8   u32 N, C, H, W         samples and the [C, H, W] of one sample
//   24  u32 classes
//   28  u8  label bytes        1 (u8 labels, when classes ≤ 256) or 4 (i32)
//   29  u8  pixel type         1 = u8, 2 = f32
//   30  u16 L                  bytes of the UTF-8 name
//   32  f64 mean[C], std[C]    the normalisation constants the dataset records
//   ..  name (L bytes), zero-padded to a multiple of 4
//   ..  labels (N × label bytes), zero-padded to a multiple of 4
//   ..  pixels (N·C·H·W × 1 or 4 bytes)
//   end u32 CRC-32 of every byte before it

import { crc32, hex32 } from '../../io/crc32.js';
import { Dataset } from './dataset.js';

export const LOPD_MAGIC = 'LOPD';
export const LOPD_VERSION = 1;
const FIXED = 32; // bytes before the normalisation constants
const PIXEL_TYPES = { 1: 'u8', 2: 'f32' } as const;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const pad4 = (n: number): number => (n + 3) & ~3;

interface Layout { name: number; labels: number; pixels: number; crc: number; total: number }

function layout(N: number, C: number, H: number, W: number, nameBytes: number, labelBytes: number, pixelBytes: number): Layout {
  const name = FIXED + 16 * C;
  const labels = pad4(name + nameBytes);
  const pixels = pad4(labels + N * labelBytes);
  const crc = pixels + N * C * H * W * pixelBytes;
  return { name, labels, pixels, crc, total: crc + 4 };
}

/** The dataset as .lopd bytes. */
export function encodeDataset(ds: Dataset): Uint8Array {
  if (!(ds instanceof Dataset)) throw new TypeError(`encodeDataset: expected a Dataset, got ${typeof ds}`);
  const [C, H, W] = ds.shape;
  const N = ds.size;
  const name = new TextEncoder().encode(ds.name);
  if (name.length > 0xffff) throw new RangeError(`encodeDataset: dataset name is ${name.length} bytes of UTF-8, at most 65535 fit`);
  const labelBytes = ds.classes <= 256 ? 1 : 4;
  const f32 = ds.pixels instanceof Float32Array;
  const at = layout(N, C, H, W, name.length, labelBytes, f32 ? 4 : 1);
  const out = new Uint8Array(at.total);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(LOPD_MAGIC), 0);
  [LOPD_VERSION, N, C, H, W, ds.classes].forEach((v, i) => dv.setUint32(4 + 4 * i, v, true));
  dv.setUint8(28, labelBytes);
  dv.setUint8(29, f32 ? 2 : 1);
  dv.setUint16(30, name.length, true);
  for (let c = 0; c < C; c++) {
    dv.setFloat64(FIXED + 8 * c, ds.normalise.mean[c], true);
    dv.setFloat64(FIXED + 8 * (C + c), ds.normalise.std[c], true);
  }
  out.set(name, at.name);
  if (labelBytes === 1) out.set(ds.labels, at.labels); // values < 256: Uint8Array.set truncates exactly
  else for (let i = 0; i < N; i++) dv.setInt32(at.labels + 4 * i, ds.labels[i], true);
  if (!f32) out.set(ds.pixels, at.pixels);
  else if (LITTLE) new Float32Array(out.buffer, at.pixels, ds.pixels.length).set(ds.pixels);
  else for (let k = 0; k < ds.pixels.length; k++) dv.setFloat32(at.pixels + 4 * k, ds.pixels[k], true);
  dv.setUint32(at.crc, crc32(out.subarray(0, at.crc)), true);
  return out;
}

/**
 * The dataset in .lopd bytes. `source` (a file name) heads every error. A damaged or truncated
 * file is refused with what is wrong, expected against found.
 */
export function decodeDataset(bytes: Uint8Array, source = 'LOPD data'): Dataset {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${source}: expected bytes (a Uint8Array), got ${typeof bytes}`);
  if (bytes.length < FIXED + 4) {
    throw new RangeError(`${source}: truncated: ${bytes.length} bytes, a LOPD file has at least ${FIXED + 4}`);
  }
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== LOPD_MAGIC) {
    throw new Error(`${source}: not a LOPD file: starts with ${JSON.stringify(magic)} (${hexBytes(bytes.subarray(0, 4))}), expected "${LOPD_MAGIC}"`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== LOPD_VERSION) throw new Error(`${source}: LOPD version ${version}, this lopper reads version ${LOPD_VERSION}`);
  const [N, C, H, W, classes] = [8, 12, 16, 20, 24].map((o) => dv.getUint32(o, true));
  const labelBytes = dv.getUint8(28);
  const pixelType = dv.getUint8(29) as keyof typeof PIXEL_TYPES;
  const nameBytes = dv.getUint16(30, true);
  const damaged = 'the file is damaged or was not written by lopper';
  if (labelBytes !== 1 && labelBytes !== 4) throw new Error(`${source}: label size ${labelBytes} bytes, expected 1 or 4 (${damaged})`);
  if (!(pixelType in PIXEL_TYPES)) throw new Error(`${source}: pixel type ${pixelType}, expected 1 (u8) or 2 (f32) (${damaged})`);
  if (C === 0 || H === 0 || W === 0) throw new Error(`${source}: sample shape [${C},${H},${W}] has a zero dimension (${damaged})`);
  const pixelBytes = pixelType === 2 ? 4 : 1;
  const at = layout(N, C, H, W, nameBytes, labelBytes, pixelBytes);
  if (bytes.length !== at.total) {
    const header = `header says ${N} × [${C},${H},${W}] ${PIXEL_TYPES[pixelType]} with ${labelBytes}-byte labels = ${at.total} bytes`;
    if (bytes.length < at.total) throw new RangeError(`${source}: truncated: ${header}, file has ${bytes.length}`);
    throw new RangeError(`${source}: ${header}, file has ${bytes.length} (${bytes.length - at.total} extra; ${damaged})`);
  }
  const stored = dv.getUint32(at.crc, true);
  const computed = crc32(bytes.subarray(0, at.crc));
  if (stored !== computed) {
    throw new Error(`${source}: CRC-32 mismatch: stored ${hex32(stored)}, computed ${hex32(computed)} (${damaged})`);
  }
  const mean: number[] = [], std: number[] = [];
  for (let c = 0; c < C; c++) {
    mean.push(dv.getFloat64(FIXED + 8 * c, true));
    std.push(dv.getFloat64(FIXED + 8 * (C + c), true));
  }
  const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(at.name, at.name + nameBytes));
  let labels: Int32Array;
  if (labelBytes === 1) labels = Int32Array.from(bytes.subarray(at.labels, at.labels + N));
  else {
    labels = new Int32Array(N);
    for (let i = 0; i < N; i++) labels[i] = dv.getInt32(at.labels + 4 * i, true);
  }
  const count = N * C * H * W;
  let pixels: Uint8Array | Float32Array;
  if (pixelBytes === 1) pixels = copy(bytes, at.pixels, count);
  else if (LITTLE) pixels = new Float32Array(copy(bytes, at.pixels, 4 * count).buffer);
  else {
    pixels = new Float32Array(count);
    for (let k = 0; k < count; k++) pixels[k] = dv.getFloat32(at.pixels + 4 * k, true);
  }
  try {
    return new Dataset({ name, shape: [C, H, W], pixels, labels, classes, normalise: { mean, std } });
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

// A fresh copy (a Node Buffer's own `slice` would share memory, and its `.buffer` is a shared pool).
function copy(bytes: Uint8Array, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(start, start + length));
  return out;
}

function hexBytes(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}
