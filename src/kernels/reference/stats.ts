// Plain-TypeScript twins of the statistics kernels (assembly/stats.ts): the spec. Sums run in
// f64 and round once, so the kernels (f32 lanes) agree within f32 rounding of Σ|terms|.

/** out[c] = Σ_b Σ_s a[b, c, s]·g[b, c, s]. */
export function f32_channel_dot(out: Float32Array, a: Float32Array, g: Float32Array, B: number, C: number, S: number): void {
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let b = 0; b < B; b++) for (let i = (b * C + c) * S, e = i + S; i < e; i++) s += a[i] * g[i];
    out[c] = s;
  }
}

/** count[c·K + j] = how many argmax[b, c, s] equal j. */
export function i32_maxout_wins(count: Int32Array, argmax: Int32Array, B: number, C: number, K: number, S: number): void {
  count.fill(0, 0, C * K);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) count[c * K + argmax[(b * C + c) * S + s]]++;
}

/** mean[p] = Σ_n x[n, p] / N; x[n, p] −= mean[p] in place. N = 0 leaves mean 0. */
export function f32_column_mean_center(mean: Float32Array, x: Float32Array, N: number, P: number): void {
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += x[n * P + p];
    mean[p] = N > 0 ? s / N : 0;
    for (let n = 0; n < N; n++) x[n * P + p] -= mean[p];
  }
}

/** out[p] = Σ_n x[n, p]². */
export function f32_column_sumsq(out: Float32Array, x: Float32Array, N: number, P: number): void {
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += x[n * P + p] ** 2;
    out[p] = s;
  }
}

/** δ = meanB − mean; mean += δ·nB/n; m2 += m2B + δ²·nA·nB/n, n = nA + nB (nothing when n = 0). */
export function f32_moments_merge(mean: Float32Array, m2: Float32Array, meanB: Float32Array, m2B: Float32Array, nA: number, nB: number, P: number): void {
  const n = nA + nB;
  if (n === 0) return;
  for (let p = 0; p < P; p++) {
    const d = meanB[p] - mean[p];
    mean[p] += d * nB / n;
    m2[p] += m2B[p] + d * d * nA * nB / n;
  }
}

/** c[p, q] += (meanXB[p] − meanX[p])·(meanYB[q] − meanY[q])·nA·nB/n (c holding both parts' centred cross-products). */
export function f32_comoment_merge(
  c: Float32Array, meanX: Float32Array, meanY: Float32Array, meanXB: Float32Array, meanYB: Float32Array,
  nA: number, nB: number, P: number, Q: number,
): void {
  const n = nA + nB;
  if (n === 0 || nA === 0) return;
  for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) c[p * Q + q] += (meanXB[p] - meanX[p]) * (meanYB[q] - meanY[q]) * nA * nB / n;
}
