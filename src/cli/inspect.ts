// `lopper inspect`: what a model file holds — for ONNX, the IR version, opset, producer and ops —
// its inputs and outputs, each layer's shape, parameters and FLOPs, the weights of each Dense and
// Conv2d layer (non-zero, sparsity, channels; totals and the compression ratio: a pruned file can be
// checked), for a QDQ file each int8 layer's scales and int8 size, and the dependency groups: what
// can be pruned and, where not, why.

import type { Command } from 'commander';
import { extname } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../node/kernels.js';
import { modelFormat } from '../node/model-file.js';
import { loadModel } from '../io/native.js';
import { modelFromOnnx, parseOnnx, type OnnxInfo } from '../io/onnx/import.js';
import { qdqLayers, type QdqLayer } from '../io/onnx/qdq-info.js';
import type { Model } from '../nn/model.js';
import { nonzeroParams, sparsity } from '../prune/masks.js';
import { decodeLop } from '../compress/lop-file.js';
import { sizeRows } from './lop-sizes.js';
import { stageSizes, type StageBytes } from '../compress/sizes.js';
import { dependencyGroups } from '../graph/dependency.js';
import type { Graph } from '../graph/graph.js';
import { UsageError, text } from './options.js';
import { bytes as byteCount, count, percent, printJson, si, table } from './output.js';

interface InspectFlags {
  json?: boolean;
  inputShape?: string[];
}

export function inspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('ops, parameters, FLOPs and dependency groups of a model: what can be pruned')
    .argument('<model>', 'a model file (.onnx, .lopm or .lop)', text('<model>'))
    .option('--input-shape <name=dims...>', "per-sample shape of an input the file leaves symbolic, e.g. 'x=3,224,224' (or '3,224,224' for the first)", collect, [])
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, flags: InspectFlags) => runInspect(file, flags));
}

export function collect(raw: string, previous: string[]): string[] {
  return [...previous, raw];
}

/** 'x=3,224,224' or '3,224,224' → [name or '', dims]. */
export function parseShape(raw: string): [string, number[]] {
  const [name, dims] = raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : ['', raw];
  const shape = dims.split(',').map((d) => (/^\s*\d+\s*$/.test(d) ? Number(d) : NaN));
  if (shape.length === 0 || shape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new UsageError(`--input-shape must be [name=]d1,d2,… with integers ≥ 1, got '${raw}'`);
  }
  return [name, shape];
}

