// Exact merge: a batch norm (inference statistics) folded into the Conv2d or Dense before it.
//   y = gamma·(W·x + b − mean)/sqrt(var + eps) + beta = (s·W)·x + s·(b − mean) + beta, s per channel.

import { BatchNorm } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { Dense } from '../nn/layers/dense.js';
import type { Draft } from './draft.js';
import { biasOf, relayer } from './layers.js';

/** Folds every foldable batch norm; returns one line per merge ("bn1 → conv1"). */
export function foldBatchNorms(d: Draft): string[] {
  const done: string[] = [];
  for (const bn of [...d.nodes]) {
    if (!(bn.layer instanceof BatchNorm)) continue;
    const p = d.node(bn.inputs[0]);
    if (!p || !(p.layer instanceof Conv2d || p.layer instanceof Dense) || p.layer.activation || d.soleReader(p.name) !== bn) continue;
    const { gamma, beta, runningMean: mean, runningVar: variance } = bn.params;
    const w = p.params.weight;
    const b = biasOf(p);
    const C = gamma.length;
    const per = w.length / C;
    const weight = new Float32Array(w.length);
    const bias = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      const s = gamma[c] / Math.sqrt(variance[c] + bn.layer.eps);
      for (let i = c * per; i < (c + 1) * per; i++) weight[i] = s * w[i];
      bias[c] = s * (b[c] - mean[c]) + beta[c];
    }
    p.layer = relayer(p.layer, { bias: true });
    p.params = { weight, bias };
    d.rewire(bn.name, p.name);
    d.remove(bn.name);
    done.push(`${bn.name} folded into ${p.name}`);
  }
  return done;
}
