// Dependency groups: the sets of channels that must be cut together. A group is born at a layer
// that makes its own output channels (Dense, Conv2d); activations, pooling, batch norm and Add
// carry it forward, Concat places it at an offset, Flatten spreads each channel over H·W neurons,
// Maxout bundles k channels into one unit. Computed once per graph; criteria score groups.

import type { Graph } from './graph.js';
import type { ChannelFlow } from './layer.js';
import { checkGraph } from '../nn/check.js';

/** Where a group's channels sit on one axis of one node: entries [offset + u·perUnit, …) for unit u. */
export interface GroupMember {
  node: string;
  /** 'out': the node's output channels (its params' `cut.out` axes); 'in': input `input`'s channels (`cut.in`). */
  side: 'out' | 'in';
  input: number;
  offset: number;
  perUnit: number;
}

export interface ChannelGroup {
  id: number;
  /** Channels of the producing layer(s). */
  channels: number;
  /** Channels cut at once (maxout's k, else 1); the group has channels / unit prunable units. */
  unit: number;
  units: number;
  /** Nodes that make these channels (several when their outputs are added). */
  producers: string[];
  members: GroupMember[];
  prunable: boolean;
  /** Why not, when not prunable. */
  reason?: string;
}

interface Segment {
  group: number;
  /** First channel of the group in this segment, and how many. */
  start: number;
  count: number;
  /** Entries per group channel on this value's axis (H·W after Flatten, 1/k after Maxout). */
  per: number;
}

interface Draft {
  channels: number;
  unit: number;
  producers: string[];
  members: { node: string; side: 'out' | 'in'; input: number; offset: number; per: number; start: number }[];
  reason?: string;
}

/** The dependency groups of a graph, in the order their producers appear. */
export function dependencyGroups(graph: Graph): ChannelGroup[] {
  checkGraph('dependencyGroups', 'graph', graph);
  const drafts: Draft[] = [];
  const parent: number[] = [];
  const find = (g: number): number => (parent[g] === g ? g : (parent[g] = find(parent[g])));
  const fix = (g: number, reason: string) => { const d = drafts[find(g)]; d.reason ??= reason; };
  const newGroup = (channels: number, producer?: string, reason?: string): number => {
    drafts.push({ channels, unit: 1, producers: producer ? [producer] : [], members: [], reason });
    parent.push(drafts.length - 1);
    return drafts.length - 1;
  };
  const union = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra === rb) return;
    const [da, db] = [drafts[ra], drafts[rb]];
    parent[rb] = ra;
    da.producers.push(...db.producers);
    da.members.push(...db.members);
    da.unit = Math.max(da.unit, db.unit);
    if (da.channels !== db.channels) da.reason ??= `added channels come from groups of ${da.channels} and ${db.channels}`;
    da.reason ??= db.reason;
  };
  const segmentsOf = new Map<string, Segment[]>();
  for (const input of graph.inputs) {
    segmentsOf.set(input.name, [{ group: newGroup(input.shape[0], undefined, `'${input.name}' is a graph input`), start: 0, count: input.shape[0], per: 1 }]);
  }

  for (const node of graph.nodes) {
    const flow: ChannelFlow = node.layer.channelFlow(node.inputShapes);
    const inputs = node.inputs.map((i) => segmentsOf.get(i)!);
    const channels = node.outputShape[0];
    const slicesParams = node.params.some((p) => p.cut?.out !== undefined);
    const consume = (reason?: string) => inputs.forEach((segs, i) => {
      let offset = 0;
      for (const s of segs) {
        drafts[find(s.group)].members.push({ node: node.name, side: 'in', input: i, offset, per: s.per, start: s.start });
        if (reason) fix(s.group, reason);
        offset += s.count * s.per;
      }
    });
    const follow = (segs: Segment[]) => {
      if (!slicesParams) return;
      let offset = 0;
      for (const s of segs) {
        drafts[find(s.group)].members.push({ node: node.name, side: 'out', input: 0, offset, per: s.per, start: s.start });
        offset += s.count * s.per;
      }
    };
    let out: Segment[];
    switch (flow.kind) {
      case 'produce': {
        consume();
        const g = newGroup(channels, node.name);
        drafts[g].members.push({ node: node.name, side: 'out', input: 0, offset: 0, per: 1, start: 0 });
        out = [{ group: g, start: 0, count: channels, per: 1 }];
        break;
      }
      case 'elementwise': {
        out = inputs[0].map((s) => ({ ...s }));
        for (const other of inputs.slice(1)) {
          const aligned = other.length === out.length && other.every((s, i) => s.count === out[i].count && s.per === out[i].per && s.start === out[i].start);
          if (aligned) other.forEach((s, i) => union(out[i].group, s.group));
          else for (const s of [...out, ...other]) fix(s.group, `'${node.name}' (${node.layer.op}) combines inputs whose channels line up differently`);
        }
        follow(out);
        break;
      }
      case 'concat':
        out = inputs.flat().map((s) => ({ ...s }));
        break;
      case 'flatten': {
        const spread = node.inputShapes[0].slice(1).reduce((a, b) => a * b, 1);
        out = inputs[0].map((s) => ({ ...s, per: s.per * spread }));
        break;
      }
      case 'group': {
        out = inputs[0].map((s) => {
          const d = drafts[find(s.group)];
          if (s.per !== 1 || s.start % flow.size || s.count % flow.size || (d.unit !== 1 && d.unit !== flow.size)) {
            fix(s.group, `'${node.name}' (${node.layer.op}) groups channels that do not split into units of ${flow.size}`);
          } else d.unit = flow.size;
          return { ...s, per: s.per / flow.size };
        });
        break;
      }
      case 'fixed': {
        consume(`read by '${node.name}' (${node.layer.op}): ${flow.reason}`);
        out = [{ group: newGroup(channels, node.name, `made by '${node.name}' (${node.layer.op}): ${flow.reason}`), start: 0, count: channels, per: 1 }];
        break;
      }
    }
    segmentsOf.set(node.name, out);
  }
  for (const output of graph.outputs) for (const s of segmentsOf.get(output)!) fix(s.group, `'${output}' is a graph output`);

  const groups: ChannelGroup[] = [];
  drafts.forEach((d, i) => {
    if (find(i) !== i || d.producers.length === 0) return;
    const unit = d.unit;
    const members = d.members.map((m) => ({
      node: m.node, side: m.side, input: m.input,
      // A member that sees the group from channel `start` on (a slice after Concat) is rare; members see whole groups.
      offset: m.offset - m.start * m.per,
      perUnit: Math.round(m.per * unit),
    }));
    groups.push({
      id: groups.length, channels: d.channels, unit, units: d.channels / unit, producers: [...new Set(d.producers)],
      members, prunable: d.reason === undefined && d.channels / unit > 1,
      reason: d.reason ?? (d.channels / unit > 1 ? undefined : 'a single unit cannot be removed'),
    });
  });
  return groups;
}

/**
 * The entries of a member's axis that removing `units` (sorted, unique unit indices) deletes.
 */
export function memberEntries(member: GroupMember, units: readonly number[]): number[] {
  const out: number[] = [];
  for (const u of units) for (let e = 0; e < member.perUnit; e++) out.push(member.offset + u * member.perUnit + e);
  return out;
}
