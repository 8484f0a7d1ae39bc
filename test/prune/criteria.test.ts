// Every criterion against its oracle (seed-methods.md §2–§4, §6): L2 against a direct sum, APoZ
// against a naive count, Taylor's ranking against the measured loss change of removing each
// neuron, group lasso's gradient against finite differences and its zeroed groups removable with
// no change, maxout neurons that never win removable with no change, correlation keeping the
// strongest of each sign, random seeded.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../helpers/rng.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { sequential } from '../../src/nn/nets.js';
import { Conv2d, Dense, Flatten, Maxout, MaxPool2d, Relu } from '../../src/nn/layers/index.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { evaluate, train } from '../../src/nn/train.js';
import { localPass } from '../../src/workers/pass.js';
import { l2Scores } from '../../src/prune/criteria/norms.js';
import { apoz } from '../../src/prune/criteria/apoz.js';
import { taylor } from '../../src/prune/criteria/taylor.js';
import { randomCriterion } from '../../src/prune/criteria/random.js';
import { groupLassoGradient, groupLassoPenalty, groupLassoProx, groupNorms, lassoGroups } from '../../src/prune/criteria/group-lasso.js';
import { removeLassoGroups } from '../../src/prune/criteria/group-lasso-remove.js';
import { applyProximal, checkProximal, proximalGroups } from '../../src/nn/proximal.js';
import { maxoutHooks, pruneMaxoutNeurons } from '../../src/prune/criteria/maxout.js';
import { correlationHooks, pearson, pruneByCorrelation } from '../../src/prune/criteria/correlation.js';
import { removeUnits } from '../../src/prune/surgery.js';
import type { Kernels } from '../../src/kernels/kernels.js';

let kernels: Promise<Kernels> | undefined;
const k = () => (kernels ??= loadNodeKernels());

/** Images whose label is which quadrant is brightest: learnable in a few epochs. */
function quadrants(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * 100);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const q = rng.int(0, 3);
    labels[i] = q;
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) {
      const inside = (y < 5 ? 0 : 2) + (x < 5 ? 0 : 1) === q;
      pixels[i * 100 + y * 10 + x] = rng.int(0, 120) + (inside ? 100 : 0);
    }
  }
  return new Dataset({ name: `quadrants-${n}`, shape: [1, 10, 10], pixels, labels, classes: 4 });
}

const convNet = () => new Graph(sequential('crit', { name: 'image', shape: [1, 10, 10] }, [
  ['conv1', new Conv2d({ filters: 6, kernel: 3 })], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
  ['flatten', new Flatten()], ['fc1', new Dense({ units: 16 })], ['relu2', new Relu()], ['fc2', new Dense({ units: 4 })],
]));

test('L2 scores are sqrt(Σw²) over each filter', async () => {
  const model = new Model(convNet(), await k(), { seed: 1 });
  const g = dependencyGroups(model.graph).find((x) => x.producers.includes('conv1'))!;
  const w = model.params.value('conv1', 'weight').f32();
  const s = l2Scores(model, g);
  for (let f = 0; f < 6; f++) {
    const direct = Math.sqrt(w.subarray(f * 9, f * 9 + 9).reduce((a, v) => a + v * v, 0));
    assert.ok(Math.abs(s[f] - direct) < 1e-9, `filter ${f}`);
  }
  model.dispose();
});

test('APoZ is one minus the share of zeros a sample-by-sample count finds after each ReLU', async () => {
  const model = new Model(convNet(), await k(), { seed: 2 });
  const data = quadrants(30, 1);
  const groups = dependencyGroups(model.graph).filter((g) => ['conv1', 'fc1'].includes(g.producers[0]));
  const hooks = apoz.hooks!(model, groups);
  assert.equal(Object.values(hooks).map((h) => h.node), ['relu1', 'relu2']);
  const stats = await localPass().run(model, data, hooks, { batchSize: 7 });
  for (const [g, node] of [[groups[0], 'relu1'], [groups[1], 'relu2']] as const) {
    const [C, ...rest] = model.graph.shapeOf(node);
    const S = rest.reduce((a, b) => a * b, 1);
    const zeros = new Float64Array(C);
    for (let i = 0; i < data.size; i++) {
      data.fillBatch(model.input(1).f32(), null, [i]);
      model.forward(1);
      const a = model.activation(node).f32();
      for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) if (a[c * S + s] === 0) zeros[c]++;
    }
    const scores = apoz.score(model, g, stats);
    for (let c = 0; c < C; c++) assert.ok(Math.abs(scores[c] - (1 - zeros[c] / (data.size * S))) < 1e-12, `${node} channel ${c}`);
  }
  assert.throws(() => apoz.hooks!(model, dependencyGroups(model.graph).filter((g) => g.producers[0] === 'fc2')), /APoZ: no ReLU follows 'fc2' in model 'crit'/);
  model.dispose();
});

