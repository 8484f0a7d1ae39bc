// int8 kernels: quantize / dequantize, an int8 GEMM on a packed B with i32 sums, its epilogues
// (dequantize to f32, requantize to int8) and an int8 convolution on the packed GEMM. Spec:
// src/kernels/reference/int8.ts. SIMD path: i16 pairs and i32x4.dot_i16x8_s in a 4×8 tile; the
// relaxed build adds an 8-bit path (i16x8.relaxed_dot_i8x16_i7x16_s, 16 products an instruction)
// when A lies in [0, 127]. Scalar path: plain loops over the same packed layout.

// @ts-ignore: decorator
@inline
function roundUp(n: i32, m: i32): i32 {
  return (n + m - 1) / m * m;
}

// Round to nearest (ties to even), add the zero point, saturate to int8; NaN gives the zero
// point. NOTE: clamping before the conversion keeps huge values from wrapping (the SIMD path
// saturates in i32 and i16 for the same reason).
// @ts-ignore: decorator
@inline
function toI8(v: f32, zp: i32): i32 {
  if (v != v) return zp;
  const q = <i32>nearest(min(max(v, -32768), 32767)) + zp;
  return q < -128 ? -128 : q > 127 ? 127 : q;
}

/**
 * q[n] = saturate_int8(round_half_even(x / scale) + zeroPoint); NaN → zeroPoint. scale > 0 and
 * zeroPoint in [-128, 127] (the op checks). Like ONNX QuantizeLinear, x / scale is an f32 division.
 */
export function i8_quantize(q: usize /* i8 [n] */, x: usize /* [n] */, scale: f32, zeroPoint: i32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(scale);
    const z = i16x8.splat(<i16>zeroPoint);
    for (; i + 16 <= n; i += 16) {
      const p = x + (<usize>i << 2);
      const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(p), s)));
      const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(p, 16), s)));
      const c = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(p, 32), s)));
      const d = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(p, 48), s)));
      const lo = i16x8.add_sat_s(i16x8.narrow_i32x4_s(a, b), z);
      const hi = i16x8.add_sat_s(i16x8.narrow_i32x4_s(c, d), z);
      v128.store(q + <usize>i, i8x16.narrow_i16x8_s(lo, hi));
    }
  }
  for (; i < n; i++) store<i8>(q + <usize>i, <i8>toI8(load<f32>(x + (<usize>i << 2)) / scale, zeroPoint));
}

/** x[n] = (q − zeroPoint) · scale, the f32 product (ONNX DequantizeLinear). */
export function i8_dequantize(x: usize /* [n] */, q: usize /* i8 [n] */, scale: f32, zeroPoint: i32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(scale);
    const z = i16x8.splat(<i16>zeroPoint);
    for (; i + 16 <= n; i += 16) {
      const v = v128.load(q + <usize>i);
      // q − zp fits i16 exactly (|q|, |zp| ≤ 128).
      const lo = i16x8.sub(i16x8.extend_low_i8x16_s(v), z);
      const hi = i16x8.sub(i16x8.extend_high_i8x16_s(v), z);
      const p = x + (<usize>i << 2);
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), s));
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), s), 16);
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), s), 32);
      v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), s), 48);
    }
  }
  for (; i < n; i++) {
    store<f32>(x + (<usize>i << 2), <f32>(<i32>load<i8>(q + <usize>i) - zeroPoint) * scale);
  }
}

// ---------------------------------------------------------------------------------------------
// GEMM on a packed B (the weights, packed once when a layer is loaded). A 4×8 register tile: 4
// rows of A (activations, splat) × 8 rows of B (packed panel), 8 i32x4 accumulators whose lanes
// are 4 columns of C, so no horizontal sums. Packed layouts (element (n, k) of B[N, K]):
//   mode 0 (i16, i32x4.dot_i16x8_s):       G = 2, i16 elements
//   mode 1 (i8, relaxed_dot_i8x16_i7x16):  G = 4, i8 elements, A in [0, 127]
//   index = (n / 8)·kp·8 + (k / G)·8G + (n % 8)·G + k % G, kp = K rounded up to G; zero-padded
// to a multiple of 8 rows. The A panel (scratch) is the same with 4 rows: (k / G)·4G + r·G + k % G.

