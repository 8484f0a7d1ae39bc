// lopper's native model file (until ONNX): JSON topology + little-endian f32 parameters.
//   "LOPM" · u32 version · u32 JSON byte length · JSON · zero padding to 4 bytes ·
//   f32 parameters in store order · [u8 mask per trainable element, if the JSON says mask: true] ·
//   u32 CRC-32 of everything before it.
// Readers check magic, version, lengths, CRC and every parameter's shape before building anything.

import type { Kernels } from '../kernels/kernels.js';
import { Graph } from '../graph/graph.js';
import { Model } from '../nn/model.js';
import { layerFromAttrs } from '../nn/layers/index.js';
import { crc32 } from './crc32.js';
import { checkKernels, checkModel, checkOptions, describe } from '../nn/check.js';

const MAGIC = 'LOPM';
const VERSION = 1;

export interface ModelJson {
  name: string;
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
  nodes: { name: string; op: string; inputs: string[]; attrs: Record<string, unknown> }[];
  params: { node: string; name: string; shape: number[]; trainable: boolean }[];
  /** A pruning mask (0/1 per trainable element) follows the parameters. */
  mask?: boolean;
  /** Anything the caller wants kept with the model (training history, dataset, seed). */
  meta?: Record<string, unknown>;
}

/** The model's topology and parameter list as JSON (shared with the .lop file, src/compress/lop-file.ts). */
export function topologyOf(model: Model): ModelJson {
  const g = model.graph;
  return {
    name: g.name,
    inputs: g.inputs.map((i) => ({ name: i.name, shape: [...i.shape] })),
    outputs: [...g.outputs],
    nodes: g.nodes.map((n) => ({ name: n.name, op: n.layer.op, inputs: [...n.inputs], attrs: n.layer.attrs() })),
    params: model.params.entries.map((e) => ({ node: e.node, name: e.name, shape: [...e.shape], trainable: e.trainable })),
  };
}

/** The graph a topology describes (throws naming the node or op when it does not make one). */
export function graphOf(json: ModelJson): Graph {
  return new Graph({
    name: json.name,
    inputs: json.inputs,
    outputs: json.outputs,
    nodes: json.nodes.map((n) => ({ name: n.name, inputs: n.inputs, layer: layerFromAttrs(n.op, n.attrs) })),
  });
}

export function saveModel(model: Model, meta?: Record<string, unknown>): Uint8Array {
  checkModel('saveModel', 'model', model);
  if (meta !== undefined) checkOptions('saveModel', 'meta', meta);
  const json: ModelJson = {
    ...topologyOf(model),
    ...(model.params.mask ? { mask: true } : {}),
    ...(meta ? { meta } : {}),
  };
  const text = new TextEncoder().encode(JSON.stringify(json));
  const head = 12 + text.length;
  const padded = Math.ceil(head / 4) * 4;
  const values = model.params.values.f32();
  const mask = model.params.mask?.f32();
  const bytes = new Uint8Array(padded + values.length * 4 + (mask?.length ?? 0) + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, text.length, true);
  bytes.set(text, 12);
  for (let i = 0; i < values.length; i++) view.setFloat32(padded + 4 * i, values[i], true);
  if (mask) for (let i = 0; i < mask.length; i++) bytes[padded + 4 * values.length + i] = mask[i] === 0 ? 0 : 1;
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** Reads a model file into a Model on `k`; `file` names it in errors. */
export function loadModel(bytes: Uint8Array, k: Kernels, file = 'model'): { model: Model; meta?: Record<string, unknown> } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`loadModel: 'bytes' must be a Uint8Array (a file's contents), got ${describe(bytes)}`);
  checkKernels('loadModel', 'k', k);
  if (typeof file !== 'string') throw new TypeError(`loadModel: 'file' must be a string (it names the model in errors), got ${describe(file)}`);
  const fail = (what: string): never => {
    throw new Error(`${file}: not a valid lopper model: ${what}`);
  };
  if (bytes.length < 16) fail(`${bytes.length} bytes is too short for the header`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== MAGIC) fail(`magic is ${JSON.stringify(magic)}, expected "${MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) fail(`version ${version}, this lopper reads version ${VERSION}`);
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) fail(`CRC-32 is ${hex(actual)}, the file says ${hex(stored)} (damaged or truncated)`);
  const textLength = view.getUint32(8, true);
  if (12 + textLength > bytes.length - 4) fail(`the topology claims ${textLength} bytes, the file has ${bytes.length}`);
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + textLength)));
  } catch (e) {
    return fail(`topology is not JSON (${(e as Error).message})`);
  }
  const graph = graphOf(json);
  const model = new Model(graph, k);
  try {
    const entries = model.params.entries;
    if (entries.length !== json.params.length) fail(`${json.params.length} parameters stored, the topology makes ${entries.length}`);
    entries.forEach((e, i) => {
      const p = json.params[i];
      if (p.node !== e.node || p.name !== e.name || p.shape.join() !== e.shape.join()) {
        fail(`parameter ${i} is ${p.node}.${p.name} [${p.shape}], the topology makes ${e.node}.${e.name} [${e.shape}]`);
      }
    });
    const start = Math.ceil((12 + textLength) / 4) * 4;
    const maskBytes = json.mask ? model.params.trainableSize : 0;
    const count = (bytes.length - 4 - start - maskBytes) / 4;
    if (count !== model.params.size) fail(`${count} parameter values stored, the topology needs ${model.params.size}`);
    const values = model.params.values.f32();
    for (let i = 0; i < count; i++) {
      const v = view.getFloat32(start + 4 * i, true);
      if (!Number.isFinite(v)) {
        const e = entries.find((x) => i >= x.start && i < x.start + x.size)!;
        fail(`parameter ${e.node}.${e.name} holds ${v} at element ${i - e.start}`);
      }
      values[i] = v;
    }
    if (json.mask) {
      const mask = model.params.enableMask().f32();
      const at = start + 4 * count;
      for (let i = 0; i < maskBytes; i++) {
        const m = bytes[at + i];
        if (m > 1) fail(`mask byte ${i} is ${m}, expected 0 or 1`);
        mask[i] = m;
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, meta: json.meta };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
