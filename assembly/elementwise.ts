// Element-wise f32 kernels (add, mul, axpy, scale, relu, leaky relu, clamp); spec:
// src/kernels/reference/elementwise.ts. Not broadcasting: every operand has n elements.
// Each kernel reads element i before writing it, so `out` may alias any input.

/** out[i] = a[i] + b[i]. */
export function f32_add(
  out: usize, // [n]
  a: usize, // [n]
  b: usize, // [n]
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** out[i] = a[i] · b[i]. */
export function f32_mul(
  out: usize, // [n]
  a: usize, // [n]
  b: usize, // [n]
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** y[i] += alpha · x[i]. NOTE: a multiply then an add (two roundings), no fused multiply-add. */
export function f32_axpy(
  y: usize, // [n], in-out
  x: usize, // [n]
  alpha: f32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** out[i] = alpha · x[i]. */
export function f32_scale(
  out: usize, // [n]
  x: usize, // [n]
  alpha: f32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.mul(va, v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, alpha * load<f32>(x + o));
  }
}

/** out[i] = max(x[i], 0). NOTE: f32.max and f32x4.max propagate NaN, so relu(NaN) = NaN. */
export function f32_relu_fwd(
  out: usize, // [n]
  x: usize, // [n]
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.max(v128.load(x + o), zero));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, max<f32>(load<f32>(x + o), 0));
  }
}

/** dx[i] = x[i] > 0 ? dy[i] : 0. NOTE: NaN > 0 is false, so no gradient passes at NaN. */
export function f32_relu_bwd(
  dx: usize, // [n]
  dy: usize, // [n]
  x: usize, // [n]
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** out[i] = x[i] > 0 ? x[i] : slope · x[i] (NaN stays NaN either way). */
export function f32_leaky_relu_fwd(
  out: usize, // [n]
  x: usize, // [n]
  slope: f32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    const vs = f32x4.splat(slope);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(out + o, v128.bitselect(v, f32x4.mul(vs, v), f32x4.gt(v, zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v > 0 ? v : slope * v);
  }
}

/** dx[i] = x[i] > 0 ? dy[i] : slope · dy[i]. */
export function f32_leaky_relu_bwd(
  dx: usize, // [n]
  dy: usize, // [n]
  x: usize, // [n]
  slope: f32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    const vs = f32x4.splat(slope);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(dx + o, v128.bitselect(g, f32x4.mul(vs, g), f32x4.gt(v128.load(x + o), zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(dx + o, load<f32>(x + o) > 0 ? g : slope * g);
  }
}

/** out[i] = min(max(x[i], lo), hi). NOTE: min/max propagate NaN, so clamp(NaN) = NaN. */
export function f32_clamp(
  out: usize, // [n]
  x: usize, // [n]
  lo: f32,
  hi: f32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo);
    const vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, min<f32>(max<f32>(load<f32>(x + o), lo), hi));
  }
}