const MR = 4;
const NR = 8;

// @ts-ignore: decorator
@inline
function groupOf(mode: i32): i32 {
  return mode == 1 ? 4 : 2;
}

/** Bytes of a packed B[N, K] in `mode` (0: i16 pairs, 1: i8 quads for the relaxed 8-bit dot). */
export function i8_packed_bytes(N: i32, K: i32, mode: i32): i32 {
  const kp = roundUp(K, groupOf(mode));
  return roundUp(N, NR) * kp * (mode == 1 ? 1 : 2);
}

/** Bytes of scratch `i8_gemm_packed` needs (one packed 4-row panel of A). */
export function i8_gemm_packed_scratch_bytes(K: i32, mode: i32): i32 {
  return MR * roundUp(K, groupOf(mode)) * (mode == 1 ? 1 : 2);
}

/** Packs B[N, K] (int8, K contiguous) into `mode`'s layout (i8_packed_bytes(N, K, mode) bytes). */
export function i8_pack_b(
  dst: usize, // i8_packed_bytes(N, K, mode)
  b: usize, // i8 [N, K]
  N: i32,
  K: i32,
  mode: i32,
): void {
  packRows(dst, b, N, roundUp(N, NR), NR, K, mode);
}

// rows × K int8 → the packed layout of panels of `tile` rows (B: 8, the A panel: 4).
function packRows(dst: usize, src: usize, rows: i32, rowsP: i32, tile: i32, K: i32, mode: i32): void {
  const G = groupOf(mode);
  const kp = roundUp(K, G);
  const size: usize = mode == 1 ? 1 : 2;
  memory.fill(dst, 0, <usize>rowsP * <usize>kp * size);
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * <usize>K;
    const base = <usize>(r / tile) * <usize>kp * <usize>tile + <usize>(r % tile) * <usize>G;
    for (let k = 0; k < K; k++) {
      const idx = base + <usize>(k / G) * <usize>(tile * G) + <usize>(k % G);
      if (mode == 1) store<i8>(dst + idx, load<i8>(s + <usize>k));
      else store<i16>(dst + (idx << 1), <i16>load<i8>(s + <usize>k));
    }
  }
}

// The A panel of rows a[0..mr) (mr ≤ 4; the rest zero) in `mode`'s layout with 4 rows: per group
// of G k, the 4 rows' G elements side by side (4G bytes in mode 1, 8G in mode 0). Every group is a
// 32-bit lane, so 4 groups of the 4 rows are a 4×4 transpose of i32 lanes. SIMD builds only.
function packPanelA(dst: usize, a: usize, mr: i32, K: i32, mode: i32): void {
  if (ASC_FEATURE_SIMD) {
    const G = groupOf(mode);
    const kp = roundUp(K, G);
    const r0 = a, r1 = mr > 1 ? a + <usize>K : 0, r2 = mr > 2 ? a + 2 * <usize>K : 0, r3 = mr > 3 ? a + 3 * <usize>K : 0;
    const z = i32x4.splat(0);
    let k = 0;
    let d = dst;
    // Full steps: 4 groups of every row (16 bytes of i8 in mode 1, 8 bytes widened to i16 in mode 0).
    const step = 4 * G;
    for (; k + step <= K; k += step) {
      let x0: v128, x1: v128, x2: v128, x3: v128;
      if (mode == 1) {
        x0 = v128.load(r0 + <usize>k);
        x1 = r1 ? v128.load(r1 + <usize>k) : z;
        x2 = r2 ? v128.load(r2 + <usize>k) : z;
        x3 = r3 ? v128.load(r3 + <usize>k) : z;
      } else {
        x0 = i16x8.extend_low_i8x16_s(v128.load64_zero(r0 + <usize>k));
        x1 = r1 ? i16x8.extend_low_i8x16_s(v128.load64_zero(r1 + <usize>k)) : z;
        x2 = r2 ? i16x8.extend_low_i8x16_s(v128.load64_zero(r2 + <usize>k)) : z;
        x3 = r3 ? i16x8.extend_low_i8x16_s(v128.load64_zero(r3 + <usize>k)) : z;
      }
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(x2, x3, 0, 4, 1, 5), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
      v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
      v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
      d += 64;
    }
    // The tail, element by element, zero past K and past mr rows.
    for (; k < kp; k += G) {
      for (let r = 0; r < MR; r++) {
        for (let g = 0; g < G; g++) {
          const v = r < mr && k + g < K ? <i32>load<i8>(a + <usize>r * <usize>K + <usize>(k + g)) : 0;
          if (mode == 1) store<i8>(d + <usize>(r * G + g), <i8>v);
          else store<i16>(d + (<usize>(r * G + g) << 1), <i16>v);
        }
      }
      d += <usize>(MR * G) << (mode == 1 ? 0 : 1);
    }
  }
}

