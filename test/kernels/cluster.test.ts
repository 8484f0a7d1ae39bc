// Weight-sharing kernels against their twins on every build (awkward sizes, pruned elements,
// empty clusters), and the ops' errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { clusterApply, clusterGradSum } from '../../src/kernels/ops/cluster.js';

const assignment = (rng: Rng, n: number, K: number) => Int32Array.from({ length: n }, () => (rng.next() < 0.3 ? -1 : rng.int(0, K - 1)));

test('f32_cluster_grad_sum and f32_cluster_apply match their twins', async () => {
  const rng = new Rng(12);
  for (const { k } of await backends()) {
    for (const n of [1, 3, 7, 17, 129, 4000]) {
      for (const K of [1, 2, 32, 256]) {
        const assign = assignment(rng, n, K);
        twin(k, 'f32_cluster_grad_sum', [rng.f32(K), rng.f32(n), assign, n, K], `n${n} K${K}`, { atol: 1e-5, rtol: 1e-5 });
        twin(k, 'f32_cluster_apply', [rng.f32(n), rng.f32(K), assign, n], `n${n} K${K}`, { atol: 0, rtol: 0 });
      }
    }
  }
});

test('the ops check assignments and sizes, naming the op', async () => {
  const { k } = (await backends())[0];
  const g = k.from([1, 2, 3]);
  const out = k.tensor([2]);
  assert.equal([...clusterGradSum(out, g, k.from([0, -1, 0], [3], 'i32')).f32()], [4, 0]);
  assert.throws(() => clusterGradSum(out, g, k.from([0, 2, 0], [3], 'i32')), /clusterGradSum: 'assign'\[1\] is 2, allowed −1 \(pruned\) or 0–1/);
  assert.throws(() => clusterApply(g, out, k.from([0, 1], [2], 'i32')), /clusterApply: 'assign' has 2 elements/);
  assert.throws(() => clusterApply(g, out, k.from([0, 1, 0])), /clusterApply/);
});

test.run();
