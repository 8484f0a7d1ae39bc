// Exact merge: parallel convs over the same input summed by one Add merged into the one with
// the largest kernel, each smaller kernel zero-padded to it (RepVGG's 1×1-into-3×3). The
// kernels must line up: the size difference even and split evenly by the padding difference.

import { Add } from '../nn/layers/add.js';
import type { Conv2d } from '../nn/layers/conv2d.js';
import type { Draft, DraftNode } from './draft.js';
import { biasOf, isPlainConv, relayer } from './layers.js';

export function mergeParallelConvs(d: Draft): string[] {
  const done: string[] = [];
  for (const add of [...d.nodes]) {
    if (!(add.layer instanceof Add)) continue;
    const convs = add.inputs.map((i) => d.node(i)).filter((n): n is DraftNode & { layer: Conv2d } =>
      n !== undefined && isPlainConv(n.layer) && d.soleReader(n.name) === add);
    const groups = new Map<string, (DraftNode & { layer: Conv2d })[]>();
    for (const c of convs) {
      const key = `${c.inputs[0]}|${c.layer.filters}|${c.layer.stride}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const big = group.reduce((x, y) => (y.layer.kernel[0] * y.layer.kernel[1] > x.layer.kernel[0] * x.layer.kernel[1] ? y : x));
      for (const small of group) {
        if (small === big || !aligned(big.layer, small.layer)) continue;
        embed(big, small);
        add.inputs = add.inputs.filter((i) => i !== small.name);
        d.remove(small.name);
        done.push(`${small.name} merged into ${big.name} (zero-padded ${small.layer.kernel.join('×')} → ${big.layer.kernel.join('×')})`);
      }
    }
    if (add.inputs.length === 1) {
      d.rewire(add.name, add.inputs[0]);
      d.remove(add.name);
    }
  }
  return done;
}

function aligned(big: Conv2d, small: Conv2d): boolean {
  return [0, 1].every((i) => {
    const dk = big.kernel[i] - small.kernel[i];
    return dk >= 0 && dk % 2 === 0 && big.padding[i] - small.padding[i] === dk / 2;
  });
}

/** big.weight += small.weight centred in big's kernel; big.bias += small.bias. */
function embed(big: DraftNode & { layer: Conv2d }, small: DraftNode & { layer: Conv2d }): void {
  const [KH, KW] = big.layer.kernel;
  const [kh, kw] = small.layer.kernel;
  const [oh, ow] = [(KH - kh) / 2, (KW - kw) / 2];
  const weight = Float32Array.from(big.params.weight);
  const w = small.params.weight;
  const planes = w.length / (kh * kw); // OC·C
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) weight[(p * KH + oh + i) * KW + ow + j] += w[(p * kh + i) * kw + j];
    }
  }
  const bias = biasOf(big).map((v, o) => v + biasOf(small)[o]);
  big.layer = relayer(big.layer, { bias: true });
  big.params = { weight, bias };
}