async function runInspect(file: string, flags: InspectFlags): Promise<void> {
  try {
    modelFormat(file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read: ${(e as Error).message}`);
  }
  let graph: Graph;
  let onnx: OnnxInfo | undefined;
  let weights: WeightStats;
  const k = await loadNodeKernels();
  let sizes: string[][] | undefined;
  let stages: StageBytes[] | undefined;
  let int8: QdqLayer[] = [];
  if (extname(file).toLowerCase() === '.onnx') {
    const shapes = (flags.inputShape ?? []).map(parseShape);
    // A first pass names the inputs, so that an unnamed --input-shape can apply to the first one.
    const inputShapes: Record<string, number[]> = {};
    for (const [name, dims] of shapes) inputShapes[name || firstInputName(bytes)] = dims;
    const parsed = parseOnnx(bytes, { file, inputShapes });
    graph = parsed.graph;
    onnx = parsed.info;
    weights = weightStats(modelFromOnnx(parsed, k));
    int8 = qdqLayers(bytes, file);
  } else if (modelFormat(file) === 'lop') {
    const lop = decodeLop(bytes, k, file);
    graph = lop.model.graph;
    sizes = sizeRows(lop.sections, bytes.length);
    stages = stageSizes(lop.model.params.size, lop.shared, lop.gapBits, bytes.length);
    weights = weightStats(lop.model); // disposes it
  } else {
    const { model } = loadModel(bytes, k, file);
    graph = model.graph;
    weights = weightStats(model);
  }
  const groups = dependencyGroups(graph);
  const layers = graph.nodes.map((n) => ({
    name: n.name, op: n.layer.op, inputs: n.inputs, shape: [...n.outputShape], params: graph.paramCount(n.name), flops: graph.flops(n.name),
  }));
  const prunable = groups.filter((g) => g.prunable);
  if (flags.json) {
    printJson({
      command: 'inspect', model: file, format: modelFormat(file), name: graph.name,
      ...(sizes ? { sizes: sizes.slice(1).map((r) => Object.fromEntries(sizes!.slice(0, 1)[0].map((h, i) => [h, r[i]]))), stages } : {}),
      ...(onnx ? { onnx: { irVersion: onnx.irVersion, opset: onnx.opset, producer: onnx.producer, batch: onnx.batch, ops: onnx.ops } } : {}),
      inputs: graph.inputs, outputs: graph.outputs.map((o) => ({ name: o, shape: graph.shapeOf(o) })),
      params: graph.paramCount(), flops: graph.flops(), layers, weights,
      ...(int8.length ? { int8 } : {}),
      groups: groups.map((g) => ({ id: g.id, producers: g.producers, channels: g.channels, unit: g.unit, prunable: g.prunable, ...(g.reason ? { reason: g.reason } : {}) })),
      prunable: { groups: prunable.length, units: prunable.reduce((n, g) => n + g.units, 0) },
    });
    return;
  }
  const lines: string[] = [];
  lines.push(onnx
    ? `${file}: ONNX, IR ${onnx.irVersion}, opset ${onnx.opset}${onnx.producer ? `, from ${onnx.producer}` : ''}; graph '${graph.name}'`
    : `${file}: lopper model; graph '${graph.name}'`);
  const batch = onnx ? `${onnx.batch}` : 'batch';
  for (const i of graph.inputs) lines.push(`  input  ${i.name} [${[batch, ...i.shape].join(', ')}]`);
  for (const o of graph.outputs) lines.push(`  output ${o} [${[batch, ...graph.shapeOf(o)].join(', ')}]`);
  if (onnx) lines.push(`  ONNX ops: ${Object.entries(onnx.ops).map(([op, n]) => (n > 1 ? `${op} ×${n}` : op)).join(', ')}`);
  lines.push('');
  lines.push(table([
    ['layer', 'op', 'output', 'params', 'FLOPs'],
    ...layers.map((l) => [l.name, l.op, `[${l.shape.join(',')}]`, count(l.params), si(l.flops)]),
    ['total', '', '', count(graph.paramCount()), si(graph.flops())],
  ], '  '));
  lines.push('');
  lines.push(table([
    ['weights', 'count', 'non-zero', 'sparsity', 'channels'],
    ...weights.layers.map((l) => [l.name, count(l.weights), count(l.nonzero), percent(l.sparsity, 1), count(l.channels)]),
    ['total', count(weights.total.weights), count(weights.total.nonzero), percent(weights.total.sparsity, 1), ''],
  ], '  '));
  lines.push(`  non-zero parameters: ${count(weights.nonzeroParams)} of ${count(weights.params)} (${weights.compression.toFixed(1)}× compression)`);
  if (int8.length) {
    lines.push('');
    lines.push(table([
      ['int8 layer', 'op', 'input scale', 'weight scales', 'int8 weights'],
      ...int8.map((l) => [l.node, l.op, l.inputScale === null ? 'f32 input' : l.inputScale.toPrecision(4),
        `${l.weightScaleMin.toPrecision(3)}–${l.weightScaleMax.toPrecision(3)} (${l.channels})`, byteCount(l.int8Bytes)]),
      ['total', '', '', '', byteCount(int8.reduce((a, l) => a + l.int8Bytes, 0))],
    ], '  '));
  }
  lines.push('');
  lines.push('  dependency groups (channels cut together):');
  for (const g of groups) {
    const what = `${g.channels} channels${g.unit > 1 ? ` in units of ${g.unit}` : ''}`;
    lines.push(`    #${g.id} ${g.producers.join(' + ')}: ${what}, ${g.prunable ? 'prunable' : `fixed (${g.reason})`}`);
  }
  lines.push(`  prunable: ${prunable.length} of ${groups.length} groups, ${count(prunable.reduce((n, g) => n + g.units, 0))} units` +
    `${prunable.length ? ` (${prunable.flatMap((g) => g.producers).join(', ')})` : ''}`);
  if (sizes) lines.push('', '  size on disk:', table(sizes, '    '));
  if (stages) lines.push(`  size per stage: ${stages.map((s) => `${s.stage} ${byteCount(s.bytes)}`).join(' → ')} (${(stages[0].bytes / stages[3].bytes).toFixed(1)}× in all)`);
  console.log(lines.join('\n'));
}

interface WeightStats {
  /** Dense and Conv2d weights (the ones pruning zeroes), per layer and in total. */
  layers: { name: string; weights: number; nonzero: number; sparsity: number; channels: number }[];
  total: { weights: number; nonzero: number; sparsity: number };
  /** All parameters, the non-zero ones, and all over non-zero (1 for a dense model). */
  params: number;
  nonzeroParams: number;
  compression: number;
}

/** What the model's weights hold, counting exact zeros (masked or pruned); disposes the model. */
function weightStats(model: Model): WeightStats {
  try {
    const s = sparsity(model);
    const nonzero = nonzeroParams(model);
    return {
      layers: Object.entries(s.layers).map(([name, l]) => ({
        name, weights: l.weights, nonzero: l.weights - l.zeros, sparsity: l.sparsity, channels: model.graph.node(name).outputShape[0],
      })),
      total: { weights: s.weights, nonzero: s.weights - s.zeros, sparsity: s.total },
      params: model.params.size, nonzeroParams: nonzero, compression: nonzero > 0 ? model.params.size / nonzero : Infinity,
    };
  } finally {
    model.dispose();
  }
}

/** The first graph input's name, without mapping the model (for an unnamed --input-shape). */
export function firstInputName(bytes: Uint8Array): string {
  try {
    parseOnnx(bytes);
  } catch (e) {
    const m = /graph input '([^']+)'/.exec((e as Error).message);
    if (m) return m[1];
  }
  return '';
}
