// Softmax cross-entropy over rows of logits[B, K], forward and backward; spec:
// src/kernels/reference/softmax.ts. Labels are trusted (the façade checks 0 ≤ label < K).
// `probs` may alias `logits` (forward) and `dlogits` may alias `probs` (backward).

// Below this, exp(x) is under f32's smallest normal: the vector exp returns 0 there.
const EXP_LO: f32 = -87.33654;

/**
 * probs[b, :] = softmax(logits[b, :]), stable (exp(x − rowmax)); returns the mean over B of
 * −log probs[b, labels[b]].
 * NOTE: the loss is computed as log Σexp(x − max) − (x[label] − max) in f64, which equals
 * −log p[label] but stays finite when p[label] underflows in f32.
 * NOTE: NaN anywhere in a row makes that row's probs and the loss NaN; +Inf does too (Inf − Inf).
 */
export function f32_softmax_xent_fwd(
  probs: usize, // [B, K]
  logits: usize, // [B, K]
  labels: usize, // i32 [B]
  B: i32,
  K: i32,
): f32 {
  const ld = <usize>K << 2;
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const x = logits + <usize>b * ld;
    const p = probs + <usize>b * ld;
    // Read before p (which may be x) is written.
    const xl = load<f32>(x + (<usize>load<i32>(labels + (<usize>b << 2)) << 2));
    const m = rowMax(x, K);
    const s = expShifted(p, x, m, K);
    divide(p, s, K);
    total += Math.log(<f64>s) - (<f64>xl - <f64>m);
  }
  return <f32>(total / <f64>B);
}

/** dlogits[b, k] = (probs[b, k] − (k == labels[b] ? 1 : 0)) / B. */
export function f32_softmax_xent_bwd(
  dlogits: usize, // [B, K]
  probs: usize, // [B, K]
  labels: usize, // i32 [B]
  B: i32,
  K: i32,
): void {
  const ld = <usize>K << 2;
  const fb = <f32>B;
  for (let b = 0; b < B; b++) {
    const p = probs + <usize>b * ld;
    const d = dlogits + <usize>b * ld;
    const lo = <usize>load<i32>(labels + (<usize>b << 2)) << 2;
    const pl = load<f32>(p + lo); // before d (which may be p) is written
    divide2(d, p, fb, K);
    store<f32>(d + lo, (pl - 1) / fb);
  }
}

// max over x[0..n), NaN-propagating; −Inf for n = 0.
function rowMax(x: usize, n: i32): f32 {
  let i = 0;
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(-Infinity), a1 = a0;
    for (; i + 8 <= n; i += 8) {
      const q = x + (<usize>i << 2);
      a0 = f32x4.max(a0, v128.load(q));
      a1 = f32x4.max(a1, v128.load(q, 16));
    }
    for (; i + 4 <= n; i += 4) a0 = f32x4.max(a0, v128.load(x + (<usize>i << 2)));
    const t = f32x4.max(a0, a1);
    m = max<f32>(max<f32>(f32x4.extract_lane(t, 0), f32x4.extract_lane(t, 1)),
      max<f32>(f32x4.extract_lane(t, 2), f32x4.extract_lane(t, 3)));
  }
  for (; i < n; i++) m = max<f32>(m, load<f32>(x + (<usize>i << 2)));
  return m;
}

// p[i] = exp(x[i] − m); returns Σ p[i] (f32).
function expShifted(p: usize, x: usize, m: f32, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m);
    let acc = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const e = expV(f32x4.sub(v128.load(x + o), vm));
      v128.store(p + o, e);
      acc = f32x4.add(acc, e);
    }
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const e = Mathf.exp(load<f32>(x + o) - m);
    store<f32>(p + o, e);
    s += e;
  }
  return s;
}

// p[i] /= s.
function divide(p: usize, s: f32, n: i32): void {
  divide2(p, p, s, n);
}

// d[i] = p[i] / s.
function divide2(d: usize, p: usize, s: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(d + o, f32x4.div(v128.load(p + o), vs));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(d + o, load<f32>(p + o) / s);
  }
}

// exp on four lanes for x ≤ 0 (x − rowmax), Cephes expf: x = n·ln2 + r with |r| ≤ ln2/2,
// exp(r) by a degree-7 polynomial, 2^n put in the exponent bits. Within ~2 ulp of expf;
// NaN stays NaN, x < EXP_LO (−Inf included) gives 0.
// @ts-ignore: decorator
@inline
function expV(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(EXP_LO)); // NaN propagates
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  // r = x − n·ln2 with ln2 split in two (C1 exact in few bits) so the subtraction is exact.
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1));
  // 2^n for n in [−126, 0]: biased exponent n + 127 in bits 23..30 (trunc_sat(NaN) = 0: harmless).
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  y = f32x4.mul(y, pow2);
  return v128.andnot(y, f32x4.lt(x, f32x4.splat(EXP_LO)));
}
