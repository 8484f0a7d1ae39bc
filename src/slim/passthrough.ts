// Exact merge: layers that are the identity at inference (Dropout, Identity) dropped.

import type { Draft } from './draft.js';

const PASSTHROUGH = ['Dropout', 'Identity'];

export function dropPassthrough(d: Draft): string[] {
  const done: string[] = [];
  for (const n of [...d.nodes]) {
    if (!PASSTHROUGH.includes(n.layer.op)) continue;
    const source = n.inputs[0];
    // A graph output must stay a node, and one value must not become two outputs.
    if (d.outputs.includes(n.name) && (!d.node(source) || d.outputs.includes(source))) continue;
    d.rewire(n.name, source);
    d.remove(n.name);
    done.push(`${n.name} (${n.layer.op}) dropped`);
  }
  return done;
}
