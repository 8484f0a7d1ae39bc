// A graph bound to a wasm instance: its parameters in the heap, and forward and backward passes
// over a workspace of activations allocated once per batch size.

import type { Kernels } from '../kernels/kernels.js';
import type { DType, Tensor } from '../kernels/tensor.js';
import { Graph } from '../graph/graph.js';
import type { BackwardPass, ForwardPass } from './layer.js';
import { ParamStore } from './params.js';
import { Rng } from './random.js';

interface Workspace {
  batch: number;
  /** Activation of every graph input and node output, [batch, ...shape]. */
  values: Map<string, Tensor>;
  /** Gradient of every node output (not of graph inputs unless asked for). */
  grads: Map<string, Tensor>;
  /** For a value read by several nodes: one gradient per reading node, summed afterwards. */
  edgeGrads: Map<string, Tensor>;
  buffers: Map<string, Record<string, Tensor>>;
  owned: Tensor[];
}

/** A node's inference pass computed another way (same outputs), with what it holds on the heap. */
export interface InferenceForward {
  forward(pass: ForwardPass): void;
  dispose(): void;
}

export interface ModelOptions {
  /** Seed for initialisation and for stochastic layers (default 0). */
  seed?: number;
}

export class Model {
  readonly params: ParamStore;
  private ws: Workspace | undefined;
  private rng: Rng;
  /** Nodes reading each value, each once. */
  private readonly readersOf = new Map<string, string[]>();
  private readonly nodeParams = new Map<string, Record<string, Tensor>>();
  private readonly nodeGrads = new Map<string, Record<string, Tensor>>();
  /** Replacement inference passes per node (src/compress/sparse-inference.ts: CSR kernels). */
  private readonly inference = new Map<string, InferenceForward>();

  constructor(readonly graph: Graph, readonly k: Kernels, options: ModelOptions = {}) {
    const seed = options.seed ?? 0;
    this.params = new ParamStore(k, graph);
    this.params.init(seed);
    this.rng = new Rng(seed ^ 0x5bd1e995);
    for (const node of graph.nodes) {
      this.nodeParams.set(node.name, this.params.of(node.name, 'values'));
      this.nodeGrads.set(node.name, this.params.of(node.name, 'grads'));
      for (const input of new Set(node.inputs)) this.readersOf.set(input, [...(this.readersOf.get(input) ?? []), node.name]);
    }
  }

  /**
   * Runs `fn` instead of the node's own forward in inference passes (undefined: the layer's own
   * again). It must compute what the layer does. A training pass drops every replacement, since
   * the weights it was built from are about to change.
   */
  setInferenceForward(node: string, fn: InferenceForward | undefined): void {
    this.graph.node(node);
    this.inference.get(node)?.dispose();
    if (fn) this.inference.set(node, fn);
    else this.inference.delete(node);
  }

  /** Nodes whose inference passes run a replacement. */
  inferenceForwards(): string[] {
    return [...this.inference.keys()];
  }

  /** Reseeds the stream stochastic layers draw from (dropout masks). */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  /** The workspace tensor of a graph input, to be filled before `forward`. */
  input(batch: number, name = this.graph.inputs[0].name): Tensor {
    return this.workspace(batch).values.get(name)!;
  }

  /** Activation of a node from the last forward pass. */
  activation(name: string): Tensor {
    const t = this.ws?.values.get(name);
    if (!t) throw new Error(`model '${this.graph.name}': no activation '${name}' (run forward first)`);
    return t;
  }

  /** Gradient w.r.t. a node's output (or a graph input, if asked for) from the last backward pass. */
  gradient(name: string): Tensor {
    const t = this.ws?.grads.get(name);
    if (!t) throw new Error(`model '${this.graph.name}': no gradient for '${name}' (run backward first)`);
    return t;
  }

  /** Scratch buffer `name` a node kept from the last forward pass (Maxout's 'argmax', say). */
  buffer(node: string, name: string): Tensor {
    const t = this.ws?.buffers.get(node)?.[name];
    if (!t) throw new Error(`model '${this.graph.name}': no buffer '${name}' of '${node}' (run forward first)`);
    return t;
  }

  /**
   * Runs the graph on the batch already in `input(batch)` (or copies `x` there first) and
   * returns the first output's workspace tensor, valid until the next pass. With `timings`, adds
   * each node's milliseconds to its entry (a profile: which layers a pruned model still pays for).
   */
  forward(batch: number, options: { training?: boolean; x?: ArrayLike<number>; timings?: Map<string, number> } = {}): Tensor {
    const ws = this.workspace(batch);
    if (options.x) ws.values.get(this.graph.inputs[0].name)!.set(options.x);
    const random = () => this.rng.next();
    const timings = options.timings;
    if (options.training) this.dropInferenceForwards();
    for (const node of this.graph.nodes) {
      const pass: ForwardPass = {
        k: this.k,
        batch,
        inputs: node.inputs.map((i) => ws.values.get(i)!),
        output: ws.values.get(node.name)!,
        params: this.nodeParams.get(node.name)!,
        buffers: ws.buffers.get(node.name)!,
        training: options.training ?? false,
        random,
      };
      const run = this.inference.get(node.name);
      if (!timings) {
        if (run) run.forward(pass);
        else node.layer.forward(pass);
        continue;
      }
      const started = performance.now();
      if (run) run.forward(pass);
      else node.layer.forward(pass);
      timings.set(node.name, (timings.get(node.name) ?? 0) + performance.now() - started);
    }
    return ws.values.get(this.graph.outputs[0])!;
  }

