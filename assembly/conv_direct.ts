// Direct convolution for layers with few input channels per group (first layers on images:
// C/G·KH·KW is small), SIMD build only. With a small K an im2col gemm spends about as long
// writing its packed panels as multiplying, and the panels cost the same for 10 filters as for
// 20; here nothing is packed but a padded copy of the input. Not exported from the module;
// f32_conv2d_fwd (conv.ts) calls it. Spec: the direct-loop twin in src/kernels/reference/conv.ts.
//
// Per image and group, a strip of input rows is copied into scratch with the padding as explicit
// zeros (so a non-finite weight times padding is NaN, as in the twin), and each padded row is
// split into SW phases (entry i of phase q is padded column i·SW + q): then for any stride and
// dilation, tap (c, kh, kw) of 4 adjacent outputs is one contiguous v128 load. A tile of up to 4
// output channels × up to 4 vectors of 4 adjacent output columns (8 accumulators at most: V8
// keeps ~15 xmm registers in a loop) sums over the taps, each weight broadcast from a block of
// weights laid out tap-major.

import { madd } from './madd';
import { zeroF32, pointwise } from './window';
import { EPI_BIAS_ROWS, EPI_RELU, reluF32 } from './gemm_tile';

/** Most input channels per group the direct path takes (measured: Winograd or panels win above). */
export const DIRECT_MAX_IN = 4;
// Taps per filter (C/G·KH·KW): the tap table and the packed weights of one block.
const MAX_TAPS = 512;
// The strip: 64 KiB. Only the KH rows of each channel that one output row reads need to stay in L1.
const STRIP_FLOATS = 16384;
const TAPS_OFF = STRIP_FLOATS * 4;
const WEIGHTS_OFF = TAPS_OFF + MAX_TAPS * 4;
/** Scratch bytes of convFwdDirect: the strip, a tap table (i32 offsets), 4 weights per tap. */
export const DIRECT_SCRATCH_BYTES = WEIGHTS_OFF + MAX_TAPS * 16;

// Entries per phase of a padded row: the columns 4 adjacent outputs read, the last vector of a
// row rounded up to 4 outputs (its extra lanes read zeros and are never stored).
// @ts-ignore: decorator
@inline
function phaseWidth(OW: i32, KW: i32, SW: i32, DW: i32): i32 {
  return ((OW + 3) & ~3) + (KW - 1) * DW / SW;
}

// Padded input rows that R consecutive output rows read.
// @ts-ignore: decorator
@inline
function stripRows(R: i32, KH: i32, SH: i32, DH: i32): i32 {
  return (R - 1) * SH + (KH - 1) * DH + 1;
}

/**
 * Whether the direct path takes this conv (C/G input channels per group, OW output columns): not
 * a pointwise one (a plain gemm on the input is faster, measured).
 */
export function directFits(
  Cg: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, OW: i32,
): bool {
  if (Cg > DIRECT_MAX_IN || Cg * KH * KW > MAX_TAPS || pointwise(KH, KW, SH, SW, PH, PW)) return false;
  // At least one output row's strip must fit.
  return <i64>Cg * <i64>stripRows(1, KH, SH, DH) * <i64>(SW * phaseWidth(OW, KW, SW, DW)) <= STRIP_FLOATS;
}

// Stores the first n (≥ 1) lanes of v at p.
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(p, v);
  else if (n == 1) v128.store32_lane(p, v, 0);
  else {
    v128.store64_lane(p, v, 0);
    if (n == 3) v128.store32_lane(p, v, 2, 8);
  }
}

