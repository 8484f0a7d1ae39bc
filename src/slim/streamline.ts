// Streamline slimming (DeepRebirth): a chain conv → BN/LRN/ReLU → pool (→ LRN …) is replaced by one
// conv whose stride absorbs the pool's, its kernel grown to the chain's receptive field
// (k + pool − 1), fitted layer-locally to reproduce the chain's output. Not exact: fine-tune after.

import type { Dataset } from '../nn/data/dataset.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { MaxPool2d } from '../nn/layers/maxpool2d.js';
import { AvgPool2d } from '../nn/layers/avgpool2d.js';
import type { Model } from '../nn/model.js';
import { Draft, type DraftNode } from './draft.js';
import { biasOf, relayer } from './layers.js';
import { refitInTurn, type RefitOptions, type SlimFit } from './refit.js';



/** Non-tensor layers a chain may hold after its conv. */
const CHAIN_OPS = ['BatchNorm', 'Lrn', 'Relu', 'MaxPool2d', 'AvgPool2d', 'Dropout', 'Identity'];

export interface Chain {
  conv: string;
  /** The chain's other nodes in order; the last one's output is what the slim conv replaces. */
  nodes: string[];
  /** The slim conv that takes the chain's place (under the conv's name). */
  layer: Conv2d;
}


/** The chains of a draft that streamline slimming can replace. */
export function findChains(d: Draft): Chain[] {
  const chains: Chain[] = [];
  const shapes = d.graph();
  for (const c of d.nodes) {
    const conv = c.layer;
    if (!(conv instanceof Conv2d) || conv.groups !== 1 || conv.dilation.some((v) => v !== 1) || conv.stride.some((v) => v !== 1)) continue;
    const nodes: DraftNode[] = [];
    let pool: MaxPool2d | AvgPool2d | undefined;
    let relu = conv.activation === 'relu';
    for (let next = d.soleReader(c.name); next && CHAIN_OPS.includes(next.layer.op); next = d.soleReader(next.name)) {
      const isPool = next.layer instanceof MaxPool2d || next.layer instanceof AvgPool2d;
      if (isPool && pool) break;
      if (isPool) pool = next.layer as MaxPool2d | AvgPool2d;
      if (next.layer.op === 'Relu') relu = true;
      nodes.push(next);
    }
    // Without a pool, LRN or BN there is nothing non-tensor to absorb (a ReLU alone is fused exactly).
    if (!nodes.some((n) => ['BatchNorm', 'Lrn', 'MaxPool2d', 'AvgPool2d'].includes(n.layer.op))) continue;
    const win = pool?.window ?? { kernel: [1, 1], stride: [1, 1], padding: [0, 0] };
    const layer = new Conv2d({
      filters: conv.filters,
      kernel: [conv.kernel[0] + win.kernel[0] - 1, conv.kernel[1] + win.kernel[1] - 1],
      stride: win.stride,
      padding: [conv.padding[0] + win.padding[0], conv.padding[1] + win.padding[1]],
      ...(relu ? { activation: 'relu' as const } : {}),
    });
    const want = shapes.shapeOf(nodes[nodes.length - 1].name);
    const got = layer.outputShape([shapes.node(c.name).inputShapes[0]]);
    if (got.some((v, i) => v !== want[i])) continue;
    chains.push({ conv: c.name, nodes: nodes.map((n) => n.name), layer });
  }
  return chains;
}

/**
 * Replaces every chain of `model` by its slim conv fitted on samples of `data`, one chain after
 * another (refitInTurn); returns the new model (`model` is left as it was) and each fit's error
 * before and after.
 */
export function streamline(model: Model, data: Dataset, options: RefitOptions = {}): { model: Model; fits: SlimFit[] } {
  const d = Draft.of(model);
  const chains = findChains(d);
  const results = refitInTurn(model, d, chains, data, options, (ch) => {
    const c = d.node(ch.conv)!;
    const conv = c.layer as Conv2d;
    return {
      layer: ch.layer,
      job: {
        input: c.inputs[0],
        target: ch.nodes[ch.nodes.length - 1],
        layer: relayer(ch.layer, { activation: undefined }),
        init: { weight: embedKernel(c.params.weight, conv.kernel, ch.layer.kernel), bias: Float32Array.from(biasOf(c)) },
      },
    };
  }, (ch, fit) => {
    const c = d.node(ch.conv)!;
    c.layer = ch.layer;
    c.params = { weight: fit.weight, bias: fit.bias };
    d.rewire(ch.nodes[ch.nodes.length - 1], ch.conv);
    d.remove(...ch.nodes);
  });
  return { model: d.build(model.k), fits: chains.map((ch, i) => ({ node: ch.conv, replaced: ch.nodes, ...results[i] })) };
}

/** w [O, C, kh, kw] placed at the centre of a zero [O, C, KH, KW] kernel (offsets rounded down). */
export function embedKernel(w: Float32Array, [kh, kw]: readonly number[], [KH, KW]: readonly number[]): Float32Array {
  const planes = w.length / (kh * kw);
  const out = new Float32Array(planes * KH * KW);
  const [oh, ow] = [Math.floor((KH - kh) / 2), Math.floor((KW - kw) / 2)];
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) out[(p * KH + oh + i) * KW + ow + j] = w[(p * kh + i) * kw + j];
  }
  return out;
}
