// ThiNet end to end on resnet-small (src/nn/nets.ts), whose stem and block convs are coupled
// through Adds: a coupled group is sampled at every reader of the sum, its objective is the sum
// of theirs, removal takes the same channels from every producer, batch norm and reader, least
// squares scales every reader, and the whole net prunes layer by layer to a FLOPs target.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { resnetSmall } from '../../src/nn/nets.js';
import { dependencyGroups, type ChannelGroup } from '../../src/graph/dependency.js';
import { removeUnits } from '../../src/prune/surgery.js';
import { sampleContributions } from '../../src/prune/thinet/sample.js';
import { thinetPrune, thinetStep } from '../../src/prune/thinet/prune.js';
import { loadBuiltin } from '../../src/node/data.js';
import type { Dataset } from '../../src/nn/data/dataset.js';

const groupOf = (m: Model, name: string): ChannelGroup => dependencyGroups(m.graph).find((g) => g.producers.includes(name))!;

function outputs(model: Model, data: Dataset): Float32Array {
  const x = new Float32Array(data.size * data.sampleSize);
  data.fillBatch(x, null, Int32Array.from({ length: data.size }, (_, i) => i));
  return model.forward(data.size, { x }).f32().slice();
}
const mse = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;

test('resnet-small: the stem and block1.conv2 (coupled by an Add) are pruned together, the objective summed over both readers', async () => {
  const [{ k }] = await backends();
  const all = await loadBuiltin('fashion-mnist', 'train');
  const data = all.subset({ end: 120 });
  const held = all.subset({ start: 1000, end: 1100 });
  const model = new Model(new Graph(resnetSmall()), k, { seed: 2 });
  const group = groupOf(model, 'stem');
  assert.equal([...group.producers].sort(), ['block1.conv2', 'stem']);
  const options = { samples: 3000, seed: 4 };
  const samples = sampleContributions(model, group, data, options);
  assert.equal(samples.map((s) => s.consumer.node).sort(), ['block1.conv1', 'conv2'], 'the readers of stem.relu and of block1.relu');
  const fitted = thinetStep(model, group, data, 6, options);
  const plain = thinetStep(model, group, data, 6, { ...options, leastSquares: false });
  assert.equal(fitted.selection.remove, plain.selection.remove);
  // The objective is ‖Σ_{t∈T} x̂_t‖² summed over both readers, computed here from the samples.
  const objective = samples.reduce((tot, s) => {
    for (let r = 0; r < 3000; r++) {
      let v = 0;
      for (const t of fitted.selection.remove) v += s.xhat[r * 16 + t];
      tot += v * v;
    }
    return tot;
  }, 0);
  assert.ok(Math.abs(fitted.selection.objective - objective) <= 1e-4 * objective, `objective ${fitted.selection.objective} vs Σ over readers ${objective}`);
  const objectiveOf = (i: number) => {
    let tot = 0;
    for (let r = 0; r < 3000; r++) { let v = 0; for (const t of fitted.selection.remove) v += samples[i].xhat[r * 16 + t]; tot += v * v; }
    return tot;
  };
  assert.ok(objectiveOf(0) > 0 && objectiveOf(1) > 0 && objectiveOf(0) < objective, 'both readers add to it');
  // Every producer, batch norm and reader of the group loses the same 6 channels.
  const g = fitted.model.graph;
  for (const node of ['stem', 'block1.conv2', 'stem.bn', 'block1.conv2.bn', 'block1.add']) assert.is(g.node(node).outputShape[0], 10, node);
  for (const node of ['block1.conv1', 'conv2']) assert.is(g.node(node).inputShapes[0][0], 10, node);
  assert.equal(fitted.selection.reweighting.map((r) => `${r.consumer}:${r.status}`).sort(), ['block1.conv1:solved', 'conv2:solved']);
  // Removal without reweighting keeps the old weights exactly; least squares lowers the output error.
  const direct = removeUnits(model, [{ group, units: plain.selection.remove }]).model;
  assert.equal([...direct.params.values.f32()], [...plain.model.params.values.f32()]);
  const dense = outputs(model, held);
  const ePlain = mse(dense, outputs(plain.model, held));
  const eFitted = mse(dense, outputs(fitted.model, held));
  console.log(`  resnet-small, 6 of 16 stem/block1 channels removed: output MSE ${ePlain.toExponential(3)} unweighted, ${eFitted.toExponential(3)} reweighted`);
  assert.ok(eFitted < ePlain, `reweighted ${eFitted} < unweighted ${ePlain}`);
  for (const m of [model, fitted.model, plain.model, direct]) m.dispose();
});

test('resnet-small: thinetPrune to 2× fewer FLOPs goes through both Add-coupled groups and leaves a net that runs', async () => {
  const [{ k }] = await backends();
  const data = (await loadBuiltin('fashion-mnist', 'train')).subset({ end: 100 });
  const model = new Model(new Graph(resnetSmall()), k, { seed: 3 });
  const before = model.params.values.toArray();
  const { model: pruned, layers } = await thinetPrune(model, data, { flops: 2, samples: 1500, seed: 1 });
  assert.equal(layers.map((l) => l.layer), ['block1.conv1', 'block1.conv2', 'block2.conv1', 'block2.conv2'], 'groups in graph order, named by their first producer');
  const coupled = layers.filter((l) => l.producers.length === 2);
  assert.equal(coupled.map((l) => [...l.producers].sort()), [['block1.conv2', 'stem'], ['block2.conv2', 'conv2']]);
  assert.equal(coupled.map((l) => l.reweighting.map((r) => r.consumer).sort()), [['block1.conv1', 'conv2'], ['block2.conv1', 'fc']]);
  const reduction = model.graph.flops() / pruned.graph.flops();
  assert.ok(Math.abs(reduction - 2) < 0.1, `2× FLOPs target gave ${reduction.toFixed(3)}×`);
  assert.is(pruned.graph.node('fc').inputShapes[0][0], pruned.graph.node('block2.conv2').outputShape[0]);
  const y = outputs(pruned, data.subset({ end: 10 }));
  assert.is(y.length, 100);
  assert.ok(y.every(Number.isFinite));
  assert.equal(model.params.values.toArray(), before, 'the input model is untouched');
  model.dispose();
  pruned.dispose();
});

test.run();