/**
 * C[M,N] (i32) = A[M,K]·B[N,K]ᵀ with B packed by i8_pack_b in `mode` (mode 1 promises every
 * element of A lies in [0, 127]; it runs the 8-bit dot in the relaxed build, plain loops
 * elsewhere). `transposeC` = 1 writes Cᵀ [N, M] instead (a convolution's [OC, OH·OW] from
 * col·Wᵀ). Exact sums, K < 131072. Scratch: i8_gemm_packed_scratch_bytes(K, mode).
 */
export function i8_gemm_packed(
  c: usize, // i32 [M, N], or [N, M] when transposeC
  a: usize, // i8 [M, K]
  bp: usize, // i8_pack_b(B [N, K], mode)
  M: i32,
  N: i32,
  K: i32,
  mode: i32,
  transposeC: i32,
  scratch: usize, // i8_gemm_packed_scratch_bytes(K, mode)
): void {
  if (M <= 0 || N <= 0) return;
  const G = groupOf(mode);
  const kp = roundUp(K, G);
  const fast = ASC_FEATURE_SIMD && (mode == 0 || ASC_FEATURE_RELAXED_SIMD);
  for (let i = 0; i < M; i += MR) {
    const mr = min(MR, M - i);
    if (fast) {
      packPanelA(scratch, a + <usize>i * <usize>K, mr, K, mode);
      for (let j = 0; j < N; j += NR) {
        const panel = bp + (<usize>(j / NR) * <usize>kp * NR << (mode == 1 ? 0 : 1));
        if (mode == 1) tile8(c, scratch, panel, kp, i, j, M, N, transposeC);
        else tile16(c, scratch, panel, kp, i, j, M, N, transposeC);
      }
    } else {
      for (let r = i; r < i + mr; r++) {
        for (let j = 0; j < N; j++) {
          const base = <usize>(j / NR) * <usize>kp * NR + <usize>(j % NR) * <usize>G;
          let s = 0;
          for (let k = 0; k < K; k++) {
            const idx = base + <usize>(k / G) * <usize>(NR * G) + <usize>(k % G);
            const w = mode == 1 ? <i32>load<i8>(bp + idx) : <i32>load<i16>(bp + (idx << 1));
            s += <i32>load<i8>(a + <usize>r * <usize>K + <usize>k) * w;
          }
          store<i32>(c + ((transposeC ? <usize>j * <usize>M + <usize>r : <usize>r * <usize>N + <usize>j) << 2), s);
        }
      }
    }
  }
}

