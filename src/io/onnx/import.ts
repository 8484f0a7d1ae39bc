// ONNX bytes → lopper Graph and weights (parseOnnx) → Model (importOnnx). Checks come first and
// name what they refuse: the file (decoding, IR version, opset), the graph (values produced twice,
// missing inputs, cycles, dangling outputs), every unsupported op at once, input shapes; then each
// live node is mapped by its op's spec in ops/, constants folded on the way. Tensor sizes are
// capped before anything is allocated.

import type { Kernels } from '../../kernels/kernels.js';
import { Graph, type GraphDef } from '../../graph/graph.js';
import { Identity } from '../../nn/layers/identity.js';
import { Model } from '../../nn/model.js';
import { Builder, NodeContext, type Computed, type Value } from './context.js';
import { OnnxError, type UnsupportedNode } from './errors.js';
import { onnxOps } from './ops/index.js';
import { decodeModel, int, type GraphProto, type NodeProto, type ValueInfoProto } from './proto.js';
import { DataType } from './proto.js';
import { MAX_ELEMENTS, checkedCount, readSparseTensor, readTensor, typeName } from './tensor.js';

export interface OnnxImportOptions {
  /** The file's name in error messages (default 'model.onnx'). */
  file?: string;
  /** Per-sample shapes (no batch axis) for inputs whose dimensions the file leaves symbolic. */
  inputShapes?: Record<string, readonly number[]>;
  /** Largest element count of any one tensor (default 2^26). */
  maxElements?: number;
}

export interface OnnxInfo {
  irVersion: number;
  opset: number;
  producer: string;
  /** ONNX op types of the live nodes, with counts. */
  ops: Record<string, number>;
  /** The batch dimension of the inputs: a fixed size or a name ('?' when the file gives none). */
  batch: number | string;
  nodes: number;
  initializers: number;
  /** The file's metadata_props. */
  metadata: Record<string, string>;
}

export interface ParsedOnnx {
  graph: Graph;
  /** Parameter values by `${node}.${param}`, in each parameter's shape (row-major). */
  weights: Map<string, Float32Array>;
  info: OnnxInfo;
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);
const MIN_IR = 3;
const MAX_IR = 11;
const MIN_OPSET = 7;
const MAX_OPSET = 23;
const MAX_NODES = 100_000;

/** The names lopper imports, for messages and `lopper inspect`. */
export const supportedOnnxOps: readonly string[] = Object.keys(onnxOps).sort();

/** How many node names an unsupported-op error shows per op. */
const NAMES_PER_OP = 3;

/**
 * Every unsupported node at once, grouped by op with counts and the first few names, so that a
 * large model's refusal stays readable; `nodes` on the error keeps the full list.
 */
function unsupportedError(file: string, unsupported: UnsupportedNode[]): OnnxError {
  const byOp = new Map<string, string[]>();
  for (const u of unsupported) {
    const op = `${u.domain && !DEFAULT_DOMAINS.has(u.domain) ? `${u.domain}:` : ''}${u.op}`;
    byOp.set(op, [...(byOp.get(op) ?? []), u.node]);
  }
  const list = [...byOp].map(([op, names]) => {
    const shown = names.slice(0, NAMES_PER_OP).map((n) => `'${n}'`).join(', ');
    return `${op} ×${names.length} (${shown}${names.length > NAMES_PER_OP ? `, … ${names.length - NAMES_PER_OP} more` : ''})`;
  }).join('; ');
  const n = unsupported.length;
  return new OnnxError('unsupported-op',
    `${file}: ${n} node${n > 1 ? 's use' : ' uses'} ${byOp.size > 1 ? `${byOp.size} ops` : 'an op'} lopper cannot import: ${list}. ` +
    `lopper imports ${supportedOnnxOps.join(', ')}`, unsupported);
}

