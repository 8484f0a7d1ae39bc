// Structural removal is exact: zero what the removed channels feed, run forward; remove them,
// run forward again; the outputs match — on every reference net and on toy nets with a residual
// Add, a Concat, a depthwise block and channel Slices. Also: what dependency groups contain, and refused cuts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { residualNet, concatNet, depthwiseNet, splitNet } from '../helpers/toy-nets.js';
import { Graph, type GraphDef } from '../../src/graph/graph.js';
import { dependencyGroups, memberEntries, removableUnits, type ChannelGroup } from '../../src/graph/dependency.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet300100, lenet5Maxout, vggSmall } from '../../src/nn/nets.js';
import { removeUnits, type Cut } from '../../src/prune/surgery.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { Slice } from '../../src/nn/layers/slice.js';

/** Zeroes, in every reading layer, the input entries the cut units feed. */
function silence(model: Model, cuts: Cut[]): void {
  for (const { group, units } of cuts) {
    for (const m of group.members.filter((x) => x.side === 'in')) {
      const node = model.graph.node(m.node);
      for (const spec of node.params.filter((p) => p.cut?.in !== undefined)) {
        const w = model.params.value(m.node, spec.name);
        const view = w.f32();
        const axis = spec.cut!.in!;
        const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
        const outer = w.shape.slice(0, axis).reduce((a, b) => a * b, 1);
        for (const e of memberEntries(m, [...units])) {
          for (let o = 0; o < outer; o++) view.fill(0, (o * w.shape[axis] + e) * inner, (o * w.shape[axis] + e + 1) * inner);
        }
      }
    }
  }
}

function randomise(model: Model, rng: Rng): void {
  // Random batch-norm statistics too, so that removal must carry them correctly.
  const v = model.params.values.f32();
  for (const e of model.params.entries) {
    for (let i = e.start; i < e.start + e.size; i++) v[i] = e.name === 'runningVar' ? rng.uniform(0.5, 2) : rng.uniform(-0.5, 0.5);
  }
}

function checkEquivalence(k: Kernels, def: GraphDef, seed: number): { before: number; after: number; groups: ChannelGroup[] } {
  const rng = new Rng(seed);
  const model = new Model(new Graph(def), k, { seed });
  randomise(model, rng);
  const groups = dependencyGroups(model.graph);
  const cuts: Cut[] = groups.filter((g) => g.prunable).map((g) => {
    const units = [...Array(g.units).keys()].filter(() => rng.next() < 0.5);
    return { group: g, units: removableUnits(g, units, units.length) };
  }).filter((c) => c.units.length > 0);
  assert.ok(cuts.length > 0, `${def.name}: something to cut`);
  silence(model, cuts);
  const x = rng.f32(3 * model.graph.inputs[0].shape.reduce((a, b) => a * b, 1));
  const want = model.forward(3, { x }).toArray();
  const { model: pruned } = removeUnits(model, cuts);
  const got = pruned.forward(3, { x }).toArray();
  assertClose(got, want, `${def.name}: outputs after removal`, { atol: 2e-5, rtol: 1e-4 });
  const sizes = { before: model.graph.paramCount(), after: pruned.graph.paramCount(), groups };
  assert.ok(pruned.graph.flops() < model.graph.flops(), `${def.name}: FLOPs shrink`);
  model.dispose();
  pruned.dispose();
  return sizes;
}

test('removal is exact on the reference nets and on residual, concat, depthwise and split toy nets', async () => {
  for (const { k } of await backends()) {
    let seed = 1;
    for (const def of [lenet300100(), lenet5(), lenet5Maxout(), vggSmall(), residualNet(), concatNet(), depthwiseNet(), splitNet(), splitNet(), splitNet()]) {
      const { before, after } = checkEquivalence(k, def, seed++);
      assert.ok(after < before, `${def.name}: ${after} < ${before} parameters`);
    }
  }
});

