// Dense, ReLU and Flatten: shapes, errors, and backward against finite differences.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheck, gradCheckLayer } from '../helpers/gradcheck.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Relu } from '../../src/nn/layers/relu.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Graph } from '../../src/graph/graph.js';

test('Dense backward matches finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Dense({ units: 7 }), [[5]], { batch: 3 });
    gradCheckLayer(k, new Dense({ units: 1, bias: false }), [[9]], { batch: 1 });
    gradCheckLayer(k, new Dense({ units: 33 }), [[17]], { batch: 5 });
  }
});

test('ReLU and Flatten backward match finite differences (inputs away from the kink)', async () => {
  const awayFromZero = (rng: { uniform(a: number, b: number): number }, n: number) =>
    Float32Array.from({ length: n }, () => { const v = rng.uniform(0.1, 1); return rng.uniform(-1, 1) < 0 ? -v : v; });
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Relu(), [[3, 4, 5]], { input: awayFromZero });
    gradCheckLayer(k, new Flatten(), [[2, 3, 4]]);
  }
});

test('a small MLP with a value read twice (residual sum through Dense) checks end to end', async () => {
  for (const { k } of await backends()) {
    gradCheck(k, {
      name: 'mlp',
      inputs: [{ name: 'x', shape: [2, 3] }],
      nodes: [
        { name: 'flat', layer: new Flatten(), inputs: ['x'] },
        { name: 'fc1', layer: new Dense({ units: 8 }), inputs: ['flat'] },
        { name: 'fc2', layer: new Dense({ units: 8 }), inputs: ['fc1'] },
        { name: 'fc3', layer: new Dense({ units: 4 }), inputs: ['fc1'] },
        { name: 'fc4', layer: new Dense({ units: 4 }), inputs: ['fc2'] },
      ],
      outputs: ['fc4'],
    }, { batch: 3 });
  }
});

test('graph and layer errors name the node, op and shapes', () => {
  assert.throws(() => new Dense({ units: 0 }), /Dense: 'units' must be an integer ≥ 1, got 0/);
  const make = (nodes: ConstructorParameters<typeof Graph>[0]['nodes'], outputs = ['a']) =>
    new Graph({ name: 'g', inputs: [{ name: 'x', shape: [4] }], nodes, outputs });
  assert.throws(() => make([{ name: 'a', layer: new Dense({ units: 2 }), inputs: ['nope'] }]),
    /graph 'g': node 'a' \(Dense\) reads 'nope', which is neither an input nor a node/);
  assert.throws(() => make([
    { name: 'a', layer: new Dense({ units: 4 }), inputs: ['b'] },
    { name: 'b', layer: new Dense({ units: 4 }), inputs: ['a'] },
  ]), /graph 'g': cycle a → b → a/);
  assert.throws(() => make([{ name: 'a', layer: new Dense({ units: 2 }), inputs: ['x'] }, { name: 'a', layer: new Relu(), inputs: ['x'] }]),
    /the name 'a' is used twice/);
  assert.throws(() => new Graph({ name: 'g', inputs: [{ name: 'x', shape: [3, 4] }], nodes: [{ name: 'a', layer: new Dense({ units: 2 }), inputs: ['x'] }], outputs: ['a'] }),
    /node 'a' \(Dense\) on input shapes \[3,4\]: Dense expects a rank-1 input per sample \(flatten first\), got \[3,4\]/);
  assert.throws(() => make([{ name: 'a', layer: new Relu(), inputs: ['x', 'x'] }]), /node 'a' \(Relu\) takes 1 inputs, got 2/);
  assert.throws(() => make([{ name: 'a', layer: new Relu(), inputs: ['x'] }], ['zz']), /output 'zz' is not a node/);
});

test.run();
