// InstanceNorm and LayerNorm: backward (input, scale, bias) against finite differences, forward
// statistics, what pruning may cut, errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { InstanceNorm, LayerNorm } from '../../src/nn/layers/normalization.js';

test('InstanceNorm and LayerNorm backward match finite differences', async () => {
  const [{ k }] = await backends();
  gradCheckLayer(k, new InstanceNorm(), [[3, 2, 3]], { rtol: 1e-2 });
  gradCheckLayer(k, new InstanceNorm({ eps: 0.1 }), [[2, 5]], { rtol: 1e-2 });
  gradCheckLayer(k, new LayerNorm(), [[3, 4]], { rtol: 1e-2 });
  gradCheckLayer(k, new LayerNorm({ axis: 0, bias: false }), [[2, 2, 3]], { rtol: 1e-2 });
});

test('forward: each group comes out with mean 0 and variance 1 before the affine step', async () => {
  const [{ k }] = await backends();
  const x = Array.from({ length: 2 * 6 }, (_, i) => i * i * 0.1);
  const run = runLayer(k, new LayerNorm({ eps: 0 }), [[6]], [x], { batch: 2 });
  for (const g of [run.y.subarray(0, 6), run.y.subarray(6)]) {
    const mean = g.reduce((a, b) => a + b, 0) / 6;
    const v = g.reduce((a, b) => a + (b - mean) ** 2, 0) / 6;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(v - 1) < 1e-4, `mean ${mean}, variance ${v}`);
  }
  run.model.dispose();
});

test('pruning: instance-norm parameters are cut with the channels; layer norm over the channels is a barrier', () => {
  assert.equal(new InstanceNorm().params([[4, 2, 2]]).map((p) => p.cut), [{ out: 0 }, { out: 0 }]);
  assert.is(new InstanceNorm().channelFlow().kind, 'elementwise');
  assert.is(new LayerNorm({ axis: 0 }).channelFlow([[4, 3]]).kind, 'fixed');
  assert.is(new LayerNorm().channelFlow([[4, 3]]).kind, 'elementwise');
  assert.throws(() => new InstanceNorm().outputShape([[4]]), /InstanceNorm expects a per-sample input \[C, L\] or \[C, H, W\]/);
  assert.throws(() => new LayerNorm({ axis: 3 }).outputShape([[4, 3]]), /LayerNorm: axis 3 is outside a per-sample shape of rank 2/);
});

test.run();
