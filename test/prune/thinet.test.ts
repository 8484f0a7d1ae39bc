// ThiNet: sampled contributions add up to the reader's real output, sampling is seeded and does
// not depend on how images are batched, the objective sums over the readers of an Add-coupled
// group, removal beats random choices on its own objective, least squares lowers the pruned
// network's output error, and the layer-by-layer driver prunes, fine-tunes and checks its input.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { rejects } from '../helpers/rejects.js';
import { Rng } from '../helpers/rng.js';
import { residualNet } from '../helpers/toy-nets.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5, lenet5Maxout, lenet300100, vggSmall } from '../../src/nn/nets.js';
import { exportOnnx, importOnnx } from '../../src/io/onnx/index.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { dependencyGroups, type ChannelGroup } from '../../src/graph/dependency.js';
import { removeUnits } from '../../src/prune/surgery.js';
import { consumersOf, planSamples, sampleBatch, sampleContributions } from '../../src/prune/thinet/sample.js';
import { selectUnits } from '../../src/prune/thinet/select.js';
import { thinetPrune, thinetStep } from '../../src/prune/thinet/prune.js';
import { thinetScores } from '../../src/prune/thinet/scores.js';
import { pruneFilters } from '../../src/prune/filters.js';
import { lowest } from '../../src/prune/criteria/criterion.js';
import { loadBuiltin } from '../../src/node/data.js';

const groupOf = (m: Model, name: string): ChannelGroup => dependencyGroups(m.graph).find((g) => g.producers.includes(name))!;

/** Smooth random images [3, 8, 8] for the toy nets. */
function images(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const px = new Float32Array(n * 3 * 64);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [rng.uniform(), rng.uniform(), rng.uniform(0, 6)];
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 64; p++) px[(i * 3 + ch) * 64 + p] = Math.sin(a * (p >> 3) + b * (p & 7) + c + ch) + 0.3 * rng.uniform();
  }
  return new Dataset({ name: 'toy', shape: [3, 8, 8], pixels: px, labels: new Int32Array(n), classes: 4, normalise: 'none' });
}

/** Mean squared difference of two models' outputs over `data`. */
function outputError(a: Model, b: Model, data: Dataset): number {
  const x = new Float32Array(data.size * data.sampleSize);
  data.fillBatch(x, null, Int32Array.from({ length: data.size }, (_, i) => i));
  const ya = a.forward(data.size, { x }).f32().slice();
  const yb = b.forward(data.size, { x }).f32().slice();
  return ya.reduce((s, v, i) => s + (v - yb[i]) ** 2, 0) / ya.length;
}

test('x̂ adds up to the reader\'s output without bias (conv reader and dense-after-flatten reader), seeded', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 5 });
  const data = (await loadBuiltin('mnist', 'train')).subset({ end: 40 });
  for (const [producer, reader] of [['conv1', 'conv2'], ['conv2', 'fc1']]) {
    const group = groupOf(model, producer);
    const [s] = sampleContributions(model, group, data, { samples: 300, seed: 3, images: 40 });
    assert.is(s.consumer.node, reader);
    assert.is(s.consumer.units, group.units);
    // Recompute every sampled output with a real forward pass: it must equal Σ_u x̂_u + bias.
    const plan = planSamples(s.consumer, 40, 300, 3 + 7919);
    const chosen = new Rng(3).shuffle(Int32Array.from({ length: 40 }, (_, i) => i));
    const x = new Float32Array(40 * data.sampleSize);
    data.fillBatch(x, null, chosen);
    model.forward(40, { x });
    const out = model.activation(reader).toArray();
    const bias = model.params.value(reader, 'bias').toArray();
    const per = s.consumer.OH * s.consumer.OW;
    for (let r = 0; r < 300; r++) {
      const want = out[(plan.image[r] * s.consumer.OC + plan.channel[r]) * per + plan.location[r]] - bias[plan.channel[r]];
      let sum = 0;
      for (let u = 0; u < group.units; u++) sum += s.xhat[r * group.units + u];
      assert.ok(Math.abs(sum - want) < 1e-4 * (1 + Math.abs(want)), `${reader} row ${r}: Σx̂ ${sum}, output − bias ${want}`);
      assert.ok(Math.abs(s.y[r] - want) < 1e-4 * (1 + Math.abs(want)), `${reader} row ${r}: ŷ ${s.y[r]}, output − bias ${want}`);
    }
    const again = sampleContributions(model, group, data, { samples: 300, seed: 3, images: 40, batchSize: 7 })[0];
    assert.equal([...again.xhat], [...s.xhat], 'same seed, other batching: the same samples');
    const other = sampleContributions(model, group, data, { samples: 300, seed: 4, images: 40 })[0];
    assert.not.equal([...other.y], [...s.y], 'another seed, other samples');
  }
  model.dispose();
});

