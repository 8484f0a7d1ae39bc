// Reductions: whole-array sums, per-row norms, per-channel statistics; spec:
// src/kernels/reference/reduce.ts. Nothing here writes its input; outputs never alias inputs.
// NOTE: long sums run in f32 lanes over blocks of BLOCK elements and add the blocks in f64, so
// the f32 rounding error stays bounded by the block length, not the array length.

import { scaleInPlace } from './scale';

const BLOCK = 1024;

// What a block sum adds up (compile-time constants: each use inlines and folds the others away).
const SUM = 0; // x
const ABS = 1; // |x|
const SQ = 2; // x²
const DEV = 3; // (x − center)²

// @ts-ignore: decorator
@inline
function term(v: f32, kind: i32, center: f32): f32 {
  if (kind == ABS) return abs<f32>(v);
  if (kind == SQ) return v * v;
  if (kind == DEV) return (v - center) * (v - center);
  return v;
}

// @ts-ignore: decorator
@inline
function termV(v: v128, kind: i32, center: v128): v128 {
  if (kind == ABS) return f32x4.abs(v);
  if (kind == SQ) return f32x4.mul(v, v);
  if (kind == DEV) {
    const d = f32x4.sub(v, center);
    return f32x4.mul(d, d);
  }
  return v;
}

// Σ term(x[i]) over i < n ≤ BLOCK, in f32: four f32x4 accumulators (SIMD) or four scalars.
// @ts-ignore: decorator
@inline
function blockSum(x: usize, n: i32, kind: i32, center: f32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const c = f32x4.splat(center);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (; i + 16 <= n; i += 16) {
      const p = x + (<usize>i << 2);
      a0 = f32x4.add(a0, termV(v128.load(p), kind, c));
      a1 = f32x4.add(a1, termV(v128.load(p, 16), kind, c));
      a2 = f32x4.add(a2, termV(v128.load(p, 32), kind, c));
      a3 = f32x4.add(a3, termV(v128.load(p, 48), kind, c));
    }
    for (; i + 4 <= n; i += 4) a0 = f32x4.add(a0, termV(v128.load(x + (<usize>i << 2)), kind, c));
    const t = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    s = (f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1)) + (f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3));
  } else {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (; i + 4 <= n; i += 4) {
      const p = x + (<usize>i << 2);
      s0 += term(load<f32>(p), kind, center);
      s1 += term(load<f32>(p, 4), kind, center);
      s2 += term(load<f32>(p, 8), kind, center);
      s3 += term(load<f32>(p, 12), kind, center);
    }
    s = (s0 + s1) + (s2 + s3);
  }
  for (; i < n; i++) s += term(load<f32>(x + (<usize>i << 2)), kind, center);
  return s;
}

// Σ term(x[i]) over i < n: f32 within each block of BLOCK, f64 across blocks.
// @ts-ignore: decorator
@inline
function sumBlocks(x: usize, n: i32, kind: i32, center: f32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i += BLOCK) {
    total += <f64>blockSum(x + (<usize>i << 2), min(BLOCK, n - i), kind, center);
  }
  return total;
}

/** Σ x[i]. */
export function f32_sum(
  x: usize, // [n]
  n: i32,
): f32 {
  return <f32>sumBlocks(x, n, SUM, 0);
}

/** Σ x[i]². */
export function f32_sumsq(
  x: usize, // [n]
  n: i32,
): f32 {
  return <f32>sumBlocks(x, n, SQ, 0);
}

/** out[r] = Σ_c |x[r, c]|. */
export function f32_row_l1(
  out: usize, // [R]
  x: usize, // [R, C]
  R: i32,
  C: i32,
): void {
  const ld = <usize>C << 2;
  for (let r = 0; r < R; r++) {
    store<f32>(out + (<usize>r << 2), <f32>sumBlocks(x + <usize>r * ld, C, ABS, 0));
  }
}

/** out[r] = sqrt(Σ_c x[r, c]²) (the square root taken in f64). */
export function f32_row_l2(
  out: usize, // [R]
  x: usize, // [R, C]
  R: i32,
  C: i32,
): void {
  const ld = <usize>C << 2;
  for (let r = 0; r < R; r++) {
    store<f32>(out + (<usize>r << 2), <f32>Math.sqrt(sumBlocks(x + <usize>r * ld, C, SQ, 0)));
  }
}

