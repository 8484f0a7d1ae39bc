// Shared helpers for the sliding-window kernels (conv.ts, pool.ts): output sizes, the range of
// output columns whose tap lands inside the image, and small SIMD fills. Nothing here is exported
// from the module (index.ts does not re-export this file).

/** Output size along one axis: floor((L + 2·P − D·(K−1) − 1) / S) + 1 (≤ 0 means empty). */
// @ts-ignore: decorator
@inline
export function outSize(L: i32, K: i32, S: i32, P: i32, D: i32): i32 {
  const span = L + 2 * P - D * (K - 1) - 1;
  return span < 0 ? 0 : span / S + 1;
}

/** First output index o in [0, O] with o·S + off ≥ 0 (off = tap offset − padding). */
// @ts-ignore: decorator
@inline
export function firstIn(off: i32, S: i32, O: i32): i32 {
  if (off >= 0) return 0;
  return min((S - 1 - off) / S, O);
}

/** One past the last output index o < O with o·S + off ≤ L − 1; never below firstIn. */
// @ts-ignore: decorator
@inline
export function endIn(off: i32, S: i32, L: i32, O: i32): i32 {
  const room = L - 1 - off;
  const lo = firstIn(off, S, O);
  if (room < 0) return lo;
  return max(lo, min(O, room / S + 1));
}

/** Rounds a byte count up to a multiple of 16 (v128 alignment of scratch parts). */
// @ts-ignore: decorator
@inline
export function align16(bytes: i32): i32 {
  return (bytes + 15) & ~15;
}

/** Writes `n` f32 zeros at `p`. */
export function zeroF32(p: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), z);
  }
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), 0);
}

/** Writes `n` copies of `v` (f32) at `p`. */
export function fillF32(p: usize, v: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(v);
    for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), s);
  }
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), v);
}

/** Writes `n` copies of `v` (i32) at `p`. */
export function fillI32(p: usize, v: i32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = i32x4.splat(v);
    for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), s);
  }
  for (; i < n; i++) store<i32>(p + (<usize>i << 2), v);
}

/** Adds `v` to each of the `n` f32 at `p`. */
export function addScalarF32(p: usize, v: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(v);
    for (; i + 4 <= n; i += 4) {
      const q = p + (<usize>i << 2);
      v128.store(q, f32x4.add(v128.load(q), s));
    }
  }
  for (; i < n; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, load<f32>(q) + v);
  }
}

/** A 1×1, stride-1, unpadded conv is a plain gemm on the input: no col buffer. */
// @ts-ignore: decorator
@inline
export function pointwise(KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32): bool {
  return KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0;
}

/** Bytes of one group's im2col buffer for one image (0 when the conv is pointwise or empty). */
export function colBytes(C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32): i32 {
  if (pointwise(KH, KW, SH, SW, PH, PW)) return 0;
  const OH = outSize(H, KH, SH, PH, DH);
  const OW = outSize(W, KW, SW, PW, DW);
  if (OH <= 0 || OW <= 0) return 0;
  return align16((C / G) * KH * KW * OH * OW * 4);
}
