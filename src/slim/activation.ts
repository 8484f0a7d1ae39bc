// Exact merge: a ReLU fused into the Conv2d or Dense before it (the layer's epilogue applies it).

import { Conv2d } from '../nn/layers/conv2d.js';
import { Dense } from '../nn/layers/dense.js';
import type { Draft } from './draft.js';
import { relayer } from './layers.js';

export function fuseRelus(d: Draft): string[] {
  const done: string[] = [];
  for (const r of [...d.nodes]) {
    if (r.layer.op !== 'Relu') continue;
    const p = d.node(r.inputs[0]);
    if (!p || !(p.layer instanceof Conv2d || p.layer instanceof Dense) || p.layer.activation || d.soleReader(p.name) !== r) continue;
    p.layer = relayer(p.layer, { activation: 'relu' });
    d.rewire(r.name, p.name);
    d.remove(r.name);
    done.push(`${r.name} fused into ${p.name}`);
  }
  return done;
}