// One tile: OB output channels (planes yPlane bytes apart) × NP positions, each a vector of 4
// adjacent outputs of one row: position j reads the strip from sj and stores its first nj
// lanes at yj. The tap table holds each tap's byte offset from a position's strip pointer, wt
// the tap's OB weights (16 bytes per tap). OB and NP are constants at every call, so the
// unused accumulators and loads fold away.
// @ts-ignore: decorator
@inline
function tile(
  OB: i32, NP: i32, yPlane: usize, taps: usize, tapsEnd: usize, wt: usize,
  s0: usize, s1: usize, s2: usize, s3: usize, y0: usize, y1: usize, y2: usize, y3: usize,
  n0: i32, n1: i32, n2: i32, n3: i32, b0: v128, b1: v128, b2: v128, b3: v128,
): void {
  if (ASC_FEATURE_SIMD) {
    let a00 = b0, a01 = b0, a02 = b0, a03 = b0;
    let a10 = b1, a11 = b1, a12 = b1, a13 = b1;
    let a20 = b2, a21 = b2;
    let a30 = b3, a31 = b3;
    let t = taps;
    let q = wt;
    while (t < tapsEnd) {
      const off = <usize>load<i32>(t);
      const x0 = v128.load(s0 + off);
      // Unused positions are not loaded (a load may trap, so the optimiser would keep it).
      const x1 = NP > 1 ? v128.load(s1 + off) : x0;
      const x2 = NP > 2 ? v128.load(s2 + off) : x0;
      const x3 = NP > 2 ? v128.load(s3 + off) : x0;
      let wv = v128.load32_splat(q);
      a00 = madd(wv, x0, a00);
      if (NP > 1) a01 = madd(wv, x1, a01);
      if (NP > 2) {
        a02 = madd(wv, x2, a02);
        a03 = madd(wv, x3, a03);
      }
      if (OB > 1) {
        wv = v128.load32_splat(q, 4);
        a10 = madd(wv, x0, a10);
        if (NP > 1) a11 = madd(wv, x1, a11);
        if (NP > 2) {
          a12 = madd(wv, x2, a12);
          a13 = madd(wv, x3, a13);
        }
      }
      if (OB > 2) {
        wv = v128.load32_splat(q, 8);
        a20 = madd(wv, x0, a20);
        if (NP > 1) a21 = madd(wv, x1, a21);
        wv = v128.load32_splat(q, 12);
        a30 = madd(wv, x0, a30);
        if (NP > 1) a31 = madd(wv, x1, a31);
      }
      t += 4;
      q += 16;
    }
    storeLanes(y0, a00, n0);
    if (NP > 1) storeLanes(y1, a01, n1);
    if (NP > 2) {
      storeLanes(y2, a02, n2);
      storeLanes(y3, a03, n3);
    }
    if (OB > 1) {
      storeLanes(y0 + yPlane, a10, n0);
      if (NP > 1) storeLanes(y1 + yPlane, a11, n1);
      if (NP > 2) {
        storeLanes(y2 + yPlane, a12, n2);
        storeLanes(y3 + yPlane, a13, n3);
      }
    }
    if (OB > 2) {
      const p2 = yPlane << 1;
      const p3 = p2 + yPlane;
      storeLanes(y0 + p2, a20, n0);
      storeLanes(y0 + p3, a30, n0);
      if (NP > 1) {
        storeLanes(y1 + p2, a21, n1);
        storeLanes(y1 + p3, a31, n1);
      }
    }
  }
}

// All output vectors of OB channels over a strip's `rows` rows, NP at a time: positions run
// along each row and on into the next, so every tile is full (8 or 4 accumulators) however
// many vectors a row holds; when the positions run out, the last one repeats (it computes and
// stores the same values twice). yb: the block's first output row; src: the strip.
// @ts-ignore: decorator
@inline
function sweep(
  OB: i32, NP: i32, yb: usize, yPlane: usize, OW: i32, rows: i32, src: usize, rowStep: usize,
  taps: usize, tapsEnd: usize, wt: usize, b0: v128, b1: v128, b2: v128, b3: v128,
): void {
  const nv = (OW + 3) >> 2;
  const yRow: usize = <usize>OW << 2;
  let left = rows * nv;
  // The next position: row r, vector v.
  let r = 0;
  let v = 0;
  while (left > 0) {
    const s0 = src + <usize>r * rowStep + (<usize>v << 4);
    const y0 = yb + <usize>r * yRow + (<usize>v << 4);
    const n0 = OW - 4 * v;
    if (left > 1) {
      if (++v == nv) { v = 0; r++; }
    }
    const s1 = src + <usize>r * rowStep + (<usize>v << 4);
    const y1 = yb + <usize>r * yRow + (<usize>v << 4);
    const n1 = OW - 4 * v;
    if (NP > 2) {
      if (left > 2) {
        if (++v == nv) { v = 0; r++; }
      }
    }
    const s2 = src + <usize>r * rowStep + (<usize>v << 4);
    const y2 = yb + <usize>r * yRow + (<usize>v << 4);
    const n2 = OW - 4 * v;
    if (NP > 2) {
      if (left > 3) {
        if (++v == nv) { v = 0; r++; }
      }
    }
    const s3 = src + <usize>r * rowStep + (<usize>v << 4);
    const y3 = yb + <usize>r * yRow + (<usize>v << 4);
    const n3 = OW - 4 * v;
    if (left > NP) {
      if (++v == nv) { v = 0; r++; }
    }
    if (OB == 4) tile4(yPlane, taps, tapsEnd, wt, s0, s1, y0, y1, n0, n1, b0, b1, b2, b3);
    else if (OB == 2) tile2(yPlane, taps, tapsEnd, wt, s0, s1, s2, s3, y0, y1, y2, y3, n0, n1, n2, n3, b0, b1);
    else tile1(taps, tapsEnd, wt, s0, s1, s2, s3, y0, y1, y2, y3, n0, n1, n2, n3, b0);
    left -= NP;
  }
}

