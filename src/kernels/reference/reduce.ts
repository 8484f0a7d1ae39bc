// Plain-TypeScript twins of the reduction wasm kernels (assembly/reduce.ts): the spec.
// NOTE: sums here run in f64 (JS numbers) and round once; the kernels add f32 lanes within blocks
// of 1024 and the blocks in f64, so they agree to about sqrt(1024)·eps relative to Σ|terms|.

/** Σ x[i], rounded to f32. */
export function f32_sum(x: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return Math.fround(s);
}

/** Σ x[i]², rounded to f32. */
export function f32_sumsq(x: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return Math.fround(s);
}

/** out[r] = Σ_c |x[r, c]| for x[R, C]. */
export function f32_row_l1(out: Float32Array, x: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.abs(x[r * C + c]);
    out[r] = s;
  }
}

/** out[r] = sqrt(Σ_c x[r, c]²) for x[R, C]. */
export function f32_row_l2(out: Float32Array, x: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x[r * C + c] ** 2;
    out[r] = Math.sqrt(s);
  }
}

/**
 * Per channel c of x[B, C, S]: mean and biased variance over every b and s, two passes
 * (variance = Σ(x − mean)² / (B·S)). B·S = 0 gives NaN (0 / 0).
 */
export function f32_channel_mean_var(
  mean: Float32Array, variance: Float32Array, x: Float32Array, B: number, C: number, S: number,
): void {
  const count = B * S;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) sum += x[(b * C + c) * S + s];
    const m = sum / count;
    let dev = 0;
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) dev += (x[(b * C + c) * S + s] - m) ** 2;
    mean[c] = m;
    variance[c] = dev / count;
  }
}

/** count[c] = how many x[b, c, s] are exactly 0 (+0 or −0; NaN is not 0). */
export function f32_channel_count_zeros(count: Int32Array, x: Float32Array, B: number, C: number, S: number): void {
  for (let c = 0; c < C; c++) {
    let z = 0;
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) if (x[(b * C + c) * S + s] === 0) z++;
    count[c] = z;
  }
}
