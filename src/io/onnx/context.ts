// The importer's state: ONNX values mapped to constants or to lopper values, the lopper nodes and
// weights built so far, and the per-node view op mappers work through (inputs, attributes, errors
// that name the node). No op knowledge here; ops/*.ts hold that.

import type { NodeDef } from '../../graph/graph.js';
import type { Layer, Shape } from '../../nn/layer.js';
import { Transpose } from '../../nn/layers/transpose.js';
import { AttributeType, int, ints, type AttributeProto, type NodeProto } from './proto.js';
import { MAX_ELEMENTS, checkedCount, readTensor, type Const } from './tensor.js';
import { OnnxError, type OnnxErrorCode } from './errors.js';

/** A value lopper computes: a graph input or a node's output, per-sample shape in lopper's layout. */
export interface Computed {
  kind: 'computed';
  /** The lopper node (or graph input) holding it. */
  name: string;
  shape: number[];
  /**
   * A transposition not yet applied: ONNX per-sample axis i is lopper axis perm[i]. Element-wise
   * ops pass it on, so that NHWC ⇄ NCHW transposes around convolutions cancel without a copy.
   */
  perm?: number[];
  /**
   * For a flattened value read only by a Dense: ONNX feature j is lopper feature order[j] (an NHWC
   * flatten done in lopper's NCHW order). The Dense permutes its weight columns to match, so the
   * transpose disappears and the channels before it stay prunable. Nothing else may read it.
   */
  order?: Int32Array;
}

export interface Constant {
  kind: 'const';
  t: Const;
}

export type Value = Computed | Constant;

/** Integer-shape marker for the batch size in folded shape arithmetic (Shape(x)[0]). */
export const BATCH = NaN;

/** The ONNX per-sample shape of a computed value (its lopper shape, pending transposition applied). */
export function onnxShape(v: Computed): number[] {
  return v.perm ? v.perm.map((p) => v.shape[p]) : v.shape;
}

export interface BatchInfo {
  /** The batch size the file fixes on its inputs, if it does. */
  fixed?: number;
}

export class Builder {
  readonly nodes: NodeDef[] = [];
  /** `${node}.${param}` → values. */
  readonly weights = new Map<string, Float32Array>();
  readonly values = new Map<string, Value>();
  /** How many node inputs (and graph outputs) read each ONNX value. */
  readonly uses = new Map<string, number>();
  /** Lopper node that produced each lopper name, for fusions that rewrite a node. */
  readonly byName = new Map<string, NodeDef>();
  /** The nodes reading each ONNX value. */
  readonly readers = new Map<string, NodeProto[]>();
  /** Per-sample shape of each lopper value (graph inputs and nodes), for fusions that look back. */
  readonly shapes = new Map<string, readonly number[]>();
  /** How many ONNX values hold each lopper value (aliases: Identity, Dropout(0), no-op reshapes). */
  readonly holders = new Map<string, number>();
  private readonly taken = new Set<string>();
  private readonly suffix = new Map<string, number>();
  private readonly materialised = new Map<string, Computed>();
  private activations = 0;

  constructor(readonly file: string, readonly batch: BatchInfo, readonly maxElements = MAX_ELEMENTS) {}

  /** A lopper name not used yet, derived from `base`. */
  unique(base: string): string {
    const root = base || 'node';
    let name = root;
    for (let i = this.suffix.get(root) ?? 2; this.taken.has(name); i++) {
      name = `${root}_${i}`;
      this.suffix.set(root, i + 1);
    }
    this.taken.add(name);
    return name;
  }

  reserve(name: string): void {
    this.taken.add(name);
  }

  isTaken(name: string): boolean {
    return this.taken.has(name);
  }

  /**
   * Adds a lopper node now, so that shape errors name the ONNX node being mapped (`where`).
   * Parameters come as flat values in the layer's parameter order and shapes.
   */
  add(where: string, name: string, layer: Layer, inputs: Computed[], params: Record<string, ArrayLike<number>> = {}): Computed {
    const shapes = inputs.map((i) => i.shape);
    let shape: Shape;
    try {
      shape = layer.outputShape(shapes);
      for (const p of layer.params(shapes)) {
        const v = params[p.name];
        const n = p.shape.reduce((a, b) => a * b, 1);
        if (v === undefined) throw new Error(`no values for parameter '${p.name}'`);
        if (v.length !== n) throw new Error(`parameter '${p.name}' needs [${p.shape}] (${n} values), got ${v.length}`);
        for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`parameter '${p.name}' holds ${v[i]} at element ${i}`);
      }
    } catch (e) {
      throw new OnnxError('bad-node', `${where}: ${(e as Error).message}`);
    }
    checkedCount(shape, `${where}: the per-sample output`, this.maxElements);
    this.activations += shape.reduce((a, b) => a * b, 1);
    if (this.activations > 4 * this.maxElements) {
      throw new OnnxError('too-large', `${where}: the activations reach ${this.activations} values per sample, more than lopper's cap of ${4 * this.maxElements}`);
    }
    const node: NodeDef = { name, layer, inputs: inputs.map((i) => i.name) };
    this.nodes.push(node);
    this.byName.set(name, node);
    this.shapes.set(name, shape);
    for (const [p, v] of Object.entries(params)) this.weights.set(`${name}.${p}`, Float32Array.from(v));
    return { kind: 'computed', name, shape: [...shape] };
  }

  /** `v` with its pending transposition applied (one Transpose node per value, shared by its readers). */
  materialise(where: string, v: Computed): Computed {
    if (v.order) throw new OnnxError('bad-node', `${where}: reads a reordered flatten meant for a Dense only (an importer bug)`);
    if (!v.perm) return v;
    const key = `${v.name}|${v.perm}`;
    const done = this.materialised.get(key);
    if (done) return done;
    const out = this.add(where, this.unique(`${v.name}/transposed`), new Transpose({ perm: v.perm }), [{ ...v, perm: undefined }]);
    this.materialised.set(key, out);
    return out;
  }
}

