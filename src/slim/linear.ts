// Exact merge: two linear layers in a row multiplied into one — Dense → Dense, a 1×1 conv → conv,
// a conv → 1×1 conv — where nothing non-linear sits between them and the merged layer costs no
// more FLOPs than the pair (merging a bottleneck would undo a factorisation).

import { Conv2d } from '../nn/layers/conv2d.js';
import { Dense } from '../nn/layers/dense.js';
import type { Draft, DraftNode } from './draft.js';
import { biasOf, isPlainConv, isPointwise, relayer } from './layers.js';

export function mergeLinearPairs(d: Draft): string[] {
  const done: string[] = [];
  for (const name of d.nodes.map((n) => n.name)) {
    const a = d.node(name);
    const b = a && d.soleReader(a.name);
    if (!a || !b) continue;
    const merged = mergePair(a, b);
    if (!merged) continue;
    const g = d.graph();
    const before = g.flops(a.name) + g.flops(b.name);
    if (merged.layer.flops(g.node(a.name).inputShapes) > before) continue;
    // The merged layer takes b's place and name (its readers are b's) and a's input.
    d.replace(b.name, { ...merged, name: b.name, inputs: [...a.inputs] });
    d.remove(a.name);
    done.push(`${a.name} and ${b.name} multiplied into ${b.name}`);
  }
  return done;
}

/** The product layer of `a` then `b`, or undefined when the pair does not merge exactly. */
function mergePair(a: DraftNode, b: DraftNode): Pick<DraftNode, 'layer' | 'params'> | undefined {
  if (a.layer instanceof Dense && b.layer instanceof Dense && !a.layer.activation) {
    const [O, M, I] = [b.layer.units, a.layer.units, a.params.weight.length / a.layer.units];
    return { layer: relayer(b.layer, { bias: true }), params: product(b.params.weight, a.params.weight, biasOf(a), biasOf(b), O, M, I) };
  }
  if (!(a.layer instanceof Conv2d && b.layer instanceof Conv2d) || a.layer.activation) return undefined;
  const [O, M] = [b.layer.filters, a.layer.filters];
  if (isPointwise(a.layer) && b.layer.groups === 1) {
    // NOTE: b's zero padding pads a's output, which is a's bias there, not zero: exact only
    // without padding or without bias.
    const b1 = biasOf(a);
    if (b.layer.padding.some((p) => p > 0) && b1.some((v) => v !== 0)) return undefined;
    const C = a.params.weight.length / M;
    const KK = b.layer.kernel[0] * b.layer.kernel[1];
    // W[o, c, t] = Σ_m W2[o, m, t]·W1[m, c];  bias[o] = b2[o] + Σ_m Σ_t W2[o, m, t]·b1[m]
    const w2 = b.params.weight;
    const w1 = a.params.weight;
    const weight = new Float32Array(O * C * KK);
    const bias = Float32Array.from(biasOf(b));
    for (let o = 0; o < O; o++) {
      for (let m = 0; m < M; m++) {
        for (let t = 0; t < KK; t++) {
          const v = w2[(o * M + m) * KK + t];
          bias[o] += v * b1[m];
          for (let c = 0; c < C; c++) weight[(o * C + c) * KK + t] += v * w1[m * C + c];
        }
      }
    }
    return { layer: relayer(b.layer, { bias: true }), params: { weight, bias } };
  }
  if (isPointwise(relayer(b.layer, { activation: undefined })) && isPlainConv(a.layer)) {
    const per = a.params.weight.length / M; // C·KH·KW
    const layer = relayer(a.layer, { filters: O, bias: true, activation: b.layer.activation });
    return { layer, params: product(b.params.weight, a.params.weight, biasOf(a), biasOf(b), O, M, per) };
  }
  return undefined;
}

/** W = W2[O, M]·W1[M, I], bias = W2·b1 + b2, accumulated in f64. */
function product(w2: Float32Array, w1: Float32Array, b1: Float32Array, b2: Float32Array, O: number, M: number, I: number): Record<string, Float32Array> {
  const weight = new Float32Array(O * I);
  const bias = new Float32Array(O);
  const row = new Float64Array(I);
  for (let o = 0; o < O; o++) {
    row.fill(0);
    let s = b2[o];
    for (let m = 0; m < M; m++) {
      const v = w2[o * M + m];
      if (v === 0) continue;
      s += v * b1[m];
      for (let i = 0; i < I; i++) row[i] += v * w1[m * I + i];
    }
    weight.set(row, o * I);
    bias[o] = s;
  }
  return { weight, bias };
}