/** Decodes and maps an ONNX model; no wasm needed (inspect, fuzzing). */
export function parseOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): ParsedOnnx {
  const file = options.file ?? 'model.onnx';
  const cap = options.maxElements ?? MAX_ELEMENTS;
  const model = decodeModel(bytes, file);
  const fail = (code: ConstructorParameters<typeof OnnxError>[0], message: string): never => {
    throw new OnnxError(code, `${file}: ${message}`);
  };

  const ir = int(model.irVersion);
  const g = model.graph;
  if (!g) fail('invalid-file', `not an ONNX model: it has no graph${ir ? ` (ir_version ${ir})` : ''}`);
  if (ir < MIN_IR || ir > MAX_IR) fail('unsupported-version', `IR version ${ir}; lopper reads IR versions ${MIN_IR}–${MAX_IR}`);
  const opsets = (model.opsetImport ?? []).filter((o) => DEFAULT_DOMAINS.has(o.domain ?? ''));
  if (opsets.length === 0) fail('invalid-file', `no opset_import for the default ONNX domain`);
  const opset = int(opsets[0].version);
  if (opset < MIN_OPSET) {
    fail('unsupported-version', `opset ${opset}; lopper reads opsets ${MIN_OPSET}–${MAX_OPSET}. Convert the file first, e.g. in Python: ` +
      `onnx.save(onnx.version_converter.convert_version(onnx.load(f), 13), f2)`);
  }
  if (opset > MAX_OPSET) fail('unsupported-version', `opset ${opset}; lopper reads opsets ${MIN_OPSET}–${MAX_OPSET}`);
  const graph = g as GraphProto;
  const nodes = graph.node ?? [];
  if (nodes.length > MAX_NODES) fail('too-large', `${nodes.length} nodes; lopper reads at most ${MAX_NODES}`);

  // ---- Values: initializers, inputs, node outputs; each produced once.
  const initializers = new Map<string, NonNullable<GraphProto['initializer']>[number]>();
  for (const t of graph.initializer ?? []) {
    if (!t.name) fail('broken-graph', `an initializer has no name`);
    if (initializers.has(t.name!)) fail('broken-graph', `initializer '${t.name}' is defined twice`);
    initializers.set(t.name!, t);
  }
  // Sparse initializers are named by their values tensor; one namespace with the dense ones.
  const sparseInitializers = new Map<string, NonNullable<GraphProto['sparseInitializer']>[number]>();
  for (const s of graph.sparseInitializer ?? []) {
    const name = s.values?.name;
    if (!name) fail('broken-graph', `a sparse initializer has no name (its values tensor names it)`);
    if (initializers.has(name!) || sparseInitializers.has(name!)) fail('broken-graph', `initializer '${name}' is defined twice`);
    sparseInitializers.set(name!, s);
  }
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '') && !sparseInitializers.has(i.name ?? ''));
  const producer = new Map<string, number>();
  const sources = new Set<string>([...initializers.keys(), ...sparseInitializers.keys()]);
  for (const i of inputs) {
    if (!i.name) fail('broken-graph', `a graph input has no name`);
    if (sources.has(i.name!)) fail('broken-graph', `graph input '${i.name}' is declared twice`);
    sources.add(i.name!);
  }
  const label = (n: NodeProto, i: number) => `'${n.name || n.output?.find((o) => o) || `#${i}`}' (${n.opType || '?'})`;
  nodes.forEach((n, idx) => {
    for (const o of n.output ?? []) {
      if (!o) continue;
      if (sources.has(o)) fail('broken-graph', `node ${label(n, idx)} writes '${o}', which is already a graph input or initializer`);
      const other = producer.get(o);
      if (other !== undefined) fail('broken-graph', `value '${o}' is produced twice, by node ${label(nodes[other], other)} and node ${label(n, idx)}`);
      producer.set(o, idx);
    }
  });
  nodes.forEach((n, idx) => {
    for (const i of n.input ?? []) {
      if (i && !sources.has(i) && !producer.has(i)) fail('broken-graph', `node ${label(n, idx)} reads '${i}', which no node, graph input or initializer produces`);
    }
  });
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  if (outputs.length === 0) fail('broken-graph', `the graph has no outputs`);
  for (const o of outputs) {
    if (!o || (!sources.has(o) && !producer.has(o))) fail('broken-graph', `graph output '${o}' is produced by no node (a dangling output)`);
  }

  // ---- Order: Kahn's algorithm over node → node edges; what is left holds a cycle.
  const order = topologicalOrder(nodes, producer, (cycle) => fail('broken-graph', `the nodes form a cycle: ${cycle.map((i) => label(nodes[i], i)).join(' → ')}`));
  const live = new Set<number>();
  const stack = outputs.map((o) => producer.get(o)).filter((i): i is number => i !== undefined);
  while (stack.length) {
    const i = stack.pop()!;
    if (live.has(i)) continue;
    live.add(i);
    for (const v of nodes[i].input ?? []) { const p = producer.get(v); if (p !== undefined) stack.push(p); }
  }

  // ---- Every unsupported op at once.
  const unsupported: UnsupportedNode[] = [];
  const ops: Record<string, number> = {};
  for (const i of order) {
    if (!live.has(i)) continue;
    const n = nodes[i];
    const op = n.opType ?? '';
    const domain = n.domain ?? '';
    ops[op] = (ops[op] ?? 0) + 1;
    if (!DEFAULT_DOMAINS.has(domain) || !Object.hasOwn(onnxOps, op)) unsupported.push({ node: n.name || n.output?.[0] || `#${i}`, op, domain });
  }
  if (unsupported.length) throw unsupportedError(file, unsupported);

  // ---- Inputs: float32, batch first, fixed per-sample dimensions.
  let fixedBatch: number | undefined;
  let batchName: string | undefined;
  const inputShapes = inputs.map((input) => {
    const name = input.name!;
    const [shape, batch] = inputShape(input, options.inputShapes?.[name], file, cap);
    if (typeof batch === 'number') {
      if (fixedBatch !== undefined && fixedBatch !== batch) fail('dynamic-shape', `graph inputs fix different batch sizes (${fixedBatch} and ${batch} on '${name}')`);
      fixedBatch = batch;
    } else batchName ??= batch;
    return { name, shape };
  });

  const b = new Builder(file, { fixed: fixedBatch }, cap);
  let total = 0;
  const constants = [
    ...[...initializers].map(([name, t]) => [name, () => readTensor(t, `${file}: initializer '${name}'`)] as const),
    ...[...sparseInitializers].map(([name, s]) => [name, () => readSparseTensor(s, `${file}: sparse initializer '${name}'`)] as const),
  ];
  for (const [name, read] of constants) {
    const c = read();
    total += c.data.length;
    if (total > 4 * cap) fail('too-large', `the initializers hold more than ${4 * cap} values (lopper's cap)`);
    b.values.set(name, { kind: 'const', t: c });
  }
  for (const { name, shape } of inputShapes) {
    b.reserve(name);
    b.values.set(name, { kind: 'computed', name, shape });
    b.shapes.set(name, shape);
  }
  for (const n of nodes) {
    for (const i of n.input ?? []) {
      if (!i) continue;
      b.uses.set(i, (b.uses.get(i) ?? 0) + 1);
      b.readers.set(i, [...(b.readers.get(i) ?? []), n]);
    }
  }
  for (const o of outputs) b.uses.set(o, (b.uses.get(o) ?? 0) + 1);
  const graphOutputs = new Set(outputs);

  // ---- Map the live nodes in order.
  for (const idx of order) {
    if (!live.has(idx)) continue;
    const n = nodes[idx];
    const named = (n.output ?? []).find((o) => graphOutputs.has(o));
    const primary = named ?? (n.name || n.output?.find((o) => o) || `${n.opType}_${idx}`);
    const ctx = new NodeContext(b, n, opset, primary);
    const spec = onnxOps[n.opType!];
    const present = (n.input ?? []).filter((i) => i);
    const allConst = present.every((i) => b.values.get(i)!.kind === 'const');
    try {
      if (allConst && (present.length > 0 || n.opType === 'Constant')) {
        if (!spec.fold) ctx.fail(`all its inputs are constants, and lopper folds only shape and arithmetic ops`);
        spec.fold!(ctx);
      } else spec.map(ctx);
    } catch (e) {
      if (e instanceof OnnxError) throw e;
      const err = e as Error;
      throw new OnnxError('bad-node', `${ctx.where}: ${err instanceof RangeError && /call stack/i.test(err.message) ? 'nests too deeply' : err.message}`);
    }
    (n.output ?? []).forEach((o, i) => {
      if (o && !b.values.has(o) && b.uses.has(o)) ctx.fail(`output ${i} ('${o}') is used, but lopper maps only ${i === 0 ? 'the node as a whole' : 'output 0'} of ${n.opType}`);
    });
  }

  // ---- Outputs: computed, materialised, named as in the file.
  const outNames: string[] = [];
  const inputNames = new Set(inputShapes.map((i) => i.name));
  for (const o of outputs) {
    const where = `${file}: graph output '${o}'`;
    const v = b.values.get(o) as Value;
    if (v.kind === 'const') fail('bad-node', `graph output '${o}' is a constant; lopper models compute their outputs from their inputs`);
    const c = b.materialise(where, v as Computed);
    if (c.name === o && !outNames.includes(o)) {
      outNames.push(o);
      continue;
    }
    // A node may be renamed unless it already is (or will be) a graph output under its own name.
    const movable = (name: string) => b.byName.has(name) && !outNames.includes(name) && (name === o || !graphOutputs.has(name));
    if (!inputNames.has(c.name) && movable(c.name) && (!b.isTaken(o) || movable(o))) {
      // The node making the output takes the output's name; a node holding that name moves aside.
      if (b.isTaken(o)) rename(b, o, b.unique(`${o}/inner`));
      rename(b, c.name, o);
      outNames.push(o);
      continue;
    }
    outNames.push(b.add(where, b.unique(o), new Identity(), [c]).name);
  }

  const def: GraphDef = { name: graph.name || 'onnx', inputs: inputShapes, nodes: b.nodes, outputs: outNames };
  let built: Graph;
  try {
    built = new Graph(def);
  } catch (e) {
    throw new OnnxError('bad-node', `${file}: ${(e as Error).message}`);
  }
  let params = 0;
  for (const node of built.nodes) {
    for (const p of node.params) {
      const v = b.weights.get(`${node.name}.${p.name}`);
      if (!v) fail('bad-node', `node '${node.name}' has no values for its parameter '${p.name}'`);
      params += v!.length;
    }
  }
  if (params > 4 * cap) fail('too-large', `${params} parameter values; lopper's cap is ${4 * cap}`);
  return {
    graph: built,
    weights: b.weights,
    info: {
      irVersion: ir, opset, producer: [model.producerName, model.producerVersion].filter((s) => s).join(' '), ops,
      batch: fixedBatch ?? batchName ?? '?', nodes: nodes.length, initializers: initializers.size + sparseInitializers.size,
      metadata: Object.fromEntries((model.metadataProps ?? []).filter((p) => p.key).map((p) => [p.key!, p.value ?? ''])),
    },
  };
}

