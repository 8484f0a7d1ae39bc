// Mutated ONNX files for fuzzing the importer: byte-level damage (bit flips, truncation, random
// bytes, splices) and structural damage made through the protobuf messages (wrong and huge dims,
// missing inputs, cycles, bad attributes, swapped ops, dropped nodes, versions). Each case is
// reproducible from its seed. runFuzzCase imports a case and, when it imports, runs it once.

import { Rng } from '../../src/nn/random.js';
import { onnx, type ModelProto } from '../../src/io/onnx/proto.js';
import { OnnxError } from '../../src/io/onnx/errors.js';
import { modelFromOnnx, parseOnnx, supportedOnnxOps } from '../../src/io/onnx/import.js';
import type { Kernels } from '../../src/kernels/kernels.js';

export const MUTATIONS = [
  'bitflip', 'truncate', 'random', 'overwrite', 'splice', 'dims', 'input-dims', 'huge-dims', 'missing-input', 'cycle',
  'attrs', 'op-swap', 'drop-node', 'drop-init', 'duplicate-output', 'version', 'raw-data', 'int64-values', 'outputs',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface FuzzCase {
  seed: number;
  fixture: string;
  mutation: Mutation;
  bytes: Uint8Array;
}

export interface FuzzOutcome {
  /** ok: imported (and ran); refused: an OnnxError with a message; crash: anything else. */
  kind: 'ok' | 'refused' | 'crash';
  ms: number;
  message: string;
  code?: string;
}

const AWKWARD = [0, 1, -1, 2, 3, 7, 64, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 53, -(2 ** 31), 1e15];
const UNKNOWN_OPS = ['Foo', 'Loop', 'If', 'NonZero', 'TopK', 'Unique', ''];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)];
}

/** A damaged copy of `bytes` by `mutation`. */
export function mutate(bytes: Uint8Array, mutation: Mutation, rng: Rng): Uint8Array {
  const out = bytes.slice();
  switch (mutation) {
    case 'bitflip': {
      for (let i = rng.int(1, 16); i > 0; i--) out[rng.int(0, out.length - 1)] ^= 1 << rng.int(0, 7);
      return out;
    }
    case 'truncate': return out.subarray(0, rng.int(0, out.length - 1));
    case 'random': return Uint8Array.from({ length: rng.int(0, 4096) }, () => rng.int(0, 255));
    case 'overwrite': {
      const at = rng.int(0, out.length - 1);
      for (let i = at; i < Math.min(out.length, at + rng.int(1, 64)); i++) out[i] = rng.int(0, 255);
      return out;
    }
    case 'splice': {
      const at = rng.int(0, out.length);
      const cut = rng.int(0, 32);
      const insert = Uint8Array.from({ length: rng.int(0, 32) }, () => rng.int(0, 255));
      const joined = new Uint8Array(out.length - Math.min(cut, out.length - at) + insert.length);
      joined.set(out.subarray(0, at));
      joined.set(insert, at);
      joined.set(out.subarray(Math.min(out.length, at + cut)), at + insert.length);
      return joined;
    }
    default: {
      const m = onnx.ModelProto.decode(bytes);
      structural(m, mutation, rng);
      return onnx.ModelProto.encode(m).finish();
    }
  }
}

