// Add: backward against finite differences (2 and 3 inputs, and a value added to itself), forward,
// FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheck, gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { Graph } from '../../src/graph/graph.js';
import { Add } from '../../src/nn/layers/add.js';
import { Dense } from '../../src/nn/layers/dense.js';

test('Add backward matches finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Add(), [[3, 4, 4], [3, 4, 4]], { batch: 2 });
    gradCheckLayer(k, new Add(), [[5], [5], [5]], { batch: 3 });
    gradCheckLayer(k, new Add(), Array.from({ length: 8 }, () => [3]), { batch: 2 });
  }
});

test('Add of a value with itself, Add(x, y, x), and a residual join check end to end', async () => {
  for (const { k } of await backends()) {
    const x = { name: 'x', shape: [6] };
    const y = { name: 'y', shape: [6] };
    gradCheck(k, { name: 'add-xx', inputs: [x], nodes: [{ name: 's', layer: new Add(), inputs: ['x', 'x'] }], outputs: ['s'] }, { batch: 2 });
    gradCheck(k, { name: 'add-xyx', inputs: [x, y], nodes: [{ name: 's', layer: new Add(), inputs: ['x', 'y', 'x'] }], outputs: ['s'] }, { batch: 3 });
    gradCheck(k, {
      name: 'residual',
      inputs: [x],
      nodes: [
        { name: 'fc1', layer: new Dense({ units: 6 }), inputs: ['x'] },
        { name: 'fc2', layer: new Dense({ units: 6 }), inputs: ['fc1'] },
        { name: 'sum', layer: new Add(), inputs: ['fc1', 'fc2', 'fc1'] },
        { name: 'out', layer: new Dense({ units: 3 }), inputs: ['sum'] },
      ],
      outputs: ['out'],
    }, { batch: 2 });
  }
});

test('Add forward is the element-wise sum', async () => {
  const rng = new Rng(1);
  for (const { k } of await backends()) {
    const xs = [rng.f32(24), rng.f32(24), rng.f32(24)];
    const run = runLayer(k, new Add(), [[2, 3, 2], [2, 3, 2], [2, 3, 2]], xs, { batch: 2 });
    assertClose(run.y, xs[0].map((v, i) => v + xs[1][i] + xs[2][i]), 'Add', { atol: 1e-6 });
    run.model.dispose();
  }
});

test('Add FLOPs and attrs', () => {
  assert.is(new Add().flops([[4, 8, 8], [4, 8, 8]]), 256);
  assert.is(new Add().flops([[10], [10], [10]]), 20);
  assert.equal(new Add().attrs(), {});
  assert.equal(new Add().arity(), { min: 2, max: 8 });
});

test('Add throws when input shapes or the number of inputs are bad', () => {
  assert.throws(() => new Add().outputShape([[3, 4], [3, 5]]), /Add needs inputs of one shape: input 1 is \[3,5\], input 0 is \[3,4\]/);
  assert.throws(() => new Add().outputShape([[3], [3], [3, 1]]), /Add needs inputs of one shape: input 2 is \[3,1\], input 0 is \[3\]/);
  assert.throws(() => new Add({ axis: 0 } as never), /Add: unknown option 'axis'; known: \(none\)/);
  assert.throws(() => new Graph({ name: 'g', inputs: [{ name: 'x', shape: [3] }], nodes: [{ name: 's', layer: new Add(), inputs: ['x'] }], outputs: ['s'] }),
    /node 's' \(Add\) takes 2–8 inputs, got 1/);
});

test.run();
