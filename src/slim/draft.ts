// A model taken apart for rewriting: nodes (name, layer, inputs) with their parameters as plain
// arrays, edited by the slimming passes and built back into a Model. Graph-level only: no wasm
// until `build`.

import { Graph, type GraphDef } from '../graph/graph.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Layer, Shape } from '../nn/layer.js';
import { Model } from '../nn/model.js';

export interface DraftNode {
  name: string;
  layer: Layer;
  inputs: string[];
  /** Values by parameter name, in the layer's ParamSpec shapes. */
  params: Record<string, Float32Array>;
}

export class Draft {
  readonly name: string;
  readonly inputs: { name: string; shape: Shape }[];
  outputs: string[];
  nodes: DraftNode[];

  private constructor(def: { name: string; inputs: { name: string; shape: Shape }[]; outputs: string[]; nodes: DraftNode[] }) {
    this.name = def.name;
    this.inputs = def.inputs;
    this.outputs = def.outputs;
    this.nodes = def.nodes;
  }

  /** A copy of the model's graph and parameter values (a pruning mask is already in the values). */
  static of(model: Model): Draft {
    const g = model.graph;
    return new Draft({
      name: g.name,
      inputs: g.inputs.map((i) => ({ name: i.name, shape: [...i.shape] })),
      outputs: [...g.outputs],
      nodes: g.nodes.map((n) => ({
        name: n.name, layer: n.layer, inputs: [...n.inputs],
        params: Object.fromEntries(n.params.map((p) => [p.name, model.params.value(n.name, p.name).f32().slice()])),
      })),
    });
  }

  node(name: string): DraftNode | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** The nodes reading a value (each once). */
  readers(value: string): DraftNode[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  /** The one node reading `value`, if exactly one node reads it, once, and it is no graph output. */
  soleReader(value: string): DraftNode | undefined {
    if (this.outputs.includes(value)) return undefined;
    const readers = this.readers(value);
    if (readers.length !== 1 || readers[0].inputs.filter((i) => i === value).length !== 1) return undefined;
    return readers[0];
  }

  /** Every read of `from` (node inputs and graph outputs) now reads `to`. */
  rewire(from: string, to: string): void {
    for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
    this.outputs = this.outputs.map((o) => (o === from ? to : o));
  }

  remove(...names: string[]): void {
    this.nodes = this.nodes.filter((n) => !names.includes(n.name));
  }

  /** Puts `node` where `at` stands (same position in the order), replacing it. */
  replace(at: string, node: DraftNode): void {
    const i = this.nodes.findIndex((n) => n.name === at);
    if (i < 0) throw new Error(`draft '${this.name}': no node '${at}'`);
    this.nodes[i] = node;
  }

  def(): GraphDef {
    return { name: this.name, inputs: this.inputs, outputs: this.outputs, nodes: this.nodes.map((n) => ({ name: n.name, layer: n.layer, inputs: n.inputs })) };
  }

  /** The graph as it stands (validated: shapes, arity, names). */
  graph(): Graph {
    return new Graph(this.def());
  }

  /** A new Model on `k` with the draft's parameters; every array must fit its layer's ParamSpec. */
  build(k: Kernels): Model {
    const model = new Model(this.graph(), k);
    const values = model.params.values.f32();
    for (const e of model.params.entries) {
      const v = this.node(e.node)!.params[e.name];
      if (!v || v.length !== e.size) {
        model.dispose();
        throw new Error(`draft '${this.name}': node '${e.node}' needs '${e.name}' of shape [${e.shape}], has ${v ? `${v.length} values` : 'none'}`);
      }
      values.set(v, e.start);
    }
    return model;
  }
}
