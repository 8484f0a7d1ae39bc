// Plain-TypeScript twins of the ThiNet kernels (assembly/thinet.ts): the spec. The greedy twin is
// naive on purpose: it re-sums the whole quadratic form for every candidate instead of keeping
// running row sums, so agreeing with it checks the O(C) update.

/**
 * R greedy steps on G = X̂ᵀX̂ [C, C]: each adds to T the j ∉ T minimising Σ_{s,t ∈ T∪{j}} G[s, t]
 * (= ‖Σ_{t∈T∪{j}} x̂_t‖²), written to order[step]; returns Σ_{s,t∈T} G[s, t] for the final T.
 * Ties go to the lower index; a NaN candidate counts as +Inf. Sums in f64.
 */
export function f32_greedy_remove(order: Int32Array, gram: Float32Array, C: number, R: number): number {
  const T: number[] = [];
  const taken = new Uint8Array(C);
  const form = (set: readonly number[]) => {
    let s = 0;
    for (const i of set) for (const j of set) s += gram[i * C + j];
    return s;
  };
  let objective = 0;
  for (let step = 0; step < R; step++) {
    let best = -1;
    let bestValue = Infinity;
    for (let j = 0; j < C; j++) {
      if (taken[j]) continue;
      let v = form([...T, j]);
      if (Number.isNaN(v)) v = Infinity;
      if (best < 0 || v < bestValue) { best = j; bestValue = v; }
    }
    taken[best] = 1;
    T.push(best);
    order[step] = best;
    objective = bestValue;
  }
  return objective;
}

/** A pivot at or below this share of its diagonal entry is lost in the f32 input's own rounding. */
export const PIVOT_RTOL = 2 ** -23;

/**
 * Solves (A + ridge·I)·x = b, A [n, n] symmetric (only its lower triangle is read), by Cholesky
 * in f64. Returns 0 when solved, else k + 1 for the first leading minor (order k + 1) that is not
 * positive definite (pivot NaN or ≤ PIVOT_RTOL·|A[k, k] + ridge|); x is then left untouched.
 */
export function f32_cholesky_solve(x: Float32Array, a: Float32Array, b: Float32Array, ridge: number, n: number): number {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] + (i === j ? Math.fround(ridge) : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i > j) { L[i * n + j] = s / L[j * n + j]; continue; }
      if (!(s > PIVOT_RTOL * Math.abs(a[i * n + i] + Math.fround(ridge)))) return i + 1;
      L[i * n + i] = Math.sqrt(s);
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * z[k];
    z[i] = s / L[i * n + i];
  }
  x.set(z);
  return 0;
}

/**
 * ThiNet's sampling gather, per row r = (s, o, l) of rows [n, 3]: c_e = Σ_{kh,kw} W[o, e, kh, kw]·
 * x[s, e, ih, iw] for every input entry e (zero padding, no bias), xhat[r, u] = Σ_t
 * c_{entries[u·perUnit + t]}, y[r] = Σ_e c_e. geometry: C, H, W, OW, KH, KW, SH, SW, PH, PW, DH,
 * DW, units, perUnit. c_e summed in f32 in (kh, kw) order, the sums over e in f64.
 */
export function f32_thinet_gather(
  xhat: Float32Array, y: Float32Array, x: Float32Array, weight: Float32Array,
  rows: Int32Array, entries: Int32Array, geometry: Int32Array, n: number,
): void {
  const [C, H, W, OW, KH, KW, SH, SW, PH, PW, DH, DW, units, perUnit] = geometry;
  const HW = H * W, K = KH * KW;
  const c = new Float64Array(C);
  for (let r = 0; r < n; r++) {
    const [s, o, l] = [rows[3 * r], rows[3 * r + 1], rows[3 * r + 2]];
    const oh = Math.floor(l / OW), ow = l % OW;
    let total = 0;
    for (let e = 0; e < C; e++) {
      let v = 0;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * SH - PH + kh * DH;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * SW - PW + kw * DW;
          if (iw < 0 || iw >= W) continue;
          v = Math.fround(v + Math.fround(weight[(o * C + e) * K + kh * KW + kw] * x[(s * C + e) * HW + ih * W + iw]));
        }
      }
      c[e] = v;
      total += v;
    }
    for (let u = 0; u < units; u++) {
      let v = 0;
      for (let t = 0; t < perUnit; t++) v += c[entries[u * perUnit + t]];
      xhat[r * units + u] = v;
    }
    y[r] = total;
  }
}
