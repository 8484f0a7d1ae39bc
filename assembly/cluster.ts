// Weight sharing kernels (Deep Compression, Han et al. 2016): the gradient of each shared weight
// summed over its members, and the shared weights written back; spec: src/kernels/reference/cluster.ts.
// assign[i] is the cluster of element i, or −1 for a pruned element (it stays exactly 0).

/** out[c] = Σ_{i : assign[i] = c} g[i] for c in [0, K); out is overwritten. */
export function f32_cluster_grad_sum(
  out: usize, // [K]
  g: usize, // [n]
  assign: usize, // i32 [n], −1 or in [0, K)
  n: i32,
  K: i32,
): void {
  for (let c = 0; c < K; c++) store<f32>(out + (<usize>c << 2), 0);
  for (let i = 0; i < n; i++) {
    const a = load<i32>(assign + (<usize>i << 2));
    if (a < 0) continue;
    const o = out + (<usize>a << 2);
    store<f32>(o, load<f32>(o) + load<f32>(g + (<usize>i << 2)));
  }
}

/** w[i] = centroids[assign[i]], or 0 where assign[i] = −1. */
export function f32_cluster_apply(
  w: usize, // [n]
  centroids: usize, // [K]
  assign: usize, // i32 [n]
  n: i32,
): void {
  for (let i = 0; i < n; i++) {
    const a = load<i32>(assign + (<usize>i << 2));
    store<f32>(w + (<usize>i << 2), a < 0 ? 0 : load<f32>(centroids + (<usize>a << 2)));
  }
}