// One 4×8 tile on the i16 layout: per k pair, 2 B loads, 4 A splats, 8 dots.
// @ts-ignore: decorator
@inline
function tile16(c: usize, ap: usize, bp: usize, kp: i32, i: i32, j: i32, M: i32, N: i32, transposeC: i32): void {
  if (ASC_FEATURE_SIMD) {
    let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c10 = i32x4.splat(0), c11 = i32x4.splat(0);
    let c20 = i32x4.splat(0), c21 = i32x4.splat(0), c30 = i32x4.splat(0), c31 = i32x4.splat(0);
    const end = ap + (<usize>kp << 3); // kp/2 pairs × 16 bytes
    while (ap < end) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let av = v128.load32_splat(ap);
      c00 = i32x4.add(c00, i32x4.dot_i16x8_s(b0, av));
      c01 = i32x4.add(c01, i32x4.dot_i16x8_s(b1, av));
      av = v128.load32_splat(ap, 4);
      c10 = i32x4.add(c10, i32x4.dot_i16x8_s(b0, av));
      c11 = i32x4.add(c11, i32x4.dot_i16x8_s(b1, av));
      av = v128.load32_splat(ap, 8);
      c20 = i32x4.add(c20, i32x4.dot_i16x8_s(b0, av));
      c21 = i32x4.add(c21, i32x4.dot_i16x8_s(b1, av));
      av = v128.load32_splat(ap, 12);
      c30 = i32x4.add(c30, i32x4.dot_i16x8_s(b0, av));
      c31 = i32x4.add(c31, i32x4.dot_i16x8_s(b1, av));
      ap += 16;
      bp += 32;
    }
    storeTile(c, i, j, M, N, transposeC, c00, c01, c10, c11, c20, c21, c30, c31);
  }
}

// One 4×8 tile on the i8 layout (relaxed build, A in [0, 127]): per 4 k, 2 B loads, 4 A splats,
// 8 8-bit dots. NOTE: not i32x4.relaxed_dot_i8x16_i7x16_add_s: V8 11.3 (Node 20) on an AVX-VNNI
// host miscompiled it in a loop like this (it clobbered its accumulator: some sums came out doubled).
// @ts-ignore: decorator
@inline
function tile8(c: usize, ap: usize, bp: usize, kp: i32, i: i32, j: i32, M: i32, N: i32, transposeC: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    let c00 = i32x4.splat(0), c01 = i32x4.splat(0), c10 = i32x4.splat(0), c11 = i32x4.splat(0);
    let c20 = i32x4.splat(0), c21 = i32x4.splat(0), c30 = i32x4.splat(0), c31 = i32x4.splat(0);
    const end = ap + (<usize>kp << 2); // kp/4 quads × 16 bytes
    while (ap < end) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let av = v128.load32_splat(ap);
      c00 = i32x4.add(c00, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b0, av)));
      c01 = i32x4.add(c01, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b1, av)));
      av = v128.load32_splat(ap, 4);
      c10 = i32x4.add(c10, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b0, av)));
      c11 = i32x4.add(c11, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b1, av)));
      av = v128.load32_splat(ap, 8);
      c20 = i32x4.add(c20, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b0, av)));
      c21 = i32x4.add(c21, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b1, av)));
      av = v128.load32_splat(ap, 12);
      c30 = i32x4.add(c30, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b0, av)));
      c31 = i32x4.add(c31, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(b1, av)));
      ap += 16;
      bp += 32;
    }
    storeTile(c, i, j, M, N, transposeC, c00, c01, c10, c11, c20, c21, c30, c31);
  }
}

// Writes the tile (row r: cr0 = columns j..j+3, cr1 = j+4..j+7) to C, or its transpose, clipped to M × N.
// @ts-ignore: decorator
@inline
function storeTile(
  c: usize, i: i32, j: i32, M: i32, N: i32, transposeC: i32,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
): void {
  if (transposeC) {
    // 4×4 transposes: column j + q of the tile becomes one vector over rows i..i+3.
    storeQuad(c, j, i, M, N, c00, c10, c20, c30);
    storeQuad(c, j + 4, i, M, N, c01, c11, c21, c31);
  } else {
    storeRow(c, i, j, N, c00, c01);
    if (i + 1 < M) storeRow(c, i + 1, j, N, c10, c11);
    if (i + 2 < M) storeRow(c, i + 2, j, N, c20, c21);
    if (i + 3 < M) storeRow(c, i + 3, j, N, c30, c31);
  }
}

// @ts-ignore: decorator
@inline
function storeRow(c: usize, i: i32, j: i32, N: i32, lo: v128, hi: v128): void {
  const p = c + ((<usize>i * <usize>N + <usize>j) << 2);
  if (j + NR <= N) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  } else {
    storeLanes(p, lo, N - j);
    if (j + 4 < N) storeLanes(p + 16, hi, N - j - 4);
  }
}

