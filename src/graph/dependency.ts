// Dependency groups: the sets of channels that must be cut together. A group is born at a layer
// that makes its own output channels (Dense, Conv2d); activations, pooling, batch norm and Add
// carry it forward, Concat places it at an offset, a channel Slice (a Split output) passes on the
// part of it inside its bounds, Flatten spreads each channel over H·W neurons, Maxout bundles k
// channels into one unit. Computed once per graph; criteria score groups.

import type { Graph } from './graph.js';
import type { ChannelFlow } from './layer.js';
import { checkGraph } from '../nn/check.js';

/**
 * Where a group's channels sit on one axis of one node: entries [offset + u·perUnit, …) for unit u,
 * for the units [first, first + count) the node sees (all of them unless a channel Slice came before).
 */
export interface GroupMember {
  node: string;
  /** 'out': the node's output channels (its params' `cut.out` axes); 'in': input `input`'s channels (`cut.in`). */
  side: 'out' | 'in';
  input: number;
  offset: number;
  perUnit: number;
  first: number;
  count: number;
}

/** Units [first, first + count) of a group that `node` sees without the rest: a cut must leave one of them. */
export interface UnitRange {
  first: number;
  count: number;
  node: string;
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
  /** The ranges members see in part (after channel Slices); empty when every member sees every unit. */
  ranges: UnitRange[];
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
  members: { node: string; side: 'out' | 'in'; input: number; offset: number; per: number; start: number; count: number }[];
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
    let flow: ChannelFlow = node.layer.channelFlow(node.inputShapes);
    const inputs = node.inputs.map((i) => segmentsOf.get(i)!);
    const sliced = flow.kind === 'slice' ? sliceSegments(inputs[0], flow.start, flow.end) : undefined;
    if (flow.kind === 'slice' && !sliced) flow = { kind: 'fixed', reason: 'its bounds fall inside the entries of one channel' };
    const channels = node.outputShape[0];
    const slicesParams = node.params.some((p) => p.cut?.out !== undefined);
    const consume = (reason?: string) => inputs.forEach((segs, i) => {
      let offset = 0;
      for (const s of segs) {
        drafts[find(s.group)].members.push({ node: node.name, side: 'in', input: i, offset, per: s.per, start: s.start, count: s.count });
        if (reason) fix(s.group, reason);
        offset += s.count * s.per;
      }
    });
    const follow = (segs: Segment[]) => {
      if (!slicesParams) return;
      let offset = 0;
      for (const s of segs) {
        drafts[find(s.group)].members.push({ node: node.name, side: 'out', input: 0, offset, per: s.per, start: s.start, count: s.count });
        offset += s.count * s.per;
      }
    };
    let out: Segment[];
    switch (flow.kind) {
      case 'produce': {
        consume();
        const g = newGroup(channels, node.name);
        drafts[g].members.push({ node: node.name, side: 'out', input: 0, offset: 0, per: 1, start: 0, count: channels });
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
      case 'slice':
        // Read as a member (surgery moves its bounds by the channels cut below them), not a barrier.
        consume();
        out = sliced!;
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
    const units = d.channels / unit;
    const ranges = new Map<string, UnitRange>();
    const members = d.members.map((m) => {
      if (m.start % unit || m.count % unit) d.reason ??= `'${m.node}' sees channels [${m.start}, ${m.start + m.count}), which do not split into units of ${unit}`;
      const [first, count] = [Math.floor(m.start / unit), Math.floor(m.count / unit)];
      if (count < units && !ranges.has(`${first}:${count}`)) ranges.set(`${first}:${count}`, { first, count, node: m.node });
      // `offset` is where unit 0 would sit: below the entries when the member sees the group from `first` on.
      return { node: m.node, side: m.side, input: m.input, offset: Math.round(m.offset - m.start * m.per), perUnit: Math.round(m.per * unit), first, count };
    });
    groups.push({
      id: groups.length, channels: d.channels, unit, units, producers: [...new Set(d.producers)],
      members, ranges: [...ranges.values()], prunable: d.reason === undefined && units > 1,
      reason: d.reason ?? (units > 1 ? undefined : 'a single unit cannot be removed'),
    });
  });
  return groups;
}

/**
 * The part of `segs` (one value's channel axis) inside entries [start, end), as segments; undefined
 * when a bound falls inside the entries of one group channel (a slice of a flattened feature map).
 */
function sliceSegments(segs: readonly Segment[], start: number, end: number): Segment[] | undefined {
  const out: Segment[] = [];
  const whole = (v: number) => Math.abs(v - Math.round(v)) < 1e-9;
  let offset = 0;
  for (const s of segs) {
    const size = s.count * s.per;
    const [lo, hi] = [Math.max(start, offset), Math.min(end, offset + size)];
    if (lo < hi) {
      const [skip, count] = [(lo - offset) / s.per, (hi - lo) / s.per];
      if (!whole(skip) || !whole(count)) return undefined;
      out.push({ group: s.group, start: s.start + Math.round(skip), count: Math.round(count), per: s.per });
    }
    offset += size;
  }
  return out;
}

/**
 * One cut's budget: take(u) agrees to remove unit u unless that would empty the group or a range
 * of it that a member sees alone (what a channel Slice passes on), so no layer is left without
 * channels. Ask once per unit.
 */
export function unitBudget(group: ChannelGroup): (unit: number) => boolean {
  const ranges = [{ first: 0, count: group.units }, ...group.ranges];
  const left = ranges.map((r) => r.count);
  return (u) => {
    const hit = ranges.flatMap((r, i) => (u >= r.first && u < r.first + r.count ? [i] : []));
    if (hit.some((i) => left[i] <= 1)) return false;
    for (const i of hit) left[i]--;
    return true;
  };
}

/** Up to `count` of `candidates` (unique units, best first) that one cut may remove together. */
export function removableUnits(group: ChannelGroup, candidates: readonly number[], count: number): number[] {
  const take = unitBudget(group);
  const out: number[] = [];
  for (const u of candidates) {
    if (out.length >= count) break;
    if (take(u)) out.push(u);
  }
  return out;
}

/**
 * The entries of a member's axis that removing `units` (sorted, unique unit indices) deletes; units
 * outside what the member sees delete nothing there.
 */
export function memberEntries(member: GroupMember, units: readonly number[]): number[] {
  const out: number[] = [];
  for (const u of units) {
    if (u < member.first || u >= member.first + member.count) continue;
    for (let e = 0; e < member.perUnit; e++) out.push(member.offset + u * member.perUnit + e);
  }
  return out;
}
