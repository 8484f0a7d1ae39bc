// The .lop file: a pruned, weight-shared model, Huffman coded (Deep Compression's storage).
//   header: "LOPC" · u32 version · u32 section count · u32 CRC-32 of those 12 bytes
//   section: 4-byte tag · u32 payload length · payload · u32 CRC-32 of tag, length and payload
// Sections in order: GRPH (u32 byte length of the topology as JSON, with each parameter's
// encoding, then that JSON deflated: fflate, since it is most of a small model's file), then per
// parameter either RAW (f32 values) or, for a shared weight, CBK (codebook, f32 × 2^bits), HUF
// (code lengths, 4 bits each, high nibble first: of the 2^bits cluster indices, then of the
// 2^gapBits gaps and the filler; a last odd nibble is 0), IDX
// (the coded cluster index of each stored weight) and GAP (the coded gap of each entry).
// NOTE: a filler zero (where a gap overflows) is a symbol of its own in the gap alphabet, so it
// needs no cluster index: it holds zero whatever the codebook.
// Readers check every length against what is left before reading, every CRC before parsing, and
// every count against the topology before allocating: a damaged file is refused naming the section.

import type { Kernels } from '../kernels/kernels.js';
import { Model } from '../nn/model.js';
import { deflateSync, inflateSync } from 'fflate';
import { crc32, hex32 } from '../io/crc32.js';
import { graphOf, topologyOf, type ModelJson } from '../io/native.js';
import { huffmanDecode } from '../kernels/ops/huffman.js';
import { codeLengths, countSymbols, decodeTable, huffmanEncode } from './huffman.js';
import { positionsOf, relativeIndex } from './relative-index.js';
import type { SharedTensor } from './share.js';

const MAGIC = 'LOPC';
const VERSION = 1;
/** Index-gap bits per layer kind (Han et al.: 4 for fully connected, 8 for conv). */
export const GAP_BITS: GapBits = { fc: 4, conv: 8 };

export interface GapBits {
  fc: number;
  conv: number;
}

export interface LopOptions {
  /** Bits of the relative-index gaps per layer kind, 1–8 (default GAP_BITS). */
  gapBits?: Partial<GapBits>;
  /** Kept in the file and given back by decodeLop. */
  meta?: Record<string, unknown>;
}
/** Refuse topologies of more parameters than this (2 GiB of f32) before allocating them. */
const MAX_PARAMS = 2 ** 29;

/** entries: relative-index entries (fillers included); weights: the stored weights among them. */
type Encoding = { kind: 'raw' } | { kind: 'shared'; tensor: 'fc' | 'conv'; bits: number; gapBits: number; entries: number; weights: number };

interface LopJson extends ModelJson {
  /** Per entry of `params`, how its values are stored. */
  encodings: Encoding[];
  meta?: Record<string, unknown>;
}

/** One section of a .lop file, for size reports: its tag, the parameter it belongs to, its bytes. */
export interface LopSection {
  tag: string;
  /** `node.param`, or 'graph' for GRPH. */
  of: string;
  /** Whole section: tag, length, payload and CRC. */
  bytes: number;
}

/**
 * The .lop bytes of `model`, whose weights named in `shared` are stored by their codebooks and
 * cluster indices (from shareWeights); every other parameter as f32.
 */