// The tile shapes, as functions of their own: inlined into the sweep, V8 runs out of registers
// in the tap loop (it recomputes the position pointers there and spills the tap pointers).
function tile4(
  yPlane: usize, taps: usize, tapsEnd: usize, wt: usize, s0: usize, s1: usize, y0: usize, y1: usize,
  n0: i32, n1: i32, b0: v128, b1: v128, b2: v128, b3: v128,
): void {
  tile(4, 2, yPlane, taps, tapsEnd, wt, s0, s1, 0, 0, y0, y1, 0, 0, n0, n1, 0, 0, b0, b1, b2, b3);
}
function tile2(
  yPlane: usize, taps: usize, tapsEnd: usize, wt: usize, s0: usize, s1: usize, s2: usize, s3: usize,
  y0: usize, y1: usize, y2: usize, y3: usize, n0: i32, n1: i32, n2: i32, n3: i32, b0: v128, b1: v128,
): void {
  tile(2, 4, yPlane, taps, tapsEnd, wt, s0, s1, s2, s3, y0, y1, y2, y3, n0, n1, n2, n3, b0, b1, b1, b1);
}
function tile1(
  taps: usize, tapsEnd: usize, wt: usize, s0: usize, s1: usize, s2: usize, s3: usize,
  y0: usize, y1: usize, y2: usize, y3: usize, n0: i32, n1: i32, n2: i32, n3: i32, b0: v128,
): void {
  tile(1, 4, 0, taps, tapsEnd, wt, s0, s1, s2, s3, y0, y1, y2, y3, n0, n1, n2, n3, b0, b0, b0, b0);
}

// The block shapes, as functions of their own: inlined at one call site, the optimiser would
// merge the three into one loop whose tile shape is a runtime value.
function sweep4(
  yb: usize, yPlane: usize, OW: i32, rows: i32, src: usize, rowStep: usize, taps: usize, tapsEnd: usize, wt: usize,
  b0: v128, b1: v128, b2: v128, b3: v128,
): void {
  sweep(4, 2, yb, yPlane, OW, rows, src, rowStep, taps, tapsEnd, wt, b0, b1, b2, b3);
}
function sweep2(
  yb: usize, yPlane: usize, OW: i32, rows: i32, src: usize, rowStep: usize, taps: usize, tapsEnd: usize, wt: usize,
  b0: v128, b1: v128, b2: v128, b3: v128,
): void {
  sweep(2, 4, yb, yPlane, OW, rows, src, rowStep, taps, tapsEnd, wt, b0, b1, b2, b3);
}
function sweep1(
  yb: usize, yPlane: usize, OW: i32, rows: i32, src: usize, rowStep: usize, taps: usize, tapsEnd: usize, wt: usize,
  b0: v128, b1: v128, b2: v128, b3: v128,
): void {
  sweep(1, 4, yb, yPlane, OW, rows, src, rowStep, taps, tapsEnd, wt, b0, b1, b2, b3);
}

// Copies input row xr (W floats; 0 when the row is padding) into the strip row at dst: SW
// phases of PWq entries, entry i of phase q = padded column i·SW + q, zero outside the image.
// NOTE: vector loops, not memory.copy/fill: V8 calls out of line for those, and at a few dozen
// floats a row the calls cost more than the conv of a 10-filter layer's row.
function copyRow(dst: usize, xr: usize, W: i32, PW: i32, SW: i32, PWq: i32): void {
  if (xr == 0) {
    zeroF32(dst, SW * PWq);
    return;
  }
  for (let q = 0; q < SW; q++) {
    const d = dst + (<usize>(q * PWq) << 2);
    // Entries whose padded column i·SW + q − PW lies in [0, W).
    const lo = min(PWq, max(0, (PW - q + SW - 1) / SW));
    const hi = max(lo, min(PWq, (W + PW - q + SW - 1) / SW));
    zeroF32(d, lo);
    let s = xr + (<usize>(lo * SW + q - PW) << 2);
    let i = lo;
    if (SW == 1) {
      for (; i + 4 <= hi; i += 4) {
        v128.store(d + (<usize>i << 2), v128.load(s));
        s += 16;
      }
    }
    const step = <usize>SW << 2;
    for (; i < hi; i++) {
      store<f32>(d + (<usize>i << 2), load<f32>(s));
      s += step;
    }
    zeroF32(d + (<usize>hi << 2), PWq - hi);
  }
}

