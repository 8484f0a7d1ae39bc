// int8 kernels: quantize / dequantize, an int8 GEMM with i32 sums, its epilogues (dequantize to
// f32, requantize to int8) and int8 im2col for convolution. Spec: src/kernels/reference/int8.ts.
// SIMD path: operands packed to i16 and multiplied with i32x4.dot_i16x8_s in a 2×4 tile; the
// relaxed build adds an 8-bit path (i16x8.relaxed_dot_i8x16_i7x16_s, 16 products an instruction)
// when the caller promises one operand lies in [0, 127]. Scalar path: plain loops, no scratch.

// Micro-tile: MR rows of A × NR rows of B (C = A·Bᵀ), one i32x4 accumulator per pair.
const MR = 2;
const NR = 4;

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
// GEMM. Packed layouts in scratch: A as ceil(M/MR)·MR rows and B as ceil(N/NR)·NR rows of KP
// elements (zero-padded), i16 (KP = K rounded up to 16) or, on the 8-bit relaxed path, i8 (KP = K
// rounded up to 16). Each row is a multiple of 16 bytes, so every load is aligned.

/** Bytes of scratch `i8_gemm` needs for these sizes (0 in the scalar build). */
export function i8_gemm_scratch_bytes(M: i32, N: i32, K: i32): i32 {
  if (!ASC_FEATURE_SIMD) return 0;
  return (roundUp(M, MR) + roundUp(N, NR)) * roundUp(K, 16) * 2;
}

/**
 * C[M,N] (i32) = A[M,K] · B[N,K]ᵀ, int8 operands, exact i32 sums (no overflow for K < 131072).
 * Both operands are row-major with K contiguous: a dense layer is x·Wᵀ with W [out, in], a
 * convolution W[OC, C·KH·KW] · colᵀ with col from i8_im2col_rows. `u7` = 1 promises every
 * element of A, 2 every element of B, lies in [0, 127] (int8 activations after a ReLU), which
 * lets the relaxed build use its 8-bit dot product; 0 promises nothing. Results are identical
 * whatever u7 says when the promise holds. Scratch: i8_gemm_scratch_bytes(M, N, K).
 */
export function i8_gemm(
  c: usize, // i32 [M, N]
  a: usize, // i8 [M, K]
  b: usize, // i8 [N, K]
  M: i32,
  N: i32,
  K: i32,
  u7: i32,
  scratch: usize, // i8_gemm_scratch_bytes(M, N, K)
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    memory.fill(c, 0, <usize>M * <usize>N << 2);
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const mp = roundUp(M, MR);
    const np = roundUp(N, NR);
    if (ASC_FEATURE_RELAXED_SIMD && u7 != 0) {
      const kp = roundUp(K, 16);
      const ap = scratch;
      const bp = scratch + <usize>mp * <usize>kp;
      packI8(ap, a, M, mp, K, kp);
      packI8(bp, b, N, np, K, kp);
      // The dot's second operand must be the one in [0, 127].
      if (u7 == 1) tilesI8(c, bp, ap, N, M, kp, 1);
      else tilesI8(c, ap, bp, M, N, kp, 0);
    } else {
      const kp = roundUp(K, 16);
      const ap = scratch;
      const bp = scratch + (<usize>mp * <usize>kp << 1);
      packI16(ap, a, M, mp, K, kp);
      packI16(bp, b, N, np, K, kp);
      tilesI16(c, ap, bp, M, N, kp);
    }
  } else {
    for (let i = 0; i < M; i++) {
      const ai = a + <usize>i * <usize>K;
      for (let j = 0; j < N; j++) {
        const bj = b + <usize>j * <usize>K;
        let s = 0;
        for (let k = 0; k < K; k++) s += <i32>load<i8>(ai + <usize>k) * <i32>load<i8>(bj + <usize>k);
        store<i32>(c + ((<usize>i * <usize>N + <usize>j) << 2), s);
      }
    }
  }
}

// rows × K int8 → rowsP × kp i16, zero-padded.
function packI16(dst: usize, src: usize, rows: i32, rowsP: i32, K: i32, kp: i32): void {
  if (ASC_FEATURE_SIMD) {
    const ld: usize = <usize>kp << 1;
    memory.fill(dst, 0, <usize>rowsP * ld);
    for (let r = 0; r < rows; r++) {
      const s = src + <usize>r * <usize>K;
      const d = dst + <usize>r * ld;
      let k = 0;
      for (; k + 16 <= K; k += 16) {
        const v = v128.load(s + <usize>k);
        v128.store(d + (<usize>k << 1), i16x8.extend_low_i8x16_s(v));
        v128.store(d + (<usize>k << 1), i16x8.extend_high_i8x16_s(v), 16);
      }
      for (; k < K; k++) store<i16>(d + (<usize>k << 1), <i16>load<i8>(s + <usize>k));
    }
  }
}