export function encodeLop(model: Model, shared: readonly SharedTensor[], options: LopOptions = {}): Uint8Array {
  const gapBitsOf = { ...GAP_BITS, ...options.gapBits };
  for (const key of ['fc', 'conv'] as const) {
    const b = gapBitsOf[key];
    if (!Number.isInteger(b) || b < 1 || b > 8) throw new RangeError(`encodeLop: gap bits ${key}=${b} must be an integer in 1–8`);
  }
  const meta = options.meta;
  const byName = new Map(shared.map((s) => [`${s.node}.${s.name}`, s]));
  const values = model.params.values.f32();
  const sections: { tag: string; payload: Uint8Array }[] = [];
  const encodings: Encoding[] = model.params.entries.map((e) => {
    const s = byName.get(`${e.node}.${e.name}`);
    if (!s) {
      sections.push({ tag: 'RAW ', payload: f32Bytes(values.subarray(e.start, e.start + e.size)) });
      return { kind: 'raw' };
    }
    if (s.assign.length !== e.size) throw new RangeError(`encodeLop: shared ${e.node}.${e.name} has ${s.assign.length} elements, the model's has ${e.size}`);
    const K = 2 ** s.bits;
    if (s.codebook.length !== K) throw new RangeError(`encodeLop: ${e.node}.${e.name} has ${s.codebook.length} shared values, ${s.bits} bits need ${K}`);
    const gapBits = gapBitsOf[s.kind];
    const positions: number[] = [];
    for (let i = 0; i < s.assign.length; i++) if (s.assign[i] >= 0) positions.push(i);
    const { gaps, slots } = relativeIndex(positions, gapBits);
    const G = 2 ** gapBits;
    const symbols = Int32Array.from(positions, (p) => s.assign[p]);
    const gapSymbols = Int32Array.from(slots, (p, i) => (p < 0 ? G : gaps[i]));
    const indexLengths = codeLengths(countSymbols(symbols, K));
    const gapLengths = codeLengths(countSymbols(gapSymbols, G + 1));
    sections.push(
      { tag: 'CBK ', payload: f32Bytes(s.codebook) },
      { tag: 'HUF ', payload: packNibbles(concat([indexLengths, gapLengths])) },
      { tag: 'IDX ', payload: huffmanEncode(symbols, indexLengths) },
      { tag: 'GAP ', payload: huffmanEncode(gapSymbols, gapLengths) },
    );
    return { kind: 'shared', tensor: s.kind, bits: s.bits, gapBits, entries: slots.length, weights: positions.length };
  });
  for (const key of byName.keys()) {
    const [node, name] = key.split('.');
    if (!model.params.entries.some((e) => e.node === node && e.name === name)) throw new RangeError(`encodeLop: the model has no parameter ${key}`);
  }
  const json: LopJson = { ...topologyOf(model), encodings, ...(meta ? { meta } : {}) };
  const text = new TextEncoder().encode(JSON.stringify(json));
  const graph = concat([new Uint8Array(4), deflateSync(text, { level: 9 })]);
  new DataView(graph.buffer).setUint32(0, text.length, true);
  sections.unshift({ tag: 'GRPH', payload: graph });
  const total = 16 + sections.reduce((n, s) => n + 12 + s.payload.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(ascii(MAGIC), 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, sections.length, true);
  view.setUint32(12, crc32(bytes.subarray(0, 12)), true);
  let at = 16;
  for (const s of sections) {
    bytes.set(ascii(s.tag), at);
    view.setUint32(at + 4, s.payload.length, true);
    bytes.set(s.payload, at + 8);
    view.setUint32(at + 8 + s.payload.length, crc32(bytes.subarray(at, at + 8 + s.payload.length)), true);
    at += 12 + s.payload.length;
  }
  return bytes;
}

export interface LopContents {
  model: Model;
  /** The shared weights, as stored (codebooks and assignments). */
  shared: SharedTensor[];
  /** The relative-index gap bits of each shared tensor, parallel to `shared`. */
  gapBits: number[];
  sections: LopSection[];
  meta?: Record<string, unknown>;
}

/** Reads a .lop file into a runnable Model on `k`; `file` names it in errors. */
export function decodeLop(bytes: Uint8Array, k: Kernels, file = 'model.lop'): LopContents {
  const fail = (where: string, what: string): never => {
    throw new Error(`${file}: not a valid .lop file: ${where}: ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${file}: decodeLop expects a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 16) fail('header', `${bytes.length} bytes is too short for it`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== MAGIC) fail('header', `magic is ${JSON.stringify(magic)}, expected "${MAGIC}"`);
  const headerCrc = crc32(bytes.subarray(0, 12));
  if (view.getUint32(12, true) !== headerCrc) fail('header', `CRC-32 is ${hex32(headerCrc)}, the file says ${hex32(view.getUint32(12, true))} (damaged)`);
  const version = view.getUint32(4, true);
  if (version !== VERSION) fail('header', `version ${version}, this lopper reads version ${VERSION}`);
  const count = view.getUint32(8, true);

  // Every section framed and checked before any is parsed.
  const raw: { tag: string; payload: Uint8Array; at: number }[] = [];
  let at = 16;
  for (let i = 0; i < count; i++) {
    const where = `section ${i} (at byte ${at})`;
    if (bytes.length - at < 12) fail(where, `the file ends after ${bytes.length - at} of its bytes`);
    const tag = String.fromCharCode(...bytes.subarray(at, at + 4));
    const length = view.getUint32(at + 4, true);
    if (length > bytes.length - at - 12) fail(`${where} '${tag}'`, `claims ${length} bytes, ${bytes.length - at - 12} are left`);
    const stored = view.getUint32(at + 8 + length, true);
    const actual = crc32(bytes.subarray(at, at + 8 + length));
    if (stored !== actual) fail(`${where} '${tag}'`, `CRC-32 is ${hex32(actual)}, the file says ${hex32(stored)} (damaged)`);
    raw.push({ tag, payload: bytes.subarray(at + 8, at + 8 + length), at });
    at += 12 + length;
  }
  if (at !== bytes.length) fail('end', `${bytes.length - at} bytes follow the last of ${count} sections`);
  let next = 0;
  const take = (tag: string, of: string) => {
    const s = raw[next];
    if (!s) fail(`section ${next} (${tag.trim()} of ${of})`, `missing: the file has ${raw.length} sections`);
    if (s.tag !== tag) fail(`section ${next} (at byte ${s.at})`, `tag '${s.tag}', expected '${tag}' (${tag.trim()} of ${of})`);
    next++;
    return s.payload;
  };

  const json = parseGraph(take('GRPH', 'the model'), (what) => fail("section 0 'GRPH'", what));
  const sections: LopSection[] = [{ tag: 'GRPH', of: 'graph', bytes: raw[0].payload.length + 12 }];
  let model: Model;
  try {
    model = new Model(graphOf(json), k);
  } catch (e) {
    return fail("section 0 'GRPH'", `the topology does not make a model: ${(e as Error).message}`);
  }
  try {
    const entries = model.params.entries;
    if (entries.length !== json.params.length) fail("section 0 'GRPH'", `${json.params.length} parameters listed, the topology makes ${entries.length}`);
    const shared: SharedTensor[] = [];
    const gapBits: number[] = [];
    entries.forEach((e, i) => {
      const p = json.params[i];
      const of = `${e.node}.${e.name}`;
      if (p.node !== e.node || p.name !== e.name || String(p.shape) !== String(e.shape)) {
        fail("section 0 'GRPH'", `parameter ${i} is ${p.node}.${p.name} [${p.shape}], the topology makes ${of} [${e.shape}]`);
      }
      const enc = json.encodings[i];
      const first = next;
      const here = (tag: string) => `section ${next - 1} '${tag}' (${of})`;
      // NOTE: decoding allocates on the wasm heap, which may detach views: the parameter's view is made after it.
      if (enc.kind === 'raw') {
        const payload = take('RAW ', of);
        if (payload.length !== 4 * e.size) fail(here('RAW '), `${payload.length} bytes, ${e.size} f32 values need ${4 * e.size}`);
        readF32(payload, model.params.values.f32().subarray(e.start, e.start + e.size), (j, v) => fail(here('RAW '), `element ${j} is ${v}`));
      } else {
        const s = readShared(e.node, e.name, e.shape, e.size, enc, take, here, fail, k);
        const out = model.params.values.f32().subarray(e.start, e.start + e.size);
        for (let j = 0; j < e.size; j++) out[j] = s.assign[j] < 0 ? 0 : s.codebook[s.assign[j]];
        shared.push(s);
        gapBits.push(enc.gapBits);
      }
      for (let s = first; s < next; s++) sections.push({ tag: raw[s].tag.trim(), of, bytes: raw[s].payload.length + 12 });
    });
    if (next !== raw.length) fail(`section ${next} '${raw[next].tag}'`, `${raw.length - next} sections follow the last parameter`);
    return { model, shared, gapBits, sections, ...(json.meta ? { meta: json.meta } : {}) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

// The GRPH payload as a topology, its encodings checked against its parameters.
function parseGraph(payload: Uint8Array, fail: (what: string) => never): LopJson {
  if (payload.length < 4) fail(`${payload.length} bytes is too short`);
  const length = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
  // NOTE: deflate expands at most 1032:1, so a larger claim is damage, refused before allocating.
  if (length > 1032 * (payload.length - 4) + 64) fail(`claims ${length} bytes of topology from ${payload.length - 4} deflated`);
  let json: LopJson;
  try {
    const text = inflateSync(payload.subarray(4), { out: new Uint8Array(length) });
    if (text.length !== length) throw new Error(`${text.length} bytes inflated, ${length} expected`);
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || !Array.isArray(json.params) || !Array.isArray(json.nodes) ||
    !Array.isArray(json.inputs) || !Array.isArray(json.outputs) || !Array.isArray(json.encodings)) {
    fail('the topology lacks name, inputs, outputs, nodes, params or encodings');
  }
  if (json.encodings.length !== json.params.length) fail(`${json.encodings.length} encodings for ${json.params.length} parameters`);
  let total = 0;
  json.params.forEach((p, i) => {
    if (!Array.isArray(p?.shape) || !p.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`parameter ${i} has a bad shape ${JSON.stringify(p?.shape)}`);
    const size = p.shape.reduce((a, b) => a * b, 1);
    total += size;
    const enc = json.encodings[i];
    if (enc?.kind === 'raw') return;
    if (enc?.kind !== 'shared') return fail(`parameter ${i} (${p.node}.${p.name}) has encoding ${JSON.stringify(enc)}`);
    const ok = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
    if (!ok(enc.bits, 1, 8) || !ok(enc.gapBits, 1, 8) || !ok(enc.entries, 0, size) || !ok(enc.weights, 0, enc.entries) || (enc.tensor !== 'fc' && enc.tensor !== 'conv')) {
      fail(`parameter ${i} (${p.node}.${p.name}) has encoding ${JSON.stringify(enc)}: bits and gapBits 1–8, entries 0–${size}, weights 0–entries, tensor fc or conv`);
    }
  });
  if (total > MAX_PARAMS) fail(`${total} parameter values is more than this reader accepts (${MAX_PARAMS})`);
  return json;
}

// One shared weight from its four sections (assign −1 where nothing, or a filler, is stored).
function readShared(
  node: string, name: string, shape: readonly number[], size: number,
  enc: Extract<Encoding, { kind: 'shared' }>,
  take: (tag: string, of: string) => Uint8Array, here: (tag: string) => string,
  fail: (where: string, what: string) => never, k: Kernels,
): SharedTensor {
  const of = `${node}.${name}`;
  const K = 2 ** enc.bits;
  const G = 2 ** enc.gapBits;
  const cbk = take('CBK ', of);
  if (cbk.length !== 4 * K) fail(here('CBK '), `${cbk.length} bytes, ${K} shared values need ${4 * K}`);
  const codebook = new Float32Array(K);
  readF32(cbk, codebook, (j, v) => fail(here('CBK '), `shared value ${j} is ${v}`));
  const packed = take('HUF ', of);
  if (packed.length !== Math.ceil((K + G + 1) / 2)) fail(here('HUF '), `${packed.length} bytes, expected ${K} index and ${G + 1} gap code lengths of 4 bits`);
  if ((K + G + 1) % 2 && packed[packed.length - 1] & 0xf) fail(here('HUF '), 'the padding nibble is not 0');
  const huf = unpackNibbles(packed, K + G + 1);
  let indexTable: ReturnType<typeof decodeTable>;
  let gapTable: ReturnType<typeof decodeTable>;
  try {
    indexTable = decodeTable(huf.subarray(0, K), 'index code');
    gapTable = decodeTable(huf.subarray(K), 'gap code');
  } catch (e) {
    return fail(here('HUF '), (e as Error).message);
  }
  const decode = (tag: string, table: typeof indexTable, count: number) => {
    const stream = take(tag, of);
    try {
      return huffmanDecode(k, stream, table.table, table.L, count, tag.trim());
    } catch (e) {
      return fail(here(tag), (e as Error).message);
    }
  };
  const symbols = decode('IDX ', indexTable, enc.weights);
  const gapSymbols = decode('GAP ', gapTable, enc.entries);
  let fillers = 0;
  for (let j = 0; j < gapSymbols.length; j++) if (gapSymbols[j] === G) fillers++;
  if (enc.entries - fillers !== enc.weights) fail(here('GAP '), `${enc.entries - fillers} stored weights, the graph says ${enc.weights}`);
  let positions: Int32Array;
  try {
    positions = positionsOf(gapSymbols.map((g) => (g === G ? G - 1 : g)), size, 'the gaps');
  } catch (e) {
    return fail(here('GAP '), (e as Error).message);
  }
  const assign = new Int32Array(size).fill(-1);
  for (let j = 0, w = 0; j < gapSymbols.length; j++) if (gapSymbols[j] !== G) assign[positions[j]] = symbols[w++];
  return { node, name, shape: [...shape], kind: enc.tensor, bits: enc.bits, codebook, assign };
}

function readF32(payload: Uint8Array, out: Float32Array, bad: (j: number, v: number) => never): void {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let j = 0; j < out.length; j++) {
    const v = view.getFloat32(4 * j, true);
    if (!Number.isFinite(v)) bad(j, v);
    out[j] = v;
  }
}

// Code lengths (≤ 12) two to a byte, high nibble first.
function packNibbles(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) out[i >> 1] |= (values[i] & 0xf) << (i & 1 ? 0 : 4);
  return out;
}

function unpackNibbles(packed: Uint8Array, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (packed[i >> 1] >> (i & 1 ? 0 : 4)) & 0xf);
}

function f32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