function structural(m: ModelProto, mutation: Mutation, rng: Rng): void {
  const g = m.graph!;
  const nodes = g.node!;
  const inits = g.initializer!;
  const node = () => pick(rng, nodes);
  switch (mutation) {
    case 'dims': {
      const t = pick(rng, inits);
      const dims = [...t.dims!];
      if (dims.length === 0 || rng.next() < 0.2) dims.push(pick(rng, AWKWARD));
      else dims[rng.int(0, dims.length - 1)] = pick(rng, AWKWARD);
      t.dims = dims;
      return;
    }
    case 'input-dims': {
      const dim = g.input![0].type!.tensorType!.shape!.dim!;
      const d = dim[rng.int(0, dim.length - 1)];
      if (rng.next() < 0.25) { d.dimValue = undefined; d.dimParam = 'sym'; } else d.dimValue = pick(rng, AWKWARD);
      if (rng.next() < 0.2) dim.splice(rng.int(0, dim.length - 1), 1);
      return;
    }
    case 'huge-dims': {
      const t = pick(rng, inits);
      t.dims = t.dims!.map(() => pick(rng, [2 ** 20, 2 ** 31, 2 ** 40, 2 ** 62]));
      return;
    }
    case 'missing-input': {
      const n = node();
      if (n.input!.length) n.input![rng.int(0, n.input!.length - 1)] = `missing_${rng.int(0, 99)}`;
      return;
    }
    case 'cycle': {
      const i = rng.int(0, nodes.length - 1);
      const j = rng.int(i, nodes.length - 1);
      if (nodes[i].input!.length) nodes[i].input![0] = nodes[j].output![0];
      return;
    }
    case 'attrs': {
      const withAttrs = nodes.filter((n) => n.attribute!.length);
      if (!withAttrs.length) return;
      const a = pick(rng, pick(rng, withAttrs).attribute!);
      const r = rng.next();
      if (r < 0.3) a.ints = Array.from({ length: rng.int(0, 6) }, () => pick(rng, AWKWARD));
      else if (r < 0.5) a.i = pick(rng, AWKWARD);
      else if (r < 0.65) a.f = pick(rng, [NaN, Infinity, -Infinity, 0, -1, 1e30]);
      else if (r < 0.8) a.type = rng.int(0, 14);
      else if (r < 0.9) a.s = new TextEncoder().encode(pick(rng, ['SAME_UPPER', 'SAME_LOWER', 'VALID', 'reflect', 'edge', 'x']));
      else a.name = pick(rng, ['axis', 'perm', 'pads', 'group', 'kernel_shape', 'strides', 'zzz']);
      return;
    }
    case 'op-swap': {
      node().opType = rng.next() < 0.8 ? pick(rng, supportedOnnxOps) : pick(rng, UNKNOWN_OPS);
      return;
    }
    case 'drop-node': {
      nodes.splice(rng.int(0, nodes.length - 1), 1);
      return;
    }
    case 'drop-init': {
      if (inits.length) inits.splice(rng.int(0, inits.length - 1), 1);
      return;
    }
    case 'duplicate-output': {
      const a = node();
      const b = node();
      a.output![0] = rng.next() < 0.5 ? b.output![0] : g.input![0].name!;
      return;
    }
    case 'version': {
      if (rng.next() < 0.5) m.irVersion = rng.int(0, 12);
      else m.opsetImport = rng.next() < 0.2 ? [] : [{ domain: pick(rng, ['', 'ai.onnx', 'com.microsoft']), version: rng.int(0, 25) }];
      return;
    }
    case 'raw-data': {
      const t = pick(rng, inits);
      const raw = t.rawData ?? new Uint8Array();
      t.rawData = rng.next() < 0.5 ? raw.subarray(0, rng.int(0, raw.length)) : Uint8Array.from({ length: raw.length + rng.int(1, 9) }, (_, i) => raw[i] ?? 0);
      if (rng.next() < 0.3) t.dataType = rng.int(0, 17);
      return;
    }
    case 'int64-values': {
      // Reshape targets, pads, axes: int64 initializers and Constant tensors get awkward values.
      const ints = inits.filter((t) => t.dataType === onnx.TensorProto.DataType.INT64);
      const consts = nodes.filter((n) => n.opType === 'Constant').flatMap((n) => n.attribute!.filter((a) => a.t).map((a) => a.t!));
      const all = [...ints, ...consts];
      if (!all.length) { node().opType = 'Reshape'; return; }
      const t = pick(rng, all);
      const n = t.dims!.reduce((a: number, b) => a * Number(b), 1);
      const values = Array.from({ length: Math.max(1, n) }, () => pick(rng, AWKWARD));
      const raw = new Uint8Array(values.length * 8);
      values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(Math.trunc(Math.max(-(2 ** 63), Math.min(2 ** 63 - 1, v)))), true));
      t.rawData = raw;
      t.dataType = onnx.TensorProto.DataType.INT64;
      t.int64Data = [];
      return;
    }
    case 'outputs': {
      const r = rng.next();
      if (r < 0.3) g.output = [];
      else if (r < 0.6) g.output!.push({ name: `dangling_${rng.int(0, 9)}` });
      else g.output![0].name = pick(rng, [...nodes.flatMap((n) => n.output!), g.input![0].name!, inits[0]?.name ?? '']);
      return;
    }
  }
}

/** The case for `seed`: a fixture and a mutation chosen by the seed, one or two rounds of damage. */
export function fuzzCase(fixtures: { name: string; bytes: Uint8Array }[], seed: number): FuzzCase {
  const rng = new Rng(seed * 2654435761);
  const f = pick(rng, fixtures);
  const mutation = pick(rng, MUTATIONS);
  let bytes = mutate(f.bytes, mutation, rng);
  if (rng.next() < 0.15 && bytes.length > 0) {
    try { bytes = mutate(bytes, pick(rng, MUTATIONS), rng); } catch { /* the first damage left no protobuf to restructure */ }
  }
  return { seed, fixture: f.name, mutation, bytes };
}

/**
 * Imports the case (caps lowered to 2^22 elements per tensor); when it imports and is small,
 * builds the model and runs a forward pass on batch 1.
 */
export function runFuzzCase(c: FuzzCase, k?: Kernels): FuzzOutcome {
  const t0 = performance.now();
  const done = (kind: FuzzOutcome['kind'], message: string, code?: string): FuzzOutcome => ({ kind, ms: performance.now() - t0, message, code });
  try {
    const parsed = parseOnnx(c.bytes, { file: `fuzz-${c.seed}.onnx`, maxElements: 2 ** 22 });
    if (k && parsed.graph.flops() < 5e7) {
      const model = modelFromOnnx(parsed, k);
      try {
        const input = model.input(1);
        input.f32().fill(0.5);
        model.forward(1);
      } finally {
        model.dispose();
      }
    }
    return done('ok', '');
  } catch (e) {
    if (e instanceof OnnxError && e.message.length > 0) return done('refused', e.message, e.code);
    return done('crash', e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e));
  }
}