  /**
   * Back-propagates `dOutput` (gradient w.r.t. the first output, [batch, ...]) through the last
   * forward pass, overwriting the parameter gradients in `params.grads`.
   */
  backward(dOutput: Tensor, options: { inputGradients?: boolean } = {}): void {
    const ws = this.ws;
    if (!ws) throw new Error(`model '${this.graph.name}': backward before forward`);
    const out = this.graph.outputs[0];
    const dOut = ws.grads.get(out)!;
    if (dOutput.size !== dOut.size) {
      throw new RangeError(`model '${this.graph.name}': dOutput has shape [${dOutput.shape}], the output '${out}' is [${dOut.shape}]`);
    }
    if (dOutput.offset !== dOut.offset) dOut.f32().set(dOutput.f32());
    const wantInput = options.inputGradients ?? false;
    if (wantInput) this.ensureInputGrads(ws);
    const random = () => this.rng.next();
    for (let n = this.graph.nodes.length - 1; n >= 0; n--) {
      const node = this.graph.nodes[n];
      this.gatherGradient(ws, node.name);
      const pass: BackwardPass = {
        k: this.k,
        batch: ws.batch,
        inputs: node.inputs.map((i) => ws.values.get(i)!),
        output: ws.values.get(node.name)!,
        params: this.nodeParams.get(node.name)!,
        buffers: ws.buffers.get(node.name)!,
        training: true,
        random,
        dOutput: ws.grads.get(node.name)!,
        dInputs: node.inputs.map((i) => this.gradientSlot(ws, i, node.name, wantInput)),
        grads: this.nodeGrads.get(node.name)!,
      };
      node.layer.backward(pass);
    }
    if (wantInput) for (const input of this.graph.inputs) this.gatherGradient(ws, input.name);
  }

  dispose(): void {
    this.dropInferenceForwards();
    this.freeWorkspace();
    this.params.dispose();
  }

  private dropInferenceForwards(): void {
    for (const f of this.inference.values()) f.dispose();
    this.inference.clear();
  }

  /** Where a node writes the gradient for one of its inputs: null if nobody needs it. */
  private gradientSlot(ws: Workspace, value: string, reader: string, wantInput: boolean): Tensor | null {
    if (!this.graph.has(value) && !wantInput) return null;
    return ws.edgeGrads.get(`${value}→${reader}`) ?? ws.grads.get(value)!;
  }

  /** Sums the per-reader gradients of a value read by several nodes. */
  private gatherGradient(ws: Workspace, value: string): void {
    const readers = this.readers(value);
    if (readers.length < 2) return;
    const total = ws.grads.get(value)!;
    const [first, ...rest] = readers.map((r) => ws.edgeGrads.get(`${value}→${r}`)!);
    total.f32().set(first.f32());
    for (const g of rest) this.k.wasm.f32_add(total.offset, total.offset, g.offset, total.size);
  }

  private readers(value: string): string[] {
    return this.readersOf.get(value) ?? [];
  }

  private workspace(batch: number): Workspace {
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(`model '${this.graph.name}': batch size must be an integer ≥ 1, got ${batch}`);
    }
    if (this.ws?.batch === batch) return this.ws;
    this.freeWorkspace();
    const owned: Tensor[] = [];
    const make = (shape: readonly number[], dtype: DType = 'f32') => {
      const t = this.k.tensor(shape, dtype);
      owned.push(t);
      return t;
    };
    const ws: Workspace = { batch, values: new Map(), grads: new Map(), edgeGrads: new Map(), buffers: new Map(), owned };
    for (const input of this.graph.inputs) ws.values.set(input.name, make([batch, ...input.shape]));
    for (const node of this.graph.nodes) {
      ws.values.set(node.name, make([batch, ...node.outputShape]));
      ws.grads.set(node.name, make([batch, ...node.outputShape]));
      const buffers: Record<string, Tensor> = {};
      for (const b of node.layer.buffers(node.inputShapes, batch)) buffers[b.name] = make(b.shape, b.dtype);
      ws.buffers.set(node.name, buffers);
    }
    for (const value of [...this.graph.inputs.map((i) => i.name), ...this.graph.nodes.map((n) => n.name)]) {
      const readers = this.readers(value);
      if (readers.length < 2) continue;
      const shape = [batch, ...this.graph.shapeOf(value)];
      for (const r of readers) ws.edgeGrads.set(`${value}→${r}`, make(shape));
    }
    this.ws = ws;
    return ws;
  }

  private ensureInputGrads(ws: Workspace): void {
    for (const input of this.graph.inputs) {
      if (!ws.grads.has(input.name)) {
        const t = this.k.tensor([ws.batch, ...input.shape]);
        ws.owned.push(t);
        ws.grads.set(input.name, t);
      }
    }
  }

  private freeWorkspace(): void {
    for (const t of this.ws?.owned ?? []) t.dispose();
    this.ws = undefined;
  }
}

export { Graph };
