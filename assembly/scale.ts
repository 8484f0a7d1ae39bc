// p[i] *= alpha for i < n, in place: shared by the reductions, batch norm and the statistics
// kernels. Internal: not exported from the module (index.ts).

export function scaleInPlace(p: usize, alpha: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.mul(v128.load(p + o), va));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(p + o, load<f32>(p + o) * alpha);
  }
}
