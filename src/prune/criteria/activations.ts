// Where a data-driven criterion reads a group's channels: the value after the producer's
// activation (the first ReLU reached through channel-preserving nodes such as batch norm), or
// the producer's own output when no ReLU follows.

import type { Graph } from '../../graph/graph.js';
import type { ChannelGroup } from '../../graph/dependency.js';

/** The node whose output holds the group's channels after their activation, and whether it is a ReLU. */
export function activationOf(graph: Graph, group: ChannelGroup): { node: string; relu: boolean } {
  let node = group.producers[0];
  for (;;) {
    const n = graph.node(node);
    if (n.layer.op === 'Relu' && node !== group.producers[0]) return { node, relu: true };
    const next = n.consumers.length === 1 ? graph.node(n.consumers[0]) : undefined;
    if (!next || next.layer.channelFlow(next.inputShapes).kind !== 'elementwise' || next.outputShape[0] !== group.channels) {
      return { node: group.producers[0], relu: false };
    }
    node = next.name;
  }
}

/** Sums per-channel values into one value per unit (maxout groups bundle `unit` channels). */
export function perUnit(group: ChannelGroup, perChannel: ArrayLike<number>): Float64Array {
  const out = new Float64Array(group.units);
  for (let c = 0; c < group.channels; c++) out[Math.floor(c / group.unit)] += perChannel[c];
  return out;
}