// Rows r0..r3 of 4 columns (j0..j0+3) → Cᵀ rows j0..j0+3, each 4 values at column i (Cᵀ is [N, M]).
// @ts-ignore: decorator
@inline
function storeQuad(c: usize, j0: i32, i: i32, M: i32, N: i32, r0: v128, r1: v128, r2: v128, r3: v128): void {
  if (j0 >= N) return;
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  const ld: usize = <usize>M << 2;
  const p = c + ((<usize>j0 * <usize>M + <usize>i) << 2);
  const m = M - i;
  storeLanes(p, i32x4.shuffle(t0, t2, 0, 1, 4, 5), m);
  if (j0 + 1 < N) storeLanes(p + ld, i32x4.shuffle(t0, t2, 2, 3, 6, 7), m);
  if (j0 + 2 < N) storeLanes(p + 2 * ld, i32x4.shuffle(t1, t3, 0, 1, 4, 5), m);
  if (j0 + 3 < N) storeLanes(p + 3 * ld, i32x4.shuffle(t1, t3, 2, 3, 6, 7), m);
}

// The first min(n, 4) lanes of v to p.
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  store<i32>(p, i32x4.extract_lane(v, 0));
  if (n > 1) store<i32>(p, i32x4.extract_lane(v, 1), 4);
  if (n > 2) store<i32>(p, i32x4.extract_lane(v, 2), 8);
}

// ---------------------------------------------------------------------------------------------
// Epilogues of the GEMM. Per-channel scales run along N (`perRow` = 0: a dense layer's output
// features) or along M (`perRow` = 1: a convolution's output channels, C = W·colᵀ).

/**
 * y[M,N] = f32(acc) · scale[ch] + bias[ch] (f32, rounded after the multiply and after the add),
 * ch = j, or i when perRow; no bias term when hasBias = 0.
 */
export function i32_dequantize_channels(
  y: usize, // [M, N]
  acc: usize, // i32 [M, N]
  scale: usize, // [N], or [M] when perRow
  bias: usize, // [N], or [M] when perRow
  hasBias: i32,
  M: i32,
  N: i32,
  perRow: i32,
): void {
  for (let i = 0; i < M; i++) {
    const row = <usize>i * <usize>N << 2;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      if (perRow) {
        const s = f32x4.splat(load<f32>(scale + (<usize>i << 2)));
        const bb = f32x4.splat(hasBias ? load<f32>(bias + (<usize>i << 2)) : 0);
        for (; j + 4 <= N; j += 4) {
          const o = row + (<usize>j << 2);
          let v = f32x4.mul(f32x4.convert_i32x4_s(v128.load(acc + o)), s);
          if (hasBias) v = f32x4.add(v, bb);
          v128.store(y + o, v);
        }
      } else {
        for (; j + 4 <= N; j += 4) {
          const o = row + (<usize>j << 2);
          let v = f32x4.mul(f32x4.convert_i32x4_s(v128.load(acc + o)), v128.load(scale + (<usize>j << 2)));
          if (hasBias) v = f32x4.add(v, v128.load(bias + (<usize>j << 2)));
          v128.store(y + o, v);
        }
      }
    }
    for (; j < N; j++) {
      const ch: usize = perRow ? <usize>i << 2 : <usize>j << 2;
      const o = row + (<usize>j << 2);
      let v = <f32>load<i32>(acc + o) * load<f32>(scale + ch);
      if (hasBias) v += load<f32>(bias + ch);
      store<f32>(y + o, v);
    }
  }
}

/**
 * q[M,N] = saturate_int8(round_half_even(f32(acc + bias[ch]) · multiplier[ch]) + zeroPoint),
 * i32 bias (sums' scale, zero point 0), ch = j, or i when perRow; multiplier = s_x·s_w / s_y.
 */