/** Imports an ONNX model onto the kernels `k`, its parameters filled from the file. */
export function importOnnx(bytes: Uint8Array, k: Kernels, options: OnnxImportOptions = {}): Model {
  return modelFromOnnx(parseOnnx(bytes, options), k);
}

/** The Model of a parsed file on the kernels `k`. */
export function modelFromOnnx({ graph, weights }: ParsedOnnx, k: Kernels): Model {
  const model = new Model(graph, k);
  const values = model.params.values.f32();
  for (const e of model.params.entries) values.set(weights.get(`${e.node}.${e.name}`)!, e.start);
  return model;
}

/** The per-sample shape of a graph input, and its batch dimension (a size or a name). */
function inputShape(input: ValueInfoProto, given: readonly number[] | undefined, file: string, cap: number): [number[], number | string] {
  const name = input.name!;
  const what = `${file}: graph input '${name}'`;
  const tensor = input.type?.tensorType;
  if (!tensor) throw new OnnxError('bad-node', `${what} is not a tensor (sequences, maps and optionals are not read)`);
  const elem = tensor.elemType ?? 0;
  if (elem !== DataType.FLOAT) throw new OnnxError('bad-node', `${what} has element type ${typeName(elem)}; lopper's inputs are float32`);
  const dims = tensor.shape?.dim;
  let batch: number | string = '?';
  let shape: number[] | undefined;
  if (dims) {
    if (dims.length < 2) throw new OnnxError('bad-node', `${what} has rank ${dims.length}; lopper needs [batch, ...] with at least one per-sample axis`);
    const [first, ...rest] = dims;
    const b0 = first.dimValue !== undefined && first.dimValue !== null ? int(first.dimValue) : undefined;
    if (b0 !== undefined && b0 !== 0) {
      if (!Number.isSafeInteger(b0) || b0 < 1) throw new OnnxError('dynamic-shape', `${what} has batch dimension ${b0}`);
      batch = b0;
    } else if (first.dimParam) batch = first.dimParam;
    if (!given) {
      shape = rest.map((d, i) => {
        const v = d.dimValue !== undefined && d.dimValue !== null ? int(d.dimValue) : 0;
        if (v >= 1 && Number.isSafeInteger(v)) return v;
        const sym = d.dimParam ? `symbolic ('${d.dimParam}')` : v ? `${v}` : 'unknown';
        throw new OnnxError('dynamic-shape', `${what} has a ${sym} dimension at axis ${i + 1}; lopper needs fixed per-sample shapes (pass inputShapes: { '${name}': [...] } without the batch axis)`);
      });
    } else if (given.length !== rest.length) {
      throw new OnnxError('dynamic-shape', `${what}: inputShapes gives [${given}] (rank ${given.length}), the file declares rank ${rest.length} per sample`);
    }
  } else if (!given) {
    throw new OnnxError('dynamic-shape', `${what} declares no shape; pass inputShapes: { '${name}': [...] } (per sample, without the batch axis)`);
  }
  shape ??= [...given!];
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new OnnxError('dynamic-shape', `${what}: shape [${shape}] needs integers ≥ 1`);
  checkedCount(shape, what, cap);
  return [shape, batch];
}