/**
 * Per channel c, over every b and s of x[b, c, s]: the mean and the biased variance
 * (Σ(x − mean)² / (B·S), two passes). B·S = 0 gives NaN.
 * NOTE: with S = 1 (x is [B, C]) each row is contiguous across channels, so both passes run
 * vectorised over channels and accumulate over B in f32 in `mean`/`variance` themselves.
 */
export function f32_channel_mean_var(
  mean: usize, // [C]
  variance: usize, // [C]
  x: usize, // [B, C, S]
  B: i32,
  C: i32,
  S: i32,
): void {
  if (C <= 0) return;
  const count = <f64>B * <f64>S;
  if (S == 1) {
    meanVarRows(mean, variance, x, B, C);
    return;
  }
  const slab = <usize>S << 2;
  for (let c = 0; c < C; c++) {
    let t: f64 = 0;
    for (let b = 0; b < B; b++) t += sumBlocks(x + (<usize>b * <usize>C + <usize>c) * slab, S, SUM, 0);
    const m = <f32>(t / count);
    let v: f64 = 0;
    for (let b = 0; b < B; b++) v += sumBlocks(x + (<usize>b * <usize>C + <usize>c) * slab, S, DEV, m);
    store<f32>(mean + (<usize>c << 2), m);
    store<f32>(variance + (<usize>c << 2), <f32>(v / count));
  }
}

// x[B, C]: mean[c] = Σ_b x[b, c] / B, then variance[c] = Σ_b (x[b, c] − mean[c])² / B.
function meanVarRows(mean: usize, variance: usize, x: usize, B: i32, C: i32): void {
  const ld = <usize>C << 2;
  const inv: f32 = <f32>(1.0 / <f64>B);
  memory.fill(mean, 0, ld);
  memory.fill(variance, 0, ld);
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * ld;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        v128.store(mean + o, f32x4.add(v128.load(mean + o), v128.load(xb + o)));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      store<f32>(mean + o, load<f32>(mean + o) + load<f32>(xb + o));
    }
  }
  scaleInPlace(mean, inv, C);
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * ld;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const d = f32x4.sub(v128.load(xb + o), v128.load(mean + o));
        v128.store(variance + o, f32x4.add(v128.load(variance + o), f32x4.mul(d, d)));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      const d = load<f32>(xb + o) - load<f32>(mean + o);
      store<f32>(variance + o, load<f32>(variance + o) + d * d);
    }
  }
  scaleInPlace(variance, inv, C);
}


/** count[c] = how many x[b, c, s] are exactly 0 (+0 or −0; NaN is not 0). */
export function f32_channel_count_zeros(
  count: usize, // i32 [C]
  x: usize, // [B, C, S]
  B: i32,
  C: i32,
  S: i32,
): void {
  if (C <= 0) return;
  if (S == 1) {
    countZeroRows(count, x, B, C);
    return;
  }
  const slab = <usize>S << 2;
  for (let c = 0; c < C; c++) {
    let z = 0;
    for (let b = 0; b < B; b++) z += countZeros(x + (<usize>b * <usize>C + <usize>c) * slab, S);
    store<i32>(count + (<usize>c << 2), z);
  }
}

// Zeros among x[0..n).
function countZeros(x: usize, n: i32): i32 {
  let i = 0;
  let z = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    let acc = i32x4.splat(0);
    // f32x4.eq gives −1 in a lane that is 0, so subtracting the mask counts.
    for (; i + 4 <= n; i += 4) acc = i32x4.sub(acc, f32x4.eq(v128.load(x + (<usize>i << 2)), zero));
    z = (i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1)) + (i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
  }
  for (; i < n; i++) z += i32(load<f32>(x + (<usize>i << 2)) == 0);
  return z;
}

// x[B, C]: count[c] = Σ_b (x[b, c] == 0), vectorised over channels.
function countZeroRows(count: usize, x: usize, B: i32, C: i32): void {
  const ld = <usize>C << 2;
  memory.fill(count, 0, ld);
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * ld;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0);
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        v128.store(count + o, i32x4.sub(v128.load(count + o), f32x4.eq(v128.load(xb + o), zero)));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      store<i32>(count + o, load<i32>(count + o) + i32(load<f32>(xb + o) == 0));
    }
  }
}
