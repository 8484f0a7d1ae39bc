// Plain-TypeScript twins of the weight-sharing kernels (assembly/cluster.ts): the spec.

/** out[c] = Σ_{i : assign[i] = c} g[i]; assign[i] = −1 (pruned) adds nowhere. */
export function f32_cluster_grad_sum(out: Float32Array, g: Float32Array, assign: Int32Array, n: number, K: number): void {
  out.fill(0, 0, K);
  for (let i = 0; i < n; i++) if (assign[i] >= 0) out[assign[i]] = Math.fround(out[assign[i]] + g[i]);
}

/** w[i] = centroids[assign[i]], 0 where assign[i] = −1. */
export function f32_cluster_apply(w: Float32Array, centroids: Float32Array, assign: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) w[i] = assign[i] < 0 ? 0 : centroids[assign[i]];
}