/**
 * y[B, OC, OH, OW] = conv(x, w) + bias (then ReLU; `epilogue` as f32_conv2d_fwd's), directly, for a conv that directFits. Strips of output
 * rows per image and group; within a strip, blocks of 4 output channels (then 2, then 1) sweep
 * the strip row by row.
 */
export function convFwdDirect(
  y: usize, x: usize, w: usize, bias: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, OH: i32, OW: i32,
  epilogue: i32, scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const hasBias = epilogue & EPI_BIAS_ROWS;
    const Cg = C / G;
    const OCg = OC / G;
    const K = Cg * KH * KW;
    const PWq = phaseWidth(OW, KW, SW, DW);
    const rowFloats = SW * PWq;
    // Output rows per strip, and the strip's per-channel stride (fixed for the call).
    const R = min(OH, (STRIP_FLOATS / (Cg * rowFloats) - (KH - 1) * DH - 1) / SH + 1);
    const chanFloats = stripRows(R, KH, SH, DH) * rowFloats;
    const strip = scratch;
    const taps = scratch + TAPS_OFF;
    const tapsEnd = taps + (<usize>K << 2);
    const wt = scratch + WEIGHTS_OFF;
    // Byte offset of tap (c, kh, kw) from a tile's first output in the strip.
    let t = taps;
    for (let c = 0; c < Cg; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const col = kw * DW;
          store<i32>(t, (c * chanFloats + kh * DH * rowFloats + (col % SW) * PWq + col / SW) << 2);
          t += 4;
        }
      }
    }
    const plane: usize = <usize>H * <usize>W << 2;
    const yPlane: usize = <usize>OH * <usize>OW << 2;
    const rowStep: usize = <usize>(SH * rowFloats) << 2;
    const zero = f32x4.splat(0);
    for (let b = 0; b < B; b++) {
      for (let g = 0; g < G; g++) {
        const xg = x + <usize>(b * C + g * Cg) * plane;
        for (let oh0 = 0; oh0 < OH; oh0 += R) {
          const rows = min(R, OH - oh0);
          const ih0 = oh0 * SH - PH;
          for (let c = 0; c < Cg; c++) {
            for (let r = 0; r < stripRows(rows, KH, SH, DH); r++) {
              const ih = ih0 + r;
              const xr = <u32>ih < <u32>H ? xg + <usize>c * plane + (<usize>(ih * W) << 2) : 0;
              copyRow(strip + (<usize>(c * chanFloats + r * rowFloats) << 2), xr, W, PW, SW, PWq);
            }
          }
          let oc = 0;
          while (oc < OCg) {
            const OB = OCg - oc >= 4 ? 4 : OCg - oc >= 2 ? 2 : 1;
            const o0 = g * OCg + oc;
            // This block's weights, tap-major: tap t's OB weights at wt + 16·t.
            for (let o = 0; o < OB; o++) {
              const wo = w + (<usize>(o0 + o) * <usize>K << 2);
              for (let k = 0; k < K; k++) store<f32>(wt + (<usize>k << 4) + (<usize>o << 2), load<f32>(wo + (<usize>k << 2)));
            }
            let b0 = zero, b1 = zero, b2 = zero, b3 = zero;
            if (hasBias) {
              const bp = bias + (<usize>o0 << 2);
              b0 = v128.load32_splat(bp);
              if (OB > 1) b1 = v128.load32_splat(bp, 4);
              if (OB > 2) {
                b2 = v128.load32_splat(bp, 8);
                b3 = v128.load32_splat(bp, 12);
              }
            }
            const yb = y + <usize>(b * OC + o0) * yPlane + (<usize>(oh0 * OW) << 2);
            if (OB == 4) sweep4(yb, yPlane, OW, rows, strip, rowStep, taps, tapsEnd, wt, b0, b1, b2, b3);
            else if (OB == 2) sweep2(yb, yPlane, OW, rows, strip, rowStep, taps, tapsEnd, wt, b0, b1, b2, b3);
            else sweep1(yb, yPlane, OW, rows, strip, rowStep, taps, tapsEnd, wt, b0, b1, b2, b3);
            // The ReLU as a pass over the block's rows just stored (still in L1): the register-tuned
            // tile functions stay as they are.
            if (epilogue & EPI_RELU) for (let o = 0; o < OB; o++) reluF32(yb + <usize>o * yPlane, rows * OW);
            oc += OB;
          }
        }
      }
    }
  }
}