/** One ONNX node being mapped: its inputs, attributes and outputs, and errors that name it. */
export class NodeContext {
  readonly name: string;
  readonly op: string;
  private readonly attrs = new Map<string, AttributeProto>();
  private aux = 0;

  constructor(readonly b: Builder, readonly node: NodeProto, readonly opset: number, private readonly primary: string) {
    this.op = node.opType ?? '';
    this.name = node.name || node.output?.[0] || `(${this.op})`;
    for (const a of node.attribute ?? []) if (a.name) this.attrs.set(a.name, a);
  }

  /** "model.onnx: node 'conv1' (Conv)" */
  get where(): string {
    return `${this.b.file}: node '${this.name}' (${this.op})`;
  }

  fail(message: string, code: OnnxErrorCode = 'bad-node'): never {
    throw new OnnxError(code, `${this.where}: ${message}`);
  }

  get inputCount(): number {
    return this.node.input?.length ?? 0;
  }

  has(i: number): boolean {
    return !!this.node.input?.[i];
  }

  input(i: number): Value {
    const name = this.node.input?.[i];
    if (!name) this.fail(`input ${i} is missing`);
    return this.b.values.get(name)!;
  }

  /** Input i as lopper computes it, pending transposition applied. */
  computed(i: number, what = `input ${i}`): Computed {
    return this.b.materialise(this.where, this.raw(i, what));
  }

  /** The nodes reading output i of this node (graph outputs not included). */
  readersOf(i: number): NodeProto[] {
    const name = this.node.output?.[i];
    return name ? this.b.readers.get(name) ?? [] : [];
  }

  /** Input i as lopper computes it, possibly with a pending transposition. */
  raw(i: number, what = `input ${i}`): Computed {
    const v = this.input(i);
    if (v.kind !== 'computed') this.fail(`${what} ('${this.node.input![i]}') is a constant; lopper maps ${this.op} only on computed values here`);
    return v;
  }

  /** Input i as a constant (initializer, Constant node or folded). */
  constant(i: number, what = `input ${i}`): Const {
    const v = this.input(i);
    if (v.kind !== 'const') this.fail(`${what} ('${this.node.input![i]}') must be a constant (an initializer or Constant node); lopper cannot use a computed ${what}`);
    return v.t;
  }

  /** A constant's integer values, checked to be known (not the batch size). */
  intsOf(t: Const, what: string): number[] {
    const v = Array.from(t.data);
    if (v.some((x) => Number.isNaN(x))) this.fail(`${what} [${v.map((x) => (Number.isNaN(x) ? 'batch' : x))}] depends on the batch size`, 'dynamic-shape');
    if (v.some((x) => !Number.isInteger(x) && Number.isFinite(x))) this.fail(`${what} must be integers, got [${v}]`);
    return v;
  }

  // Attributes: a missing one gives the default; a present one of the wrong type is an error.
  private attr(name: string, types: number[]): AttributeProto | undefined {
    const a = this.attrs.get(name);
    if (!a) return undefined;
    const type = a.type ?? 0;
    if (type !== 0 && !types.includes(type)) this.fail(`attribute '${name}' has type ${AttributeType[type] ?? type}, expected ${types.map((t) => AttributeType[t]).join(' or ')}`);
    return a;
  }

  hasAttr(name: string): boolean {
    return this.attrs.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.attr(name, [AttributeType.INT]);
    return a ? int(a.i) : fallback;
  }

  ints(name: string, fallback?: number[]): number[] | undefined {
    const a = this.attr(name, [AttributeType.INTS]);
    if (!a) return fallback;
    const v = ints(a.ints);
    if (v.length > 64) this.fail(`attribute '${name}' has ${v.length} values; lopper reads at most 64`);
    return v;
  }

  float(name: string, fallback: number): number {
    const a = this.attr(name, [AttributeType.FLOAT]);
    return a ? a.f ?? 0 : fallback;
  }

  floats(name: string): number[] | undefined {
    const a = this.attr(name, [AttributeType.FLOATS]);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.attr(name, [AttributeType.STRING]);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : fallback;
  }

  tensor(name: string): Const | undefined {
    const a = this.attr(name, [AttributeType.TENSOR]);
    return a?.t ? readTensor(a.t, `${this.where}: attribute '${name}'`) : undefined;
  }

  /** Names of the attributes present (for Constant's one-of). */
  attrNames(): string[] {
    return [...this.attrs.keys()];
  }

  /** Defines output i. */
  out(value: Value, i = 0): void {
    const name = this.node.output?.[i];
    if (!name) return;
    this.b.values.set(name, value);
    if (value.kind === 'computed') this.b.holders.set(value.name, (this.b.holders.get(value.name) ?? 0) + 1);
  }

  /**
   * Adds a lopper layer for this node. The node's main layer (`role` absent) takes the node's
   * name; helpers (a Pad before a Conv, a Reshape around a Softmax) get `name/role`.
   */
  emit(layer: Layer, inputs: Computed[], params: Record<string, ArrayLike<number>> = {}, role?: string): Computed {
    const name = this.b.unique(role ? `${this.primary}/${role}` : this.aux++ === 0 ? this.primary : `${this.primary}/${this.aux}`);
    return this.b.add(this.where, name, layer, inputs, params);
  }
}