test('dependency groups couple what must be cut together', () => {
  const byProducer = (groups: ChannelGroup[], name: string) => groups.find((g) => g.producers.includes(name))!;
  const five = dependencyGroups(new Graph(lenet5()));
  const conv2 = byProducer(five, 'conv2');
  assert.equal(conv2.members.map((m) => `${m.node}:${m.side}:${m.perUnit}`), ['conv2:out:1', 'fc1:in:16'], 'a conv channel is 4×4 columns of fc1');
  assert.is(byProducer(five, 'fc2').prunable, false);
  assert.match(byProducer(five, 'fc2').reason!, /'fc2' is a graph output/);

  const maxout = byProducer(dependencyGroups(new Graph(lenet5Maxout())), 'fc1');
  assert.equal([maxout.unit, maxout.units], [4, 125]);
  assert.equal(maxout.members.map((m) => `${m.node}:${m.side}:${m.perUnit}`), ['fc1:out:4', 'fc2:in:1']);

  const residual = dependencyGroups(new Graph(residualNet()));
  const added = byProducer(residual, 'a');
  assert.equal(added.producers.sort(), ['a', 'b']);
  assert.equal(added.members.map((m) => `${m.node}:${m.side}`).sort(), ['a:out', 'b:in', 'b:out', 'bnb:out', 'c:in']);

  const cat = dependencyGroups(new Graph(concatNet()));
  assert.equal(byProducer(cat, 'b').members.find((m) => m.node === 'c')!.offset, 4, "b's channels follow a's in the concat");

  const dw = byProducer(dependencyGroups(new Graph(depthwiseNet())), 'a');
  assert.equal(dw.members.map((m) => m.node).sort(), ['a', 'bna', 'bnd', 'dw', 'pw'], 'depthwise conv and both batch norms follow');
});

test('cuts are checked: range, duplicates, never to zero channels, unprunable groups', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k);
  const groups = dependencyGroups(model.graph);
  const conv1 = groups.find((g) => g.producers.includes('conv1'))!;
  const fc2 = groups.find((g) => g.producers.includes('fc2'))!;
  assert.throws(() => removeUnits(model, [{ group: conv1, units: [3, 20] }]), /group 0 \(conv1\): unit 20 is not in \[0, 20\)/);
  assert.throws(() => removeUnits(model, [{ group: conv1, units: [3, 3] }]), /unit 3 is listed twice/);
  assert.throws(() => removeUnits(model, [{ group: conv1, units: [...Array(20).keys()] }]), /removing 20 of 20 units would leave none/);
  assert.throws(() => removeUnits(model, [{ group: fc2, units: [1] }]), /cannot be pruned: 'fc2' is a graph output/);
  const { model: small } = removeUnits(model, [{ group: conv1, units: [0, 5, 19] }]);
  assert.equal(small.params.value('conv1', 'weight').shape, [17, 1, 5, 5]);
  assert.equal(small.params.value('conv2', 'weight').shape, [50, 17, 5, 5]);
  model.dispose();
  small.dispose();
});

test('channel Slices pass their groups on in part: bounds move with the cut, and each part keeps a unit', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(splitNet()), k, { seed: 4 });
  const groups = dependencyGroups(model.graph);
  const [a, b] = ['a', 'b'].map((p) => groups.find((g) => g.producers.includes(p))!);
  assert.ok(a.prunable && b.prunable, 'slices are no barrier');
  const seen = (g: ChannelGroup, node: string) => g.members.filter((m) => m.node === node).map((m) => [m.first, m.count, m.offset]);
  assert.equal(seen(a, 'c'), [[2, 3, -2]], "c reads a's channels 2–4 at entries 0–2");
  assert.equal(seen(b, 'c'), [[0, 1, 3]], "and b's channel 0 at entry 3");
  assert.equal(seen(b, 'd'), [[1, 3, -1]], "d reads b's channels 1–3");
  assert.equal(a.ranges.map((r) => [r.first, r.count]), [[2, 3]]);
  assert.equal(b.ranges.map((r) => [r.first, r.count]).sort(), [[0, 1], [1, 3]]);
  assert.equal(memberEntries(b.members.find((m) => m.node === 'd')!, [0, 2, 3]), [1, 2], 'units d does not see delete nothing there');
  assert.throws(() => removeUnits(model, [{ group: b, units: [0] }]), /units \[0, 1\), which '(lo|c)' sees alone; it would be left with no channels/);
  assert.equal(removableUnits(b, [0, 1, 2, 3], 3), [1, 2], "b's channel 0 is all lo takes of b, and d keeps one of 1–3");
  const { model: small } = removeUnits(model, [{ group: a, units: [0, 3] }, { group: b, units: [2] }]);
  const node = (n: string) => small.graph.node(n).layer as Slice;
  assert.equal([node('lo').starts, node('lo').ends], [[1, 1], [4, 8]], 'lo moves down by a channel 0 below it and a channel 3 inside');
  assert.equal([node('hi').starts, node('hi').ends], [[4], [6]]);
  assert.equal(small.params.value('c', 'weight').shape, [3, 3, 3, 3]);
  assert.equal(small.params.value('d', 'weight').shape, [3, 2, 1, 1]);
  model.dispose();
  small.dispose();
});

test.run();