/** Spearman's rank correlation. */
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (x: ArrayLike<number>) => {
    const order = Array.from(x, (v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Float64Array(x.length);
    order.forEach(([, i], j) => { r[i] = j; });
    return r;
  };
  const [ra, rb] = [rank(a), rank(b)];
  const n = a.length;
  let d = 0;
  for (let i = 0; i < n; i++) d += (ra[i] - rb[i]) ** 2;
  return 1 - (6 * d) / (n * (n * n - 1));
}

test('Taylor ranks neurons as the measured loss change of removing each one does', async () => {
  const model = new Model(convNet(), await k(), { seed: 3 });
  const data = quadrants(400, 2);
  await train(model, data, { epochs: 2, batchSize: 32, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
  const group = dependencyGroups(model.graph).find((g) => g.producers.includes('fc1'))!;
  const stats = await localPass().run(model, data, taylor.hooks!(model, [group]));
  const theta = taylor.score(model, group, stats);
  assert.ok(Math.abs(theta.reduce((a, t) => a + t * t, 0) - 1) < 1e-9, 'L2-normalised per layer');
  const base = evaluate(model, data).loss;
  const change = Array.from({ length: group.units }, (_, u) => {
    const { model: cut } = removeUnits(model, [{ group, units: [u] }]);
    const d = Math.abs(evaluate(cut, data).loss - base);
    cut.dispose();
    return d;
  });
  const rho = spearman(theta, change);
  assert.ok(rho > 0.6, `Spearman ρ between Taylor scores and measured |Δloss| is ${rho.toFixed(3)}`);
  model.dispose();
});

test('group lasso: the penalty\'s gradient matches finite differences; prox zeroes groups that then come out with no change', async () => {
  const model = new Model(convNet(), await k(), { seed: 4 });
  const groups = dependencyGroups(model.graph).filter((g) => g.prunable);
  const v = model.params.values.f32();
  const grads = new Float64Array(model.params.size);
  const kinds = ['filter', 'channel', 'shape'] as const;
  groupLassoGradient(model, groups, 0.3, grads, kinds);
  const rng = new Rng(5);
  for (let t = 0; t < 40; t++) {
    const i = rng.int(0, model.params.trainableSize - 1);
    const x = v[i];
    const h = 1e-2;
    v[i] = x + h;
    const up = groupLassoPenalty(model, groups, 0.3, kinds);
    v[i] = x - h;
    const down = groupLassoPenalty(model, groups, 0.3, kinds);
    v[i] = x;
    const fd = (up - down) / (2 * h);
    assert.ok(Math.abs(fd - grads[i]) < 2e-3 + 1e-2 * Math.abs(fd), `param ${i}: finite difference ${fd}, gradient ${grads[i]}`);
  }
  // A step that zeroes the weakest groups exactly.
  const fc1 = groups.find((g) => g.producers.includes('fc1'))!;
  const norms = groupNorms(model, fc1);
  const cut = Array.from(norms).sort((a, b) => a - b)[4];
  const zeroed = groupLassoProx(model, [fc1], 1, cut * 1.0000001);
  assert.ok(zeroed >= 5, `${zeroed} groups zeroed`);
  const after = groupNorms(model, fc1);
  const dead = Array.from(after.keys()).filter((u) => after[u] === 0);
  assert.is(dead.length, zeroed);
  const data = quadrants(20, 3);
  const before = evaluate(model, data);
  const { model: slim } = removeUnits(model, [{ group: fc1, units: dead }]);
  const then = evaluate(slim, data);
  assert.ok(Math.abs(then.loss - before.loss) < 1e-5, `removing zeroed groups changes the loss by ${then.loss - before.loss}`);
  slim.dispose();
  model.dispose();
});

test('group lasso groups: filters, channels (the readers\' input slices) and filter shapes, by direct indexing', async () => {
  const model = new Model(convNet(), await k(), { seed: 6 });
  const g = dependencyGroups(model.graph).find((x) => x.producers.includes('conv1'))!;
  const w = model.params.entry('conv1', 'weight');
  const b = model.params.entry('conv1', 'bias');
  const fc = model.params.entry('fc1', 'weight');
  const filters = lassoGroups(model, g, 'filter');
  assert.equal(filters[2], [...Array.from({ length: 9 }, (_, i) => w.start + 18 + i), b.start + 2]);
  // conv1's 6 channels of 4×4 reach fc1 (16 × 96) through Flatten: channel 2 is columns 32…47 of every row.
  const channels = lassoGroups(model, g, 'channel');
  assert.is(channels.length, 6);
  assert.equal([...channels[2]].sort((x, y) => x - y), Array.from({ length: 16 }, (_, o) => Array.from({ length: 16 }, (_, c) => fc.start + o * 96 + 32 + c)).flat());
  const shapes = lassoGroups(model, g, 'shape');
  assert.is(shapes.length, 9, 'one per kernel position (1 input channel × 3 × 3)');
  assert.equal(shapes[4], Array.from({ length: 6 }, (_, f) => w.start + f * 9 + 4));
  // A zeroed channel comes out without changing anything: removeLassoGroups removes it exactly.
  const v = model.params.values.f32();
  for (const i of channels[3]) v[i] = 0;
  const data = quadrants(20, 3);
  const before = evaluate(model, data);
  const { model: slim, units, shapes: masked } = removeLassoGroups(model, [g], 1e-6, ['filter', 'channel', 'shape']);
  assert.equal(units, [1]);
  assert.is(masked, 0);
  assert.ok(Math.abs(evaluate(slim, data).loss - before.loss) < 1e-5, 'removing a zero channel changes nothing');
  slim.dispose();
  model.dispose();
});

test('the proximal step shrinks each group\'s norm by step·λ, to exactly 0 below it', () => {
  const rng = new Rng(8);
  const v = Float32Array.from({ length: 20 }, () => rng.uniform(-1, 1));
  const groups = [[0, 1, 2], [5, 9], [10, 11, 12, 13]];
  const norms = groups.map((g) => Math.hypot(...g.map((i) => v[i])));
  const t = (norms[0] + norms[1]) / 2;
  const before = Float32Array.from(v);
  const zeroed = applyProximal(v, proximalGroups(1, groups), t);
  groups.forEach((g, j) => {
    const after = Math.hypot(...g.map((i) => v[i]));
    assert.ok(Math.abs(after - Math.max(0, norms[j] - t)) < 1e-5, `group ${j}: ${after} vs ${Math.max(0, norms[j] - t)}`);
  });
  assert.is(zeroed, groups.filter((_, j) => norms[j] <= t).length);
  for (const i of [3, 4, 6, 7, 8, 14, 19]) assert.is(v[i], before[i], `index ${i} is in no group`);
  assert.throws(() => checkProximal(proximalGroups(1, [[25]]), 20, 'train'), /train: 'proximal' index 25 is not one of the model's 20 trainable parameters/);
});

test('maxout: the least-winning neuron of every unit goes; neurons that never win go with no change to the outputs', async () => {
  const graph = new Graph(sequential('mx', { name: 'image', shape: [1, 10, 10] }, [
    ['flatten', new Flatten()], ['fc1', new Dense({ units: 12 })], ['maxout1', new Maxout({ k: 3 })], ['fc2', new Dense({ units: 4 })],
  ]));
  const model = new Model(graph, await k(), { seed: 6 });
  // Neuron 1 of every unit never wins: a bias far below the others.
  const b = model.params.value('fc1', 'bias').f32();
  for (let u = 0; u < 4; u++) b[u * 3 + 1] = -100;
  const data = quadrants(25, 4);
  const stats = await localPass().run(model, data, maxoutHooks(model));
  const wins = stats['wins:maxout1'].wins as Float64Array;
  for (let u = 0; u < 4; u++) assert.is(wins[u * 3 + 1], 0, `unit ${u}`);
  assert.is(wins.reduce((a, w) => a + w, 0), 25 * 4, 'every output has one winner');
  const { model: slim, removed } = pruneMaxoutNeurons(model, stats, 1);
  assert.equal(removed, { maxout1: 4 });
  assert.is((slim.graph.node('maxout1').layer as Maxout).k, 2);
  assert.equal(slim.graph.node('fc1').outputShape, [8]);
  const x = new Float32Array(100).map((_, i) => Math.sin(i));
  const want = Array.from(model.forward(1, { x }).f32());
  const got = Array.from(slim.forward(1, { x }).f32());
  want.forEach((w, i) => assert.ok(Math.abs(w - got[i]) < 1e-5, `output ${i}: ${got[i]} vs ${w}`));
  assert.throws(() => pruneMaxoutNeurons(model, stats, 3), /maxout pruning: 'maxout1' has units of 3: remove an integer in \[0, 2\] per unit, got 3/);
  slim.dispose();
  model.dispose();
});

test('correlation keeps the strongest positive and negative connections in proportion, constant neurons first out', async () => {
  const model = new Model(convNet(), await k(), { seed: 7 });
  const data = quadrants(60, 5);
  const stats = await localPass().run(model, data, correlationHooks(model, ['fc1']));
  const r = pearson(stats['correlation:fc1']);
  pruneByCorrelation(model, stats, ['fc1'], 0.25);
  const e = model.params.entry('fc1', 'weight');
  const mask = model.params.mask!.f32().subarray(e.start, e.start + e.size);
  const signed = Array.from(r).filter((x) => x !== 0).length;
  assert.is(mask.reduce((a, x) => a + x, 0), Math.round(0.25 * r.length), 'a quarter kept in all');
  for (const sign of [1, -1]) {
    const all = Array.from(r.keys()).filter((i) => Math.sign(r[i]) === sign);
    const kept = all.filter((i) => mask[i] === 1);
    assert.ok(Math.abs(kept.length - 0.25 * r.length * all.length / signed) <= 1, `sign ${sign}: kept in proportion (${kept.length} of ${all.length})`);
    const weakestKept = Math.min(...kept.map((i) => Math.abs(r[i])));
    const strongestDropped = Math.max(...all.filter((i) => mask[i] === 0).map((i) => Math.abs(r[i])));
    assert.ok(weakestKept >= strongestDropped, `sign ${sign}: the strongest are kept`);
  }
  for (let i = 0; i < r.length; i++) if (r[i] === 0) assert.is(mask[i], 0);
  assert.throws(() => pruneByCorrelation(model, stats, ['fc1'], 0), /share of connections to keep must be in \(0, 1\], got 0/);
  model.dispose();
});

test('correlation on a convolution masks whole kernel slices, by the mean |r| over their taps', async () => {
  const model = new Model(convNet(), await k(), { seed: 9 });
  const data = quadrants(30, 6);
  const stats = await localPass().run(model, data, correlationHooks(model, ['conv1']));
  assert.is(stats['correlation:conv1'].rows, 30 * 64);
  pruneByCorrelation(model, stats, ['conv1'], 0.5);
  const e = model.params.entry('conv1', 'weight');
  const mask = model.params.mask!.f32().subarray(e.start, e.start + e.size);
  let kept = 0;
  for (let c = 0; c < 6; c++) {
    const slice = Array.from(mask.subarray(c * 9, c * 9 + 9));
    assert.ok(slice.every((m) => m === slice[0]), `kernel slice ${c} masked whole`);
    kept += slice[0];
  }
  assert.is(kept, 3);
  assert.throws(() => correlationHooks(model, ['pool1']), /'pool1' is neither a fully connected \(Dense\) layer nor an ungrouped convolution/);
  model.dispose();
});

test('random scores are seeded: the same seed, the same scores', async () => {
  const model = new Model(convNet(), await k(), { seed: 8 });
  const g = dependencyGroups(model.graph).find((x) => x.producers.includes('conv1'))!;
  assert.equal(Array.from(randomCriterion(3).score(model, g, {})), Array.from(randomCriterion(3).score(model, g, {})));
  assert.not.equal(Array.from(randomCriterion(3).score(model, g, {})), Array.from(randomCriterion(4).score(model, g, {})));
  model.dispose();
});

test.run();
