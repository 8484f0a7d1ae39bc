// A model's graph: named nodes in a DAG, each one layer with one output, validated once —
// names, inputs, arity, cycles, shapes — with parameters and FLOPs per node. No wasm here.

import type { Layer, ParamSpec, Shape } from './layer.js';

export interface NodeDef {
  name: string;
  layer: Layer;
  /** Names of graph inputs or of earlier nodes (a node's output carries the node's name). */
  inputs: string[];
}

export interface GraphDef {
  name: string;
  inputs: { name: string; shape: Shape }[];
  nodes: NodeDef[];
  outputs: string[];
}

export interface GraphNode extends NodeDef {
  inputShapes: Shape[];
  outputShape: Shape;
  params: ParamSpec[];
  /** Nodes reading this node's output. */
  consumers: string[];
}

export class Graph {
  readonly name: string;
  readonly inputs: readonly { name: string; shape: Shape }[];
  readonly outputs: readonly string[];
  /** Nodes in an order where every node comes after its inputs. */
  readonly nodes: readonly GraphNode[];
  private readonly byName = new Map<string, GraphNode>();

  constructor(def: GraphDef) {
    this.name = def.name;
    this.inputs = def.inputs.map((i) => ({ name: i.name, shape: [...i.shape] }));
    this.outputs = [...def.outputs];
    if (def.inputs.length === 0) throw new Error(`graph '${def.name}': no inputs`);
    if (def.outputs.length === 0) throw new Error(`graph '${def.name}': no outputs`);

    const shapes = new Map<string, Shape>();
    for (const input of def.inputs) {
      if (shapes.has(input.name)) throw new Error(`graph '${def.name}': input '${input.name}' is declared twice`);
      if (input.shape.some((d) => !Number.isInteger(d) || d < 1)) {
        throw new RangeError(`graph '${def.name}': input '${input.name}' has shape [${input.shape}]; dimensions must be integers ≥ 1`);
      }
      shapes.set(input.name, input.shape);
    }
    const defs = new Map<string, NodeDef>();
    for (const node of def.nodes) {
      if (defs.has(node.name) || shapes.has(node.name)) throw new Error(`graph '${def.name}': the name '${node.name}' is used twice`);
      defs.set(node.name, node);
    }
    for (const node of def.nodes) {
      for (const input of node.inputs) {
        if (!defs.has(input) && !shapes.has(input)) {
          throw new Error(`graph '${def.name}': node '${node.name}' (${node.layer.op}) reads '${input}', which is neither an input nor a node`);
        }
      }
      const { min, max } = node.layer.arity();
      if (node.inputs.length < min || node.inputs.length > max) {
        throw new Error(`graph '${def.name}': node '${node.name}' (${node.layer.op}) takes ${min === max ? min : `${min}–${max}`} inputs, got ${node.inputs.length}`);
      }
    }

    // Depth-first topological sort; a node met again while still open closes a cycle.
    const order: GraphNode[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (name: string, path: string[]): void => {
      const node = defs.get(name);
      if (!node || state.get(name) === 'done') return;
      if (state.get(name) === 'open') {
        throw new Error(`graph '${def.name}': cycle ${[...path.slice(path.indexOf(name)), name].join(' → ')}`);
      }
      state.set(name, 'open');
      for (const input of node.inputs) visit(input, [...path, name]);
      state.set(name, 'done');
      const inputShapes = node.inputs.map((i) => shapes.get(i)!);
      let outputShape: Shape;
      let params: ParamSpec[];
      try {
        outputShape = node.layer.outputShape(inputShapes);
        params = node.layer.params(inputShapes);
      } catch (e) {
        const err = e as Error;
        err.message = `graph '${def.name}': node '${name}' (${node.layer.op}) on input shapes ${inputShapes.map((s) => `[${s}]`).join(', ')}: ${err.message}`;
        throw err;
      }
      shapes.set(name, outputShape);
      order.push({ ...node, inputs: [...node.inputs], inputShapes, outputShape, params, consumers: [] });
    };
    for (const node of def.nodes) visit(node.name, []);
    for (const node of order) {
      this.byName.set(node.name, node);
      for (const input of node.inputs) this.byName.get(input)?.consumers.push(node.name);
    }
    for (const output of def.outputs) {
      if (!this.byName.has(output)) throw new Error(`graph '${def.name}': output '${output}' is not a node`);
    }
    this.nodes = order;
  }

  node(name: string): GraphNode {
    const node = this.byName.get(name);
    if (!node) throw new Error(`graph '${this.name}': no node named '${name}'`);
    return node;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Per-sample shape of a graph input or a node's output. */
  shapeOf(name: string): Shape {
    const input = this.inputs.find((i) => i.name === name);
    return input ? input.shape : this.node(name).outputShape;
  }

  /** Parameter count of a node, or of the whole graph (trainable and state alike). */
  paramCount(name?: string): number {
    const nodes = name === undefined ? this.nodes : [this.node(name)];
    let n = 0;
    for (const node of nodes) for (const p of node.params) n += p.shape.reduce((a, b) => a * b, 1);
    return n;
  }

  /** Forward FLOPs per sample of a node, or of the whole graph. */
  flops(name?: string): number {
    const nodes = name === undefined ? this.nodes : [this.node(name)];
    return nodes.reduce((sum, node) => sum + node.layer.flops(node.inputShapes), 0);
  }
}