export function i32_requantize_channels(
  q: usize, // i8 [M, N]
  acc: usize, // i32 [M, N]
  multiplier: usize, // [N], or [M] when perRow
  bias: usize, // i32 [N], or [M] when perRow
  hasBias: i32,
  zeroPoint: i32,
  M: i32,
  N: i32,
  perRow: i32,
): void {
  for (let i = 0; i < M; i++) {
    const row = <usize>i * <usize>N;
    for (let j = 0; j < N; j++) {
      const ch: usize = perRow ? <usize>i << 2 : <usize>j << 2;
      const o = row + <usize>j;
      const s = load<i32>(acc + (o << 2)) + (hasBias ? load<i32>(bias + ch) : 0);
      store<i8>(q + o, <i8>toI8(<f32>s * load<f32>(multiplier + ch), zeroPoint));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution: the packed GEMM with its A panel gathered straight from the image (no im2col
// buffer). For 4 output pixels in one row with stride 1 whose windows lie inside the image, every
// k of the window reads 4 consecutive bytes; G of those loads transposed are one panel group.

/** Bytes of scratch `i8_conv_packed` needs: the zero-padded image, the window's offset table and one A panel. */
export function i8_conv_packed_scratch_bytes(C: i32, H: i32, W: i32, KH: i32, KW: i32, PH: i32, PW: i32, mode: i32): i32 {
  const K = C * KH * KW;
  const padded = PH > 0 || PW > 0 ? roundUp(C * (H + 2 * PH) * (W + 2 * PW), 16) : 0;
  return padded + roundUp(K * 4, 16) + i8_gemm_packed_scratch_bytes(K, mode);
}

/**
 * acc[OC, OH·OW] (i32) = the convolution of one int8 image x[C,H,W] (zero padding: a zero point
 * of 0) with W[OC, C·KH·KW] packed by i8_pack_b in `mode` (mode 1: x in [0, 127]); exactly
 * i8_gemm_packed(acc, im2col_rows(x), bp, OH·OW, OC, K, mode, transposeC = 1).
 * Scratch: i8_conv_packed_scratch_bytes(C, H, W, KH, KW, PH, PW, mode).
 */
export function i8_conv_packed(
  acc: usize, // i32 [OC, OH·OW]
  x: usize, // i8 [C, H, W]
  bp: usize, // i8_pack_b(W [OC, C·KH·KW], mode)
  OC: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32,
  mode: i32,
  scratch: usize, // i8_conv_packed_scratch_bytes(C, H, W, KH, KW, PH, PW, mode)
): void {
  const OH = (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
  const OW = (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
  const S = OH * OW;
  const K = C * KH * KW;
  if (S <= 0 || OC <= 0) return;
  const G = groupOf(mode);
  const kp = roundUp(K, G);
  const fast = ASC_FEATURE_SIMD && (mode == 0 || ASC_FEATURE_RELAXED_SIMD);
  // Padding copied once into a zero-bordered image: then every window lies inside it.
  if (PH > 0 || PW > 0) {
    const HP = H + 2 * PH, WP = W + 2 * PW;
    memory.fill(scratch, 0, <usize>(C * HP * WP));
    for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) {
      memory.copy(scratch + <usize>((c * HP + h + PH) * WP + PW), x + <usize>((c * H + h) * W), <usize>W);
    }
    x = scratch;
    scratch += <usize>roundUp(C * HP * WP, 16);
    H = HP;
    W = WP;
  }
  const offsets = scratch;
  const panel = scratch + <usize>roundUp(K * 4, 16);
  // offsets[k]: where element k = (c, kh, kw) of a window sits from the window's origin.
  let k = 0;
  for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    store<i32>(offsets + (<usize>k << 2), (c * H + kh * DH) * W + kw * DW);
    k++;
  }
  for (let p = 0; p < S; p += MR) {
    const ow = p % OW;
    if (fast && SW == 1 && ow + MR <= OW) gatherFast(panel, x + <usize>((p / OW) * SH * W + ow), offsets, K, mode);
    else gatherSlow(panel, x, p, S, OW, W, SH, SW, offsets, K, kp, G, mode);
    if (fast) {
      for (let j = 0; j < OC; j += NR) {
        const b = bp + (<usize>(j / NR) * <usize>kp * NR << (mode == 1 ? 0 : 1));
        if (mode == 1) tile8(acc, panel, b, kp, p, j, S, OC, 1);
        else tile16(acc, panel, b, kp, p, j, S, OC, 1);
      }
    } else {
      for (let r = p; r < min(S, p + MR); r++) {
        for (let j = 0; j < OC; j++) {
          const base = <usize>(j / NR) * <usize>kp * NR + <usize>(j % NR) * <usize>G;
          let sum = 0;
          for (let t = 0; t < K; t++) {
            const idx = base + <usize>(t / G) * <usize>(NR * G) + <usize>(t % G);
            const w = mode == 1 ? <i32>load<i8>(bp + idx) : <i32>load<i16>(bp + (idx << 1));
            const a = (<usize>(t / G) * <usize>(MR * G) + <usize>((r - p) * G) + <usize>(t % G));
            sum += (mode == 1 ? <i32>load<i8>(panel + a) : <i32>load<i16>(panel + (a << 1))) * w;
          }
          store<i32>(acc + ((<usize>j * <usize>S + <usize>r) << 2), sum);
        }
      }
    }
  }
}

// The A panel of 4 pixels of one row, stride 1, windows inside the image from `origin` (pixel 0's).
function gatherFast(dst: usize, origin: usize, offsets: usize, K: i32, mode: i32): void {
  if (ASC_FEATURE_SIMD) {
    let k = 0;
    let d = dst;
    if (mode == 1) {
      // 4 k's × 4 pixels (a u32 each) → per pixel its 4 k's: a 4×4 byte transpose.
      for (; k + 4 <= K; k += 4) {
        const o = offsets + (<usize>k << 2);
        let v = v128.load32_zero(origin + <usize>load<i32>(o));
        v = v128.load32_lane(origin + <usize>load<i32>(o, 4), v, 1);
        v = v128.load32_lane(origin + <usize>load<i32>(o, 8), v, 2);
        v = v128.load32_lane(origin + <usize>load<i32>(o, 12), v, 3);
        v128.store(d, i8x16.shuffle(v, v, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
        d += 16;
      }
    } else {
      // 2 k's × 4 pixels → per pixel its 2 k's, widened to i16.
      for (; k + 2 <= K; k += 2) {
        const o = offsets + (<usize>k << 2);
        let v = v128.load32_zero(origin + <usize>load<i32>(o));
        v = v128.load32_lane(origin + <usize>load<i32>(o, 4), v, 1);
        v128.store(d, i16x8.extend_low_i8x16_s(i8x16.shuffle(v, v, 0, 4, 1, 5, 2, 6, 3, 7, 0, 0, 0, 0, 0, 0, 0, 0)));
        d += 16;
      }
    }
    // The last, partial group: zero past K.
    if (k < K) {
      const G = groupOf(mode);
      for (let r = 0; r < MR; r++) {
        for (let g = 0; g < G; g++) {
          const v = k + g < K ? <i32>load<i8>(origin + <usize>load<i32>(offsets + (<usize>(k + g) << 2)) + <usize>r) : 0;
          if (mode == 1) store<i8>(d + <usize>(r * G + g), <i8>v);
          else store<i16>(d + (<usize>(r * G + g) << 1), <i16>v);
        }
      }
    }
  }
}

// The A panel of pixels p..p+3 (zero rows past S), element by element (windows inside the image).
function gatherSlow(dst: usize, x: usize, p: i32, S: i32, OW: i32, W: i32, SH: i32, SW: i32, offsets: usize, K: i32, kp: i32, G: i32, mode: i32): void {
  const size: usize = mode == 1 ? 1 : 2;
  memory.fill(dst, 0, <usize>(MR * kp) * size);
  for (let r = 0; r < MR && p + r < S; r++) {
    const origin = x + <usize>(((p + r) / OW) * SH * W + ((p + r) % OW) * SW);
    let d = dst + <usize>(r * G) * size;
    for (let k = 0; k < K; k += G) {
      for (let g = 0; g < G && k + g < K; g++) {
        const v = load<i8>(origin + <usize>load<i32>(offsets + (<usize>(k + g) << 2)));
        if (mode == 1) store<i8>(d + <usize>g, v);
        else store<i16>(d + (<usize>g << 1), <i16>v);
      }
      d += <usize>(MR * G) * size;
    }
  }
}