test('sampleBatch only writes the rows of its own images', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(residualNet()), k, { seed: 2 });
  assert.equal(consumersOf(model, groupOf(model, 'c')).map((c) => [c.node, c.C, c.perUnit]), [['fc', 5, 1]], "'c' reaches fc through a global pool and Flatten");
  const consumer = consumersOf(model, groupOf(model, 'a')).find((x) => x.node === 'c')!;
  const plan = planSamples(consumer, 10, 50, 1);
  const xhat = new Float32Array(50 * consumer.units).fill(NaN);
  const y = new Float32Array(50).fill(NaN);
  const x = k.from(new Rng(1).f32(3 * consumer.C * consumer.H * consumer.W), [3, consumer.C, consumer.H, consumer.W]);
  const filled = sampleBatch(consumer, model.params.value('c', 'weight'), x, 4, 3, plan, xhat, y);
  const mine = [...plan.image].filter((i) => i >= 4 && i < 7).length;
  assert.is(filled, mine);
  plan.image.forEach((img, r) => assert.is(Number.isNaN(y[r]), img < 4 || img >= 7, `row ${r}, image ${img}`));
  model.dispose();
});

test('an Add-coupled group is sampled at every reader and the objective sums over them', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(residualNet()), k, { seed: 3 });
  const group = groupOf(model, 'a');
  assert.equal(group.producers.sort(), ['a', 'b']);
  const samples = sampleContributions(model, group, images(30, 1), { samples: 400, seed: 1 });
  assert.equal(samples.map((s) => s.consumer.node).sort(), ['b', 'c']);
  const both = selectUnits(k, samples, 3, { leastSquares: false });
  const objective = (T: number[]) => samples.reduce((tot, s) => {
    for (let r = 0; r < 400; r++) {
      let v = 0;
      for (const t of T) v += s.xhat[r * 6 + t];
      tot += v * v;
    }
    return tot;
  }, 0);
  assert.ok(Math.abs(both.objective - objective(both.remove)) < 1e-3 * objective(both.remove), 'objective = Σ over readers');
  // Greedy on the sum is at least as good as a greedy made for either reader alone, on the sum.
  for (const one of samples) {
    const alone = selectUnits(k, [one], 3, { leastSquares: false });
    assert.ok(both.objective <= objective(alone.remove) * (1 + 1e-6), `${one.consumer.node} alone`);
  }
  model.dispose();
});

test('least squares lowers the pruned net\'s output error; ThiNet\'s choice beats random ones on its objective', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(residualNet()), k, { seed: 4 });
  const train = images(200, 2);
  const held = images(100, 3);
  const plain = thinetStep(model, groupOf(model, 'a'), train, 3, { samples: 4000, seed: 5, leastSquares: false });
  const fitted = thinetStep(model, groupOf(model, 'a'), train, 3, { samples: 4000, seed: 5 });
  assert.equal(fitted.selection.remove, plain.selection.remove, 'least squares does not change the choice');
  assert.equal(fitted.selection.reweighting.map((r) => r.status), ['solved', 'solved']);
  const ePlain = outputError(model, plain.model, held);
  const eFitted = outputError(model, fitted.model, held);
  console.log(`  residual net, 3 of 6 channels of a+b removed: output MSE ${ePlain.toExponential(3)} unweighted, ${eFitted.toExponential(3)} reweighted`);
  assert.ok(eFitted < ePlain, `reweighted ${eFitted} < unweighted ${ePlain}`);
  // Without least squares the kept weights are exactly the old ones.
  const direct = removeUnits(model, [{ group: groupOf(model, 'a'), units: plain.selection.remove }]).model;
  assert.equal([...direct.params.values.f32()], [...plain.model.params.values.f32()]);
  // Random removal sets of the same size do worse on the sampled objective.
  const samples = sampleContributions(model, groupOf(model, 'a'), train, { samples: 4000, seed: 5 });
  const obj = (T: number[]) => samples.reduce((tot, s) => {
    for (let r = 0; r < 4000; r++) { let v = 0; for (const t of T) v += s.xhat[r * 6 + t]; tot += v * v; }
    return tot;
  }, 0);
  const rng = new Rng(9);
  let beaten = 0;
  for (let i = 0; i < 20; i++) if (obj(rng.shuffle([0, 1, 2, 3, 4, 5]).slice(0, 3)) >= plain.selection.objective * (1 - 1e-6)) beaten++;
  assert.is(beaten, 20);
  for (const m of [model, plain.model, fitted.model, direct]) m.dispose();
});

