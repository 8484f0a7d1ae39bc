// Statistics of activations for data-driven pruning criteria: per-channel Σ a·g (Taylor), maxout
// win counts, and the pieces of streaming moments (column means and centring, column sums of
// squares, the parallel-moments merges; the cross-moment itself is f32_gemm of centred data).
// Spec: src/kernels/reference/stats.ts.

import { scaleInPlace } from './scale';

/** out[c] = Σ_b Σ_s a[b, c, s]·g[b, c, s] (f32 lanes within a channel plane, added in f64 across planes). */
export function f32_channel_dot(
  out: usize, // [C]
  a: usize, // [B, C, S]
  g: usize, // [B, C, S]
  B: i32,
  C: i32,
  S: i32,
): void {
  if (C <= 0) return;
  if (S == 1) {
    channelDotRows(out, a, g, B, C);
    return;
  }
  const slab = <usize>S << 2;
  for (let c = 0; c < C; c++) {
    let sum: f64 = 0;
    for (let b = 0; b < B; b++) {
      const at = (<usize>b * <usize>C + <usize>c) * slab;
      sum += <f64>dot(a + at, g + at, S);
    }
    store<f32>(out + (<usize>c << 2), <f32>sum);
  }
}

// Σ x[i]·y[i] over [0, n).
function dot(x: usize, y: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
    }
    const acc = f32x4.add(acc0, acc1);
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < n; i++) s += load<f32>(x + (<usize>i << 2)) * load<f32>(y + (<usize>i << 2));
  return s;
}

// a, g [B, C]: out[c] = Σ_b a[b, c]·g[b, c], vectorised over channels.
function channelDotRows(out: usize, a: usize, g: usize, B: i32, C: i32): void {
  const ld = <usize>C << 2;
  memory.fill(out, 0, ld);
  for (let b = 0; b < B; b++) {
    const at = <usize>b * ld;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v128.load(a + at + o), v128.load(g + at + o))));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(a + at + o) * load<f32>(g + at + o));
    }
  }
}

/** count[c·K + j] = how many argmax[b, c, s] equal j (the wins of neuron j of maxout unit c). */
export function i32_maxout_wins(
  count: usize, // i32 [C·K]
  argmax: usize, // i32 [B, C, S], entries in [0, K)
  B: i32,
  C: i32,
  K: i32,
  S: i32,
): void {
  memory.fill(count, 0, <usize>C * <usize>K << 2);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const row = argmax + ((<usize>(b * C + c) * <usize>S) << 2);
      const base = count + (<usize>(c * K) << 2);
      for (let s = 0; s < S; s++) {
        const j = load<i32>(row + (<usize>s << 2));
        const at = base + (<usize>j << 2);
        store<i32>(at, load<i32>(at) + 1);
      }
    }
  }
}

/** mean[p] = Σ_n x[n, p] / N, then x[n, p] −= mean[p] (in place): the batch's column means, and x centred on them. */
export function f32_column_mean_center(
  mean: usize, // [P]
  x: usize, // [N, P], centred in place
  N: i32,
  P: i32,
): void {
  const ld = <usize>P << 2;
  memory.fill(mean, 0, ld);
  if (N <= 0) return;
  for (let n = 0; n < N; n++) addRow(mean, x + <usize>n * ld, P, 1);
  const inv: f32 = <f32>1 / <f32>N;
  scaleInPlace(mean, inv, P);
  for (let n = 0; n < N; n++) addRow(x + <usize>n * ld, mean, P, -1);
}

/** out[p] = Σ_n x[n, p]² (for centred x: the batch's sums of squared deviations). */
export function f32_column_sumsq(
  out: usize, // [P]
  x: usize, // [N, P]
  N: i32,
  P: i32,
): void {
  const ld = <usize>P << 2;
  memory.fill(out, 0, ld);
  for (let n = 0; n < N; n++) {
    const row = x + <usize>n * ld;
    let p = 0;
    if (ASC_FEATURE_SIMD) {
      for (; p + 4 <= P; p += 4) {
        const o = <usize>p << 2;
        const v = v128.load(row + o);
        v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v, v)));
      }
    }
    for (; p < P; p++) {
      const o = <usize>p << 2;
      const v = load<f32>(row + o);
      store<f32>(out + o, load<f32>(out + o) + v * v);
    }
  }
}

/**
 * Merges a batch's moments (nB samples: meanB, m2B) into the running ones (nA samples), the
 * parallel-moments formula (Chan et al.): δ = meanB − mean, mean += δ·nB/n, m2 += m2B + δ²·nA·nB/n.
 */
export function f32_moments_merge(
  mean: usize, // [P], in-out
  m2: usize, // [P], in-out
  meanB: usize, // [P]
  m2B: usize, // [P]
  nA: f32,
  nB: f32,
  P: i32,
): void {
  const n = nA + nB;
  if (n == 0) return;
  const fB = nB / n;
  const fAB = nA * nB / n;
  for (let p = 0; p < P; p++) {
    const o = <usize>p << 2;
    const m = load<f32>(mean + o);
    const d = load<f32>(meanB + o) - m;
    store<f32>(mean + o, m + d * fB);
    store<f32>(m2 + o, load<f32>(m2 + o) + load<f32>(m2B + o) + d * d * fAB);
  }
}

/**
 * The rank-one part of merging cross-moments: c[p, q] += (meanXB[p] − meanX[p])·(meanYB[q] −
 * meanY[q])·nA·nB/n. NOTE: c must already hold the sum of both parts' centred cross-products
 * (f32_gemm of the centred batch with beta = 1), and the means are the ones before merging:
 * call this before f32_moments_merge updates them.
 */
export function f32_comoment_merge(
  c: usize, // [P, Q], in-out
  meanX: usize, // [P]
  meanY: usize, // [Q]
  meanXB: usize, // [P]
  meanYB: usize, // [Q]
  nA: f32,
  nB: f32,
  P: i32,
  Q: i32,
  scratch: usize, // [Q] floats
): void {
  const n = nA + nB;
  if (n == 0 || nA == 0) return;
  const f = nA * nB / n;
  for (let q = 0; q < Q; q++) {
    const o = <usize>q << 2;
    store<f32>(scratch + o, (load<f32>(meanYB + o) - load<f32>(meanY + o)) * f);
  }
  const ld = <usize>Q << 2;
  for (let p = 0; p < P; p++) {
    const dx = load<f32>(meanXB + (<usize>p << 2)) - load<f32>(meanX + (<usize>p << 2));
    const row = c + <usize>p * ld;
    let q = 0;
    if (ASC_FEATURE_SIMD) {
      const vdx = f32x4.splat(dx);
      for (; q + 4 <= Q; q += 4) {
        const o = <usize>q << 2;
        v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(vdx, v128.load(scratch + o))));
      }
    }
    for (; q < Q; q++) {
      const o = <usize>q << 2;
      store<f32>(row + o, load<f32>(row + o) + dx * load<f32>(scratch + o));
    }
  }
}

// dst[i] += sign·src[i] over [0, n).
function addRow(dst: usize, src: usize, n: i32, sign: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(sign);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(vs, v128.load(src + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + sign * load<f32>(src + o));
  }
}