// rows × K int8 → rowsP × kp int8, zero-padded.
function packI8(dst: usize, src: usize, rows: i32, rowsP: i32, K: i32, kp: i32): void {
  memory.fill(dst, 0, <usize>rowsP * <usize>kp);
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * <usize>kp, src + <usize>r * <usize>K, <usize>K);
}

// Sum of the four lanes of each accumulator: lane r of the result is the total of s_r.
// @ts-ignore: decorator
@inline
function hsum4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const u0 = i32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const u1 = i32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(u0, u1, 0, 1, 4, 5), i32x4.shuffle(u0, u1, 2, 3, 6, 7));
}

// Writes one row of a tile (NR sums for columns j..j+3) to C, clipped at column N.
// @ts-ignore: decorator
@inline
function storeRow(c: usize, i: i32, j: i32, N: i32, v: v128): void {
  const p = c + ((<usize>i * <usize>N + <usize>j) << 2);
  if (j + NR <= N) {
    v128.store(p, v);
  } else {
    store<i32>(p, i32x4.extract_lane(v, 0));
    if (j + 1 < N) store<i32>(p, i32x4.extract_lane(v, 1), 4);
    if (j + 2 < N) store<i32>(p, i32x4.extract_lane(v, 2), 8);
  }
}

// The i16 path: for each NR-row panel of B (kept in L1), every MR-row panel of A.
function tilesI16(c: usize, ap: usize, bp: usize, M: i32, N: i32, kp: i32): void {
  if (ASC_FEATURE_SIMD) {
    const ld: usize = <usize>kp << 1;
    for (let j = 0; j < N; j += NR) {
      const b0 = bp + <usize>j * ld, b1 = b0 + ld, b2 = b1 + ld, b3 = b2 + ld;
      for (let i = 0; i < M; i += MR) {
        const a0 = ap + <usize>i * ld, a1 = a0 + ld;
        let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
        let s10 = i32x4.splat(0), s11 = i32x4.splat(0), s12 = i32x4.splat(0), s13 = i32x4.splat(0);
        // Two steps of 8 a turn (kp is a multiple of 16): half the loop overhead.
        for (let o: usize = 0; o < ld; o += 32) {
          let x0: v128, x1: v128, y: v128;
          x0 = v128.load(a0 + o); x1 = v128.load(a1 + o);
          y = v128.load(b0 + o);
          s00 = i32x4.add(s00, i32x4.dot_i16x8_s(x0, y));
          s10 = i32x4.add(s10, i32x4.dot_i16x8_s(x1, y));
          y = v128.load(b1 + o);
          s01 = i32x4.add(s01, i32x4.dot_i16x8_s(x0, y));
          s11 = i32x4.add(s11, i32x4.dot_i16x8_s(x1, y));
          y = v128.load(b2 + o);
          s02 = i32x4.add(s02, i32x4.dot_i16x8_s(x0, y));
          s12 = i32x4.add(s12, i32x4.dot_i16x8_s(x1, y));
          y = v128.load(b3 + o);
          s03 = i32x4.add(s03, i32x4.dot_i16x8_s(x0, y));
          s13 = i32x4.add(s13, i32x4.dot_i16x8_s(x1, y));
          x0 = v128.load(a0 + o, 16); x1 = v128.load(a1 + o, 16);
          y = v128.load(b0 + o, 16);
          s00 = i32x4.add(s00, i32x4.dot_i16x8_s(x0, y));
          s10 = i32x4.add(s10, i32x4.dot_i16x8_s(x1, y));
          y = v128.load(b1 + o, 16);
          s01 = i32x4.add(s01, i32x4.dot_i16x8_s(x0, y));
          s11 = i32x4.add(s11, i32x4.dot_i16x8_s(x1, y));
          y = v128.load(b2 + o, 16);
          s02 = i32x4.add(s02, i32x4.dot_i16x8_s(x0, y));
          s12 = i32x4.add(s12, i32x4.dot_i16x8_s(x1, y));
          y = v128.load(b3 + o, 16);
          s03 = i32x4.add(s03, i32x4.dot_i16x8_s(x0, y));
          s13 = i32x4.add(s13, i32x4.dot_i16x8_s(x1, y));
        }
        storeRow(c, i, j, N, hsum4(s00, s01, s02, s03));
        if (i + 1 < M) storeRow(c, i + 1, j, N, hsum4(s10, s11, s12, s13));
      }
    }
  }
}