test('thinetPrune: layer by layer in graph order, fine-tuning between, the input model untouched', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5()), k, { seed: 6 });
  const before = model.params.values.toArray();
  const data = (await loadBuiltin('mnist', 'train')).subset({ end: 100 });
  const tuned: string[] = [];
  const { model: pruned, layers } = await thinetPrune(model, data, {
    ratio: 0.5, samples: 500, seed: 1,
    fineTune: async (m, layer) => { await new Promise((r) => setTimeout(r, 5)); tuned.push(`${layer}:${m.graph.node(layer).outputShape[0]}`); },
  });
  assert.equal(tuned, ['conv1:10', 'conv2:25']);
  assert.equal(layers.map((l) => [l.layer, l.unitsBefore, l.removed.length]), [['conv1', 20, 10], ['conv2', 50, 25]]);
  assert.equal(layers.map((l) => l.reweighting.map((r) => `${r.consumer}:${r.status}`)), [['conv2:solved'], ['fc1:solved']]);
  assert.is(pruned.graph.paramCount(), 10 * 25 + 10 + 25 * 10 * 25 + 25 + 25 * 16 * 500 + 500 + 5010);
  assert.is(layers[1].flops, pruned.graph.flops());
  assert.equal(model.params.values.toArray(), before);
  const per = await thinetPrune(model, data, { perLayer: { conv2: 0.2 }, samples: 200, leastSquares: false });
  const twice = await thinetPrune(model, data, { flops: 2, samples: 200 });
  const reduction = model.graph.flops() / twice.model.graph.flops();
  assert.ok(Math.abs(reduction - 2) < 0.05, `a 2× FLOPs target gave ${reduction.toFixed(3)}×`);
  assert.is(twice.layers[0].ratio, twice.layers[1].ratio, 'one ratio for both layers');
  for (const l of twice.layers) assert.is(l.removed.length, Math.round(l.ratio * l.unitsBefore));
  twice.model.dispose();
  assert.equal(per.layers.map((l) => [l.layer, l.removed.length, l.reweighting.length]), [['conv2', 10, 0]]);

  // Sampling resizes the input model's workspace, so compare two identical failed runs.
  const failing = () => thinetPrune(model, data, { ratio: 0.5, samples: 100, fineTune: (_m, layer) => { if (layer === 'conv2') throw new Error('tuning failed'); } });
  await rejects(failing, /tuning failed/);
  const live = k.heap.liveBytes;
  await rejects(failing, /tuning failed/);
  assert.is(k.heap.liveBytes, live, 'a failed run frees the models it made');
  await rejects(() => thinetPrune(model, data, { ratio: 1 }), /thinet: ratio for 'conv1' must be in \[0, 1\), got 1/);
  await rejects(() => thinetPrune(model, data, { perLayer: { conv9: 0.5 } }), /thinet: no layer 'conv9' produces channels/);
  await rejects(() => thinetPrune(model, data, { perLayer: { fc2: 0.5 } }), /thinet: 'fc2' cannot be pruned: 'fc2' is a graph output/);
  await rejects(() => thinetPrune(model, data, { ratio: 0.5, samples: 0 }), /thinet: samples must be an integer ≥ 1, got 0/);
  await rejects(() => thinetPrune(model, images(10, 1), { ratio: 0.5 }), /thinet: dataset 'toy' has samples of shape \[3,8,8\], the model's input 'image' is \[1,28,28\]/);
  await rejects(() => thinetPrune(model, data, {}), /thinet: give a ratio, perLayer ratios or a FLOPs target/);
  await rejects(() => thinetPrune(model, data, { flops: 1 }), /FLOPs target must be a reduction factor > 1 \(2 for half the FLOPs\), got 1/);
  await rejects(() => thinetPrune(model, data, { flops: 1000 }), /FLOPs target 1000× is out of reach: removing all but one unit of each chosen group gives \d+\.\d\d×/);
  for (const m of [model, pruned, per.model]) m.dispose();
});