/** Node indices in an order where producers come first; `cycle` gets one cycle if there is one. */
function topologicalOrder(nodes: NodeProto[], producer: Map<string, number>, cycle: (nodes: number[]) => never): number[] {
  const deps = nodes.map((n) => [...new Set((n.input ?? []).map((i) => producer.get(i)).filter((p): p is number => p !== undefined))]);
  const readers: number[][] = nodes.map(() => []);
  const waiting = deps.map((d) => d.length);
  deps.forEach((d, i) => d.forEach((p) => readers[p].push(i)));
  // The ready node earliest in the file goes first (a binary min-heap): a topological file keeps its order.
  const heap: number[] = [];
  const push = (v: number) => {
    let i = heap.push(v) - 1;
    while (i > 0 && heap[(i - 1) >> 1] > heap[i]) { [heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1], heap[i]]; i = (i - 1) >> 1; }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const m = l + 1 < heap.length && heap[l + 1] < heap[l] ? l + 1 : l;
        if (l >= heap.length || heap[i] <= heap[m]) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  waiting.forEach((w, i) => { if (w === 0) push(i); });
  const order: number[] = [];
  while (heap.length) {
    const i = pop();
    order.push(i);
    for (const r of readers[i]) if (--waiting[r] === 0) push(r);
  }
  if (order.length < nodes.length) {
    // Walk back through unfinished producers from an unfinished node until one repeats.
    let at = waiting.findIndex((w) => w > 0);
    const path: number[] = [];
    const seen = new Map<number, number>();
    while (!seen.has(at)) {
      seen.set(at, path.length);
      path.push(at);
      at = deps[at].find((p) => waiting[p] > 0)!;
    }
    const loop = path.slice(seen.get(at)!).reverse();
    return cycle([...loop, loop[0]]);
  }
  return order;
}

/** Renames a lopper node (its readers, weights and the values pointing at it follow). */
function rename(b: Builder, from: string, to: string): void {
  const node = b.byName.get(from)!;
  node.name = to;
  b.byName.delete(from);
  b.byName.set(to, node);
  b.reserve(to);
  for (const n of b.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
  for (const [key, v] of [...b.weights]) {
    // Keys are `${node}.${param}`; parameter names have no dot.
    if (key.startsWith(`${from}.`) && !key.slice(from.length + 1).includes('.')) {
      b.weights.delete(key);
      b.weights.set(`${to}.${key.slice(from.length + 1)}`, v);
    }
  }
  for (const [k, v] of b.values) if (v.kind === 'computed' && v.name === from) b.values.set(k, { ...v, name: to });
  b.holders.set(to, b.holders.get(from) ?? 0);
  b.shapes.set(to, b.shapes.get(from)!);
}
