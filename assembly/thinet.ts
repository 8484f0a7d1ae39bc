// ThiNet's two hot loops (Luo et al. 2017): greedy channel removal on a Gram matrix with running
// row sums, and a ridge-regularised symmetric solve by Cholesky in f64. Spec: src/kernels/reference/thinet.ts.

/** Bytes of scratch `f32_greedy_remove` needs for C channels: f64 row sums [C] and i32 flags [C]. */
export function f32_greedy_remove_scratch_bytes(C: i32): i32 {
  return C * 12;
}

/**
 * Greedy removal set on G = X̂ᵀX̂ (C × C, symmetric): R times, adds to T the channel j ∉ T that
 * minimises ‖Σ_{t∈T∪{j}} x̂_t‖² = 1ᵀ_{T∪j} G 1_{T∪j}, and writes it to order[step]. Returns the
 * final objective 1ᵀ_T G 1_T. Ties go to the lower index; a NaN candidate counts as +Inf.
 * NOTE: the objective grows by 2·r[j] + G[j, j] with r[j] = Σ_{t∈T} G[t, j], so keeping r as a
 * running sum (in f64) makes each step O(C). The update reads row j* of G (symmetry).
 */
export function f32_greedy_remove(
  order: usize, // i32 [R]
  gram: usize, // [C, C]
  C: i32,
  R: i32,
  scratch: usize, // f32_greedy_remove_scratch_bytes(C)
): f64 {
  const rs = scratch; // f64 [C]
  const taken = scratch + (<usize>C << 3); // i32 [C]
  memory.fill(rs, 0, <usize>C << 3);
  memory.fill(taken, 0, <usize>C << 2);
  const ld = <usize>C << 2;
  let objective: f64 = 0;
  for (let step = 0; step < R; step++) {
    let best = -1;
    let bestValue: f64 = Infinity;
    for (let j = 0; j < C; j++) {
      if (load<i32>(taken + (<usize>j << 2))) continue;
      let v = 2 * load<f64>(rs + (<usize>j << 3)) + <f64>load<f32>(gram + <usize>j * ld + (<usize>j << 2));
      if (v != v) v = Infinity;
      if (best < 0 || v < bestValue) { best = j; bestValue = v; }
    }
    store<i32>(taken + (<usize>best << 2), 1);
    store<i32>(order + (<usize>step << 2), best);
    objective += bestValue;
    const row = gram + <usize>best * ld;
    for (let i = 0; i < C; i++) {
      const p = rs + (<usize>i << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>i << 2)));
    }
  }
  return objective;
}

/** Bytes of scratch `f32_cholesky_solve` needs for an n × n system: f64 [n·n + n]. */
export function f32_cholesky_solve_scratch_bytes(n: i32): i32 {
  return (n * n + n) * 8;
}

// A pivot at or below this share of its diagonal entry is lost in the f32 input's own rounding.
const PIVOT_RTOL: f64 = 1.1920928955078125e-7; // 2^-23, f32's epsilon

/**
 * Solves (A + ridge·I)·x = b for symmetric A by Cholesky (A + ridge·I = L·Lᵀ, in f64), reading
 * only A's lower triangle. Returns 0 when solved; k + 1 when the leading minor of order k + 1 is
 * not positive definite (its pivot is NaN or ≤ 2^-23 of its diagonal entry): x is then untouched.
 */
export function f32_cholesky_solve(
  x: usize, // [n]
  a: usize, // [n, n]
  b: usize, // [n]
  ridge: f32,
  n: i32,
  scratch: usize, // f32_cholesky_solve_scratch_bytes(n): L [n, n] then z [n], f64
): i32 {
  const L = scratch;
  const z = scratch + (<usize>n * <usize>n << 3);
  const ldl = <usize>n << 3;
  const lda = <usize>n << 2;
  for (let i = 0; i < n; i++) {
    const li = L + <usize>i * ldl;
    for (let j = 0; j < i; j++) {
      const lj = L + <usize>j * ldl;
      const s = <f64>load<f32>(a + <usize>i * lda + (<usize>j << 2)) - dot(li, lj, j);
      store<f64>(li + (<usize>j << 3), s / load<f64>(lj + (<usize>j << 3)));
    }
    const diag = <f64>load<f32>(a + <usize>i * lda + (<usize>i << 2)) + <f64>ridge;
    const d = diag - dot(li, li, i);
    if (!(d > PIVOT_RTOL * Math.abs(diag))) return i + 1;
    store<f64>(li + (<usize>i << 3), Math.sqrt(d));
  }
  // L·z = b, then Lᵀ·x = z.
  for (let i = 0; i < n; i++) {
    const li = L + <usize>i * ldl;
    store<f64>(z + (<usize>i << 3), (<f64>load<f32>(b + (<usize>i << 2)) - dot(li, z, i)) / load<f64>(li + (<usize>i << 3)));
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = load<f64>(z + (<usize>i << 3));
    for (let k = i + 1; k < n; k++) s -= load<f64>(L + <usize>k * ldl + (<usize>i << 3)) * load<f64>(z + (<usize>k << 3));
    // z[i] is no longer needed by rows above: it becomes x[i] (in f64) for the next rows' sums.
    const xi = s / load<f64>(L + <usize>i * ldl + (<usize>i << 3));
    store<f64>(z + (<usize>i << 3), xi);
  }
  for (let i = 0; i < n; i++) store<f32>(x + (<usize>i << 2), <f32>load<f64>(z + (<usize>i << 3)));
  return 0;
}