// The 8-bit relaxed path: C[M,N] = P·Qᵀ with Q's elements in [0, 127]; `swap` = 1 writes the
// transpose (the caller swapped the operands so Q is the 7-bit one): C[j, i] of an [N', M'] C.
function tilesI8(c: usize, pp: usize, qp: usize, M: i32, N: i32, kp: i32, swap: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const ld: usize = <usize>kp;
    // NOTE: not i32x4.relaxed_dot_i8x16_i7x16_add_s: V8 11.3 (Node 20) on an AVX-VNNI host
    // miscompiled it in this loop (it clobbered its accumulator input: some sums came out doubled).
    for (let j = 0; j < N; j += NR) {
      const q0 = qp + <usize>j * ld, q1 = q0 + ld, q2 = q1 + ld, q3 = q2 + ld;
      for (let i = 0; i < M; i += MR) {
        const p0 = pp + <usize>i * ld, p1 = p0 + ld;
        let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
        let s10 = i32x4.splat(0), s11 = i32x4.splat(0), s12 = i32x4.splat(0), s13 = i32x4.splat(0);
        for (let o: usize = 0; o < ld; o += 16) {
          const x0 = v128.load(p0 + o), x1 = v128.load(p1 + o);
          let y = v128.load(q0 + o);
          s00 = i32x4.add(s00, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x0, y)));
          s10 = i32x4.add(s10, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x1, y)));
          y = v128.load(q1 + o);
          s01 = i32x4.add(s01, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x0, y)));
          s11 = i32x4.add(s11, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x1, y)));
          y = v128.load(q2 + o);
          s02 = i32x4.add(s02, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x0, y)));
          s12 = i32x4.add(s12, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x1, y)));
          y = v128.load(q3 + o);
          s03 = i32x4.add(s03, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x0, y)));
          s13 = i32x4.add(s13, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(x1, y)));
        }
        const r0 = hsum4(s00, s01, s02, s03);
        const r1 = hsum4(s10, s11, s12, s13);
        if (swap) {
          storeCol(c, i, j, M, N, r0);
          if (i + 1 < M) storeCol(c, i + 1, j, M, N, r1);
        } else {
          storeRow(c, i, j, N, r0);
          if (i + 1 < M) storeRow(c, i + 1, j, N, r1);
        }
      }
    }
  }
}

// Writes sums for (i, j..j+3) of a P·Qᵀ product into C = its transpose, [N, M]: C[j + r, i].
// @ts-ignore: decorator
@inline
function storeCol(c: usize, i: i32, j: i32, M: i32, N: i32, v: v128): void {
  const p = c + ((<usize>j * <usize>M + <usize>i) << 2);
  const ld: usize = <usize>M << 2;
  store<i32>(p, i32x4.extract_lane(v, 0));
  if (j + 1 < N) store<i32>(p + ld, i32x4.extract_lane(v, 1));
  if (j + 2 < N) store<i32>(p + 2 * ld, i32x4.extract_lane(v, 2));
  if (j + 3 < N) store<i32>(p + 3 * ld, i32x4.extract_lane(v, 3));
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

/**
 * One int8 image x[C,H,W] → col[OH·OW, C·KH·KW], a row per output pixel (K contiguous, as
 * i8_gemm wants its operands); `pad` (the zero point) where the window is in the padding.
 */
export function i8_im2col_rows(
  col: usize, // i8 [OH·OW, C·KH·KW]
  x: usize, // i8 [C, H, W]
  pad: i32,
  C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32,
): void {
  const OH = (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
  const OW = (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
  let d = col;
  const span = (KW - 1) * DW;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const w0 = ow * SW - PW;
      // Interior columns: the whole window row lies inside the image, no per-element test.
      const inside = w0 >= 0 && w0 + span < W;
      for (let c = 0; c < C; c++) {
        const xc = x + <usize>c * <usize>H * <usize>W;
        for (let kh = 0; kh < KH; kh++) {
          const h = oh * SH - PH + kh * DH;
          const xr = xc + <usize>h * <usize>W;
          if (h < 0 || h >= H) {
            memory.fill(d, <u8>pad, <usize>KW);
          } else if (inside) {
            let p = xr + <usize>w0;
            for (let kw = 0; kw < KW; kw++) {
              store<i8>(d + <usize>kw, load<i8>(p));
              p += <usize>DW;
            }
          } else {
            for (let kw = 0; kw < KW; kw++) {
              const w = w0 + kw * DW;
              store<i8>(d + <usize>kw, w >= 0 && w < W ? load<i8>(xr + <usize>w) : <i8>pad);
            }
          }
          d += <usize>KW;
        }
      }
    }
  }
}
