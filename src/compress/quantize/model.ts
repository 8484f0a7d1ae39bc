// Post-training static quantisation of a model: per-channel int8 weights for every Dense and
// (ungrouped) Conv2d, and a FakeQuant node, calibrated on data, on each of their inputs. The
// result is still an f32 model — it computes what int8 inference computes — so it evaluates,
// fine-tunes (QAT) and exports (QDQ ONNX) like any other; int8Model() runs it on int8 kernels.

import { Graph } from '../../graph/graph.js';
import type { GraphDef, GraphNode, NodeDef } from '../../graph/graph.js';
import { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { FakeQuant } from '../../nn/layers/fakequant.js';
import { calibrate, type CalibrateOptions } from './calibrate.js';
import { dequantizePerChannel, quantizePerChannel } from './weights.js';

/** One int8 layer: where its input's scale lives, and its weights' per-channel scales. */
export interface QuantizedLayer {
  node: string;
  op: 'Dense' | 'Conv2d';
  /** The FakeQuant node the layer reads. */
  quant: string;
  inputScale: number;
  /** Updated by fine-tuning (qat.ts) as the weights move. */
  weightScales: Float32Array;
}

export interface QuantizedModel {
  model: Model;
  layers: QuantizedLayer[];
}

/** The layers int8 covers: Dense and Conv2d with one group. */
export function quantizableNodes(graph: Graph): GraphNode[] {
  return graph.nodes.filter((n) => n.layer.op === 'Dense' || (n.layer.op === 'Conv2d' && (n.layer as unknown as { groups: number }).groups === 1));
}

/**
 * Calibrates the inputs of every quantizable layer on `data` (options.method: minmax, percentile,
 * entropy) and returns the quantised model (a new Model; `model` is left as it was). The
 * calibration pass runs on options.pass (a runner's worker pool) or on this thread.
 */
export async function quantizeModel(model: Model, data: Dataset, options: CalibrateOptions = {}): Promise<QuantizedModel> {
  const targets = quantizableNodes(model.graph);
  if (targets.length === 0) throw new Error(`quantizeModel: model '${model.graph.name}' has no Dense or Conv2d layer to quantise`);
  if (targets.some((n) => n.inputs.length !== 1)) throw new Error('quantizeModel: a Dense or Conv2d layer with several inputs');
  const values = [...new Set(targets.map((n) => n.inputs[0]))];
  const thresholds = await calibrate(model, data, values, options);
  const scales = new Map(values.map((v) => [v, scaleFor(thresholds.get(v)!)]));
  return withQuantization(model, targets.map((n) => n.name), scales);
}

/** The scale of a symmetric int8 range [−T, T]; 1 for a value that was always 0. */
export function scaleFor(threshold: number): number {
  return threshold > 0 ? Math.fround(threshold / 127) : 1;
}

/**
 * `model` with FakeQuant nodes (scale per value) before the named layers, and those layers'
 * weights snapped to per-channel int8 (masked weights zeroed first, so they stay exact zeros).
 */
export function withQuantization(model: Model, nodes: readonly string[], inputScales: ReadonlyMap<string, number>): QuantizedModel {
  const g = model.graph;
  const taken = new Set([...g.inputs.map((i) => i.name), ...g.nodes.map((n) => n.name)]);
  const quantOf = new Map<string, string>();
  const defs: NodeDef[] = [];
  const addQuant = (value: string) => {
    let name = `${value}/quant`;
    for (let i = 2; taken.has(name); i++) name = `${value}/quant_${i}`;
    taken.add(name);
    quantOf.set(value, name);
    defs.push({ name, inputs: [value], layer: new FakeQuant({ scale: inputScales.get(value)! }) });
  };
  for (const input of g.inputs) if (inputScales.has(input.name) && needs(g, nodes, input.name)) addQuant(input.name);
  for (const n of g.nodes) {
    const reads = nodes.includes(n.name) ? n.inputs.map((i) => quantOf.get(i) ?? i) : n.inputs;
    defs.push({ name: n.name, inputs: reads, layer: n.layer });
    if (inputScales.has(n.name) && needs(g, nodes, n.name)) addQuant(n.name);
  }
  const next = withGraph(model, { name: g.name, inputs: g.inputs.map((i) => ({ name: i.name, shape: i.shape })), outputs: [...g.outputs], nodes: defs });
  next.params.applyMask();
  const layers: QuantizedLayer[] = nodes.map((node) => {
    const w = next.params.value(node, 'weight');
    const quant = quantizePerChannel(w.f32().slice(), w.shape[0]);
    w.f32().set(dequantizePerChannel(quant));
    const q = quantOf.get(g.node(node).inputs[0])!;
    const op = g.node(node).layer.op as 'Dense' | 'Conv2d';
    return { node, op, quant: q, inputScale: (next.graph.node(q).layer as FakeQuant).scale, weightScales: quant.scales };
  });
  return { model: next, layers };
}

/** A model of `def` with `model`'s parameters (matched by node and name). */
export function withGraph(model: Model, def: GraphDef): Model {
  const next = new Model(new Graph(def), model.k);
  copyParams(model, next);
  return next;
}

function needs(g: Graph, nodes: readonly string[], value: string): boolean {
  return nodes.some((n) => g.node(n).inputs.includes(value));
}

/** Copies every parameter (and its mask) of `from` to the same node and name in `to`. */
function copyParams(from: Model, to: Model): void {
  // The mask first: allocating it may grow memory, which detaches earlier views.
  if (from.params.mask) to.params.enableMask();
  const src = from.params.values.f32();
  const dst = to.params.values.f32();
  const srcMask = from.params.mask?.f32();
  const dstMask = to.params.mask?.f32();
  for (const e of to.params.entries) {
    const s = from.params.entry(e.node, e.name);
    dst.set(src.subarray(s.start, s.start + s.size), e.start);
    if (srcMask && dstMask && e.trainable && s.trainable) dstMask.set(srcMask.subarray(s.start, s.start + s.size), e.start);
  }
}
