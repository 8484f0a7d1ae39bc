// 1-D k-means: linear initialisation, convergence to a Lloyd fixed point, nearest assignment,
// degenerate inputs (fewer values than clusters, all equal, empty).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../helpers/rng.js';
import { kmeans1d } from '../../src/compress/kmeans.js';

test('separated groups are found exactly; each value goes to its nearest centroid', () => {
  const values = Float32Array.from([-1, -1.1, -0.9, 2, 2.1, 1.9, 5]);
  const { centroids, assign } = kmeans1d(values, 3);
  assert.equal([...centroids].map((c) => +c.toFixed(4)), [-1, 2, 5]);
  assert.equal([...assign], [0, 0, 0, 1, 1, 1, 2]);
});

test('a Lloyd fixed point: centroids are their members\' means, assignments nearest', () => {
  const rng = new Rng(3);
  const values = Float32Array.from({ length: 5000 }, () => (rng.next() + rng.next() + rng.next() - 1.5) * 0.1);
  const k = 32;
  const { centroids, assign, iterations } = kmeans1d(values, k, 300);
  assert.ok(iterations < 300);
  for (let i = 1; i < k; i++) assert.ok(centroids[i] >= centroids[i - 1], 'increasing');
  const sum = new Float64Array(k), n = new Float64Array(k);
  values.forEach((v, i) => {
    sum[assign[i]] += v;
    n[assign[i]]++;
    const d = Math.abs(v - centroids[assign[i]]);
    for (const c of centroids) assert.ok(d <= Math.abs(v - c) + 1e-6);
  });
  for (let j = 0; j < k; j++) if (n[j]) assert.ok(Math.abs(sum[j] / n[j] - centroids[j]) < 1e-6, `cluster ${j}`);
});

test('linear initialisation over [min, max]: with no iterations the centroids span the range', () => {
  const { centroids } = kmeans1d(Float32Array.from([0, 1, 4]), 5, 0);
  assert.equal([...centroids], [0, 1, 2, 3, 4]);
});

test('degenerate inputs: fewer values than clusters, all equal, none', () => {
  assert.equal([...kmeans1d(Float32Array.from([3, 3, 3]), 4).assign], [0, 0, 0]);
  const few = kmeans1d(Float32Array.from([1, 2]), 8);
  assert.is(few.centroids[few.assign[0]], 1);
  assert.is(few.centroids[few.assign[1]], 2);
  assert.is(kmeans1d(new Float32Array(0), 4).assign.length, 0);
  assert.throws(() => kmeans1d(Float32Array.from([1]), 0), /'k' must be an integer ≥ 1/);
  assert.throws(() => kmeans1d(Float32Array.from([1, NaN]), 2), /value 1 is NaN/);
});

test.run();
