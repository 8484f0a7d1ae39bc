// One-dimensional k-means (Lloyd) for weight sharing: linear initialisation over [min, max], as
// Han et al. found best for keeping the large, rare weights. Deterministic; no wasm needed (the
// values are sorted once, then every iteration is one sweep).

export interface Clustering {
  /** k centroids, increasing. */
  centroids: Float32Array;
  /** Per value, its centroid (the nearest; ties to the lower). */
  assign: Int32Array;
  iterations: number;
}

/** k-means of `values` into k clusters, until no value changes cluster or `maxIterations` sweeps. */
export function kmeans1d(values: Float32Array, k: number, maxIterations = 100): Clustering {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`kmeans1d: 'k' must be an integer ≥ 1, got ${k}`);
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`kmeans1d: value ${i} is ${values[i]}`);
    order[i] = i;
  }
  order.sort((a, b) => values[a] - values[b]);
  const sorted = Float64Array.from(order, (i) => values[i]);
  const lo = n ? sorted[0] : 0;
  const hi = n ? sorted[n - 1] : 0;
  const c = Float64Array.from({ length: k }, (_, j) => (k === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * j) / (k - 1)));
  // First sorted value of each cluster: clusters of sorted data are contiguous runs.
  let starts: Int32Array = new Int32Array(k + 1).fill(-1);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const next = boundaries(sorted, c);
    const same = next.every((s, j) => s === starts[j]);
    starts = next;
    if (same) break;
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let i = starts[j]; i < starts[j + 1]; i++) sum += sorted[i];
      if (starts[j + 1] > starts[j]) c[j] = sum / (starts[j + 1] - starts[j]); // an empty cluster keeps its centroid
    }
    c.sort();
  }
  const assign = new Int32Array(n);
  for (let j = 0; j < k; j++) for (let i = starts[j]; i < starts[j + 1]; i++) assign[order[i]] = j;
  return { centroids: Float32Array.from(c), assign, iterations };
}

// starts[j] = first index of sorted data nearer c[j] than c[j − 1]; starts[k] = n.
function boundaries(sorted: Float64Array, c: Float64Array): Int32Array {
  const k = c.length;
  const starts = new Int32Array(k + 1);
  let i = 0;
  for (let j = 0; j < k; j++) {
    starts[j] = i;
    if (j + 1 < k) {
      const mid = (c[j] + c[j + 1]) / 2;
      while (i < sorted.length && sorted[i] <= mid) i++;
    }
  }
  starts[k] = sorted.length;
  return starts;
}