test('selectUnits: duplicate kept channels fall back to ŵ = 1 by name; non-finite samples and bad counts are refused', async () => {
  const [{ k }] = await backends();
  const rng = new Rng(11);
  const m = 50, U = 4;
  const net = new Model(new Graph(residualNet()), k);
  const consumer = { ...consumersOf(net, groupOf(net, 'c'))[0], units: U };
  net.dispose();
  const xhat = new Float32Array(m * U);
  for (let r = 0; r < m; r++) {
    const v = rng.uniform(1, 2);
    xhat.set([v, v, 3 * rng.uniform(), 0.01 * rng.uniform()], r * U); // units 0 and 1 identical, 3 tiny
  }
  const s = selectUnits(k, [{ consumer, xhat, y: new Float32Array(m) }], 1, { ridge: 0 });
  assert.equal(s.remove, [3]);
  assert.equal(s.keep, [0, 1, 2]);
  const [r] = s.reweighting;
  assert.is(r.status, 'fallback');
  assert.match((r as { reason: string }).reason, /choleskySolve: the 3×3 system \(\+ ridge 0\) is not positive definite: pivot 1/);
  const rescued = selectUnits(k, [{ consumer, xhat, y: new Float32Array(m) }], 1, { ridge: 1e-3 });
  assert.is(rescued.reweighting[0].status, 'solved', 'a ridge makes it solvable');
  const bad = xhat.slice();
  bad[5] = NaN;
  assert.throws(() => selectUnits(k, [{ consumer, xhat: bad, y: new Float32Array(m) }], 1), /thinet: the samples of 'fc' are not finite \(unit 1\)/);
  assert.throws(() => selectUnits(k, [{ consumer, xhat, y: new Float32Array(m) }], 4), /thinet: cannot remove 4 of 4 units/);
  assert.throws(() => selectUnits(k, [{ consumer, xhat, y: new Float32Array(m) }], 1, { ridge: -1 }), /thinet: ridge must be a finite number ≥ 0, got -1/);
});

test('thinetScores rank units so that the lowest `count` are ThiNet\'s removal set at that count', async () => {
  const [{ k }] = await backends();
  const model = new Model(new Graph(residualNet()), k, { seed: 8 });
  const data = images(40, 4);
  const group = groupOf(model, 'a');
  const scores = thinetScores(model, group, data, { samples: 500, seed: 2 });
  assert.equal([...scores].sort(), [0, 1, 2, 3, 4, 5]);
  for (const count of [1, 3, 5]) {
    const { selection, model: m } = thinetStep(model, group, data, count, { samples: 500, seed: 2, leastSquares: false });
    assert.equal(lowest(scores, count).sort(), [...selection.remove].sort(), `count ${count}`);
    m.dispose();
  }
  // As a filter-pruning score: the same units go.
  const { cuts, model: cut } = pruneFilters(model, { ratio: 0.5, layers: ['a'], score: (m, g) => thinetScores(m, g, data, { samples: 500, seed: 2 }) });
  assert.equal([...cuts[0].units].sort(), lowest(scores, 3).sort());
  for (const m of [model, cut]) m.dispose();
});

test('thinetPrune on dense layers and on maxout units (4 neurons a unit, one column of the reader each)', async () => {
  const [{ k }] = await backends();
  const data = (await loadBuiltin('mnist', 'train')).subset({ end: 50 });
  for (const [net, layer, units, per] of [[lenet300100, 'fc1', 300, 1], [lenet5Maxout, 'fc1', 125, 1]] as const) {
    const model = new Model(new Graph(net()), k, { seed: 9 });
    const [reader] = consumersOf(model, groupOf(model, layer));
    assert.is(reader.units, units);
    assert.is(reader.perUnit, per);
    const { model: pruned, layers } = await thinetPrune(model, data, { perLayer: { [layer]: 0.2 }, samples: 400, seed: 1 });
    assert.equal(layers.map((l) => [l.unitsBefore, l.removed.length, l.reweighting.map((r) => r.status)]), [[units, units / 5, ['solved']]]);
    assert.is(consumersOf(pruned, groupOf(pruned, layer))[0].units, units - units / 5);
    for (const m of [model, pruned]) m.dispose();
  }
});

test('thinetPrune on an imported ONNX model with batch norm: every conv block shrinks, the output stays close', async () => {
  const [{ k }] = await backends();
  const native = new Model(new Graph(vggSmall()), k, { seed: 7 });
  const model = importOnnx(exportOnnx(native), k);
  const data = (await loadBuiltin('mnist', 'train')).subset({ end: 30 });
  const { model: pruned, layers } = await thinetPrune(model, data, { ratio: 0.25, samples: 300, seed: 2 });
  assert.is(layers.length, 5);
  for (const l of layers) {
    assert.is(l.removed.length, Math.round(0.25 * l.unitsBefore), l.layer);
    assert.ok(l.reweighting.every((r) => r.status === 'solved'), `${l.layer}: ${l.reweighting.map((r) => r.status)}`);
  }
  assert.ok(pruned.graph.flops() < 0.7 * model.graph.flops());
  const e = outputError(model, pruned, data.subset({ end: 10 }));
  assert.ok(Number.isFinite(e), `output error ${e}`);
  for (const m of [native, model, pruned]) m.dispose();
});

test.run();