// Σ_{k<n} p[k]·q[k] over f64 rows, two lanes at a time on the SIMD builds.
// @ts-ignore: decorator
@inline
function dot(p: usize, q: usize, n: i32): f64 {
  let k = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 3;
      acc0 = f64x2.add(acc0, f64x2.mul(v128.load(p + o), v128.load(q + o)));
      acc1 = f64x2.add(acc1, f64x2.mul(v128.load(p + o, 16), v128.load(q + o, 16)));
    }
    const acc = f64x2.add(acc0, acc1);
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; k < n; k++) s += load<f64>(p + (<usize>k << 3)) * load<f64>(q + (<usize>k << 3));
  return s;
}

/** Bytes of scratch `f32_thinet_gather` needs for a reader of C input entries: f64 [C]. */
export function f32_thinet_gather_scratch_bytes(C: i32): i32 {
  return C * 8;
}

/**
 * ThiNet's sampling gather: for each of n rows (s, o, l) of `rows` (i32 [n, 3]: sample of x,
 * output channel, location oh·OW + ow), the contribution of every input entry e of the reader,
 * c_e = Σ_{kh,kw} W[o, e, kh, kw]·x[s, e, ih, iw] (zero padding, bias excluded), then
 * xhat[r, u] = Σ_t c_{entries[u·perUnit + t]} per unit u and y[r] = Σ_e c_e.
 * x [S, C, H, W]; weight [OC, C, KH, KW]; geometry i32 [14]: C, H, W, OW, KH, KW, SH, SW, PH, PW,
 * DH, DW, units, perUnit. Each c_e is summed in f32 (at most KH·KW terms), the sums over e in f64.
 */
export function f32_thinet_gather(
  xhat: usize, // [n, units]
  y: usize, // [n]
  x: usize,
  weight: usize,
  rows: usize, // i32 [n, 3]
  entries: usize, // i32 [units · perUnit]
  geometry: usize, // i32 [14]
  n: i32,
  scratch: usize, // f32_thinet_gather_scratch_bytes(C): c_e, f64
): void {
  const C = load<i32>(geometry), H = load<i32>(geometry, 4), W = load<i32>(geometry, 8), OW = load<i32>(geometry, 12);
  const KH = load<i32>(geometry, 16), KW = load<i32>(geometry, 20), SH = load<i32>(geometry, 24), SW = load<i32>(geometry, 28);
  const PH = load<i32>(geometry, 32), PW = load<i32>(geometry, 36), DH = load<i32>(geometry, 40), DW = load<i32>(geometry, 44);
  const units = load<i32>(geometry, 48), perUnit = load<i32>(geometry, 52);
  const HW = <usize>H * <usize>W;
  const K = <usize>KH * <usize>KW;
  for (let r = 0; r < n; r++) {
    const row = rows + <usize>r * 12;
    const s = load<i32>(row), o = load<i32>(row, 4), l = load<i32>(row, 8);
    const oh = l / OW, ow = l % OW;
    // The window's rows and columns inside the input: the same for every entry.
    let kh0 = 0, kh1 = KH, kw0 = 0, kw1 = KW;
    while (kh0 < KH && oh * SH - PH + kh0 * DH < 0) kh0++;
    while (kh1 > kh0 && oh * SH - PH + (kh1 - 1) * DH >= H) kh1--;
    while (kw0 < KW && ow * SW - PW + kw0 * DW < 0) kw0++;
    while (kw1 > kw0 && ow * SW - PW + (kw1 - 1) * DW >= W) kw1--;
    const xs = x + <usize>s * <usize>C * HW * 4;
    const ws = weight + <usize>o * <usize>C * K * 4;
    let total: f64 = 0;
    for (let e = 0; e < C; e++) {
      const xe = xs + <usize>e * HW * 4;
      const we = ws + <usize>e * K * 4;
      let c: f32 = 0;
      for (let kh = kh0; kh < kh1; kh++) {
        const xr = xe + <usize>(oh * SH - PH + kh * DH) * <usize>W * 4;
        const wr = we + <usize>(kh * KW) * 4;
        for (let kw = kw0; kw < kw1; kw++) {
          c += load<f32>(wr + (<usize>kw << 2)) * load<f32>(xr + (<usize>(ow * SW - PW + kw * DW) << 2));
        }
      }
      store<f64>(scratch + (<usize>e << 3), <f64>c);
      total += <f64>c;
    }
    const out = xhat + <usize>r * <usize>units * 4;
    for (let u = 0; u < units; u++) {
      let v: f64 = 0;
      const eu = entries + <usize>(u * perUnit) * 4;
      for (let t = 0; t < perUnit; t++) v += load<f64>(scratch + (<usize>load<i32>(eu + (<usize>t << 2)) << 3));
      store<f32>(out + (<usize>u << 2), <f32>v);
    }
    store<f32>(y + (<usize>r << 2), <f32>total);
  }
}
