// Branch slimming (DeepRebirth): an inception-like block — parallel branches from one input,
// joined by a channel Concat — replaced by one conv from the block's input to all its channels:
// the non-tensor (pool) branch dropped, the small-kernel convs (1×1 branches, the reductions)
// absorbed into one large-kernel conv, fitted layer-locally to reproduce the block's output.
// The block's output shape is kept, so nothing after it changes. Not exact: fine-tune after.

import { Concat } from '../nn/layers/concat.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { Draft, type DraftNode } from './draft.js';
import { biasOf } from './layers.js';
import { refitInTurn, type RefitOptions, type SlimFit } from './refit.js';

/** Layers a branch may hold (each with one input and one reader). */
const BRANCH_OPS = ['Conv2d', 'Relu', 'BatchNorm', 'Lrn', 'MaxPool2d', 'AvgPool2d', 'Dropout', 'Identity'];

export interface Block {
  concat: string;
  /** The value every branch reads. */
  input: string;
  /** Each branch's nodes from the input to the Concat. */
  branches: string[][];
  layer: Conv2d;
}

export interface BranchOptions extends RefitOptions {
  /** Kernel of the slim conv (odd; default 3). */
  kernel?: number;
}

/** The blocks of a draft that branch slimming can replace. */
export function findBlocks(d: Draft, kernel = 3): Block[] {
  if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0) throw new RangeError(`branch slimming: 'kernel' must be an odd integer ≥ 1, got ${kernel}`);
  const g = d.graph();
  const blocks: Block[] = [];
  for (const cat of d.nodes) {
    if (!(cat.layer instanceof Concat) || cat.layer.channelFlow(g.node(cat.name).inputShapes).kind !== 'concat') continue;
    if (new Set(cat.inputs).size !== cat.inputs.length) continue;
    const branches = cat.inputs.map((v) => branchOf(d, v));
    if (branches.some((b) => !b)) continue;
    const input = branches[0]!.input;
    if (branches.some((b) => b!.input !== input) || !branches.some((b) => b!.nodes.some((n) => n.layer instanceof Conv2d))) continue;
    const [C, H, W] = g.shapeOf(input);
    const out = g.shapeOf(cat.name);
    if (C === undefined || out[1] !== H || out[2] !== W) continue;
    // The block's activation: a ReLU (or fused one) closing every branch.
    const relu = branches.every((b) => {
      const last = b!.nodes[b!.nodes.length - 1].layer;
      return last.op === 'Relu' || (last instanceof Conv2d && last.activation === 'relu');
    });
    const layer = new Conv2d({ filters: out[0], kernel, padding: (kernel - 1) / 2, ...(relu ? { activation: 'relu' as const } : {}) });
    blocks.push({ concat: cat.name, input, branches: branches.map((b) => b!.nodes.map((n) => n.name)), layer });
  }
  return blocks;
}

/** The branch ending at `value`: single-input, single-reader nodes back to a value read elsewhere too. */
function branchOf(d: Draft, value: string): { input: string; nodes: DraftNode[] } | undefined {
  const nodes: DraftNode[] = [];
  for (let v = value; ;) {
    const n = d.node(v);
    if (!n || !BRANCH_OPS.includes(n.layer.op) || n.inputs.length !== 1 || !d.soleReader(v)) return undefined;
    nodes.unshift(n);
    const u = n.inputs[0];
    if (!d.node(u) || d.readers(u).length > 1) return { input: u, nodes };
    v = u;
  }
}

/**
 * Replaces every inception-like block of `model` by its slim conv, fitted on samples of `data`
 * one block after another (refitInTurn);
 * returns the new model (`model` is left as it was) and each fit's error before and after.
 * The fit starts from the branches that are one conv on the input (exactly embeddable), zeros elsewhere.
 */
export function slimBranches(model: Model, data: Dataset, options: BranchOptions = {}): { model: Model; fits: SlimFit[] } {
  const d = Draft.of(model);
  const g = model.graph;
  const blocks = findBlocks(d, options.kernel ?? 3);
  const results = refitInTurn(model, d, blocks, data, options, (b) => {
    const K = b.layer.kernel[0];
    const C = g.shapeOf(b.input)[0];
    const weight = new Float32Array(b.layer.filters * C * K * K);
    const bias = new Float32Array(b.layer.filters);
    let at = 0;
    for (const names of b.branches) {
      const nodes = names.map((n) => d.node(n)!);
      const channels = g.shapeOf(names[names.length - 1])[0];
      const conv = nodes[0].layer;
      const lone = conv instanceof Conv2d && conv.groups === 1 && conv.stride.every((s) => s === 1) && conv.dilation.every((v) => v === 1) &&
        conv.kernel.every((k, i) => k <= K && (K - k) % 2 === 0 && conv.padding[i] === (k - 1) / 2) && nodes.slice(1).every((n) => n.layer.op === 'Relu');
      if (lone) {
        const w = nodes[0].params.weight;
        const [kh, kw] = conv.kernel;
        const [oh, ow] = [(K - kh) / 2, (K - kw) / 2];
        for (let o = 0; o < channels; o++) {
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) weight[(((at + o) * C + c) * K + oh + i) * K + ow + j] = w[((o * C + c) * kh + i) * kw + j];
          }
        }
        bias.set(biasOf(nodes[0]), at);
      }
      at += channels;
    }
    const linear = new Conv2d({ filters: b.layer.filters, kernel: K, padding: (K - 1) / 2 });
    return { layer: b.layer, job: { input: b.input, target: b.concat, layer: linear, init: { weight, bias } } };
  }, (b, fit) => {
    d.replace(b.concat, { name: b.concat, layer: b.layer, inputs: [b.input], params: { weight: fit.weight, bias: fit.bias } });
    d.remove(...b.branches.flat());
  });
  return { model: d.build(model.k), fits: blocks.map((b, i) => ({ node: b.concat, replaced: b.branches.flat(), ...results[i] })) };
}
