// Convolution as packed-panel GEMMs (SIMD build only): the im2col matrix is written straight into
// the gemm's packed B panels, a block of columns at a time, for the whole batch; outputs are
// written in place. Forward, weight gradient and data gradient. Not exported from the module;
// the kernels in conv.ts / conv_backward.ts call it. Spec: the direct-loop twins in
// src/kernels/reference/conv.ts and conv_backward.ts.
//
// Columns are output pixels, 8 to a panel (the micro-kernel's NR); an image's pixels start a new
// panel, so a panel never straddles two images (its last panel may be partial). Rows are filter
// taps k = (c·KH + kh)·KW + kw of one group.

import { MR, NR, micro4x8, trStore4, packAN, packAT, EPI_BIAS_ROWS, EPI_RELU } from './gemm_tile';
import { firstIn, endIn } from './window';

// Reduction block (rows of a packed panel) and column block (panels): the packed B block
// ((KC + 1) × 256 floats, the +1 a bias row) sits in L2 and is swept by every 4-row A panel.
const KC = 256;
const NCP = 32;
const NCOL = NCP * NR;
// Row block of the data gradient's dcol buffer (KB × NCOL floats).
const KB = 256;

const B_BLOCK_BYTES = (KC + 1) * NCOL * 4;
const A_PANEL_BYTES = (KC + 1) * MR * 4;
const TILE_BYTES = MR * NR * 4;
// Per panel of a column block: 8 i32 (see panelMeta).
const META_BYTES = NCP * 32;
// Per tap of a reduction block: 4 i32 (see tapTable).
const TAPS_BYTES = (KC + 1) * 16;
const DCOL_BYTES = KB * NCOL * 4;

/** Scratch of convFwdPanels and convBwdWeightPanels (bytes, fixed). */
export const PANEL_SCRATCH_BYTES: i32 = B_BLOCK_BYTES + A_PANEL_BYTES + TILE_BYTES + META_BYTES + TAPS_BYTES;
/** Scratch of convBwdDataPanels: the above plus one dcol block. */
export const PANEL_DX_SCRATCH_BYTES: i32 = PANEL_SCRATCH_BYTES + DCOL_BYTES;

// Scratch parts.
// @ts-ignore: decorator
@inline function bBlock(s: usize): usize { return s; }
// @ts-ignore: decorator
@inline function aPanel(s: usize): usize { return s + B_BLOCK_BYTES; }
// @ts-ignore: decorator
@inline function tileOf(s: usize): usize { return s + B_BLOCK_BYTES + A_PANEL_BYTES; }
// @ts-ignore: decorator
@inline function metaOf(s: usize): usize { return s + B_BLOCK_BYTES + A_PANEL_BYTES + TILE_BYTES; }
// @ts-ignore: decorator
@inline function tapsOf(s: usize): usize { return metaOf(s) + META_BYTES; }
// @ts-ignore: decorator
@inline function dcolOf(s: usize): usize { return s + PANEL_SCRATCH_BYTES; }

// ---------------------------------------------------------------------------------------------
// Geometry of the current call, set once per kernel call (wasm globals).
let gC = 0; let gH = 0; let gW = 0; let gKH = 0; let gKW = 0;
let gSH = 0; let gSW = 0; let gPH = 0; let gPW = 0; let gDH = 0; let gDW = 0;
let gOH = 0; let gOW = 0;

function setGeometry(Cg: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, OH: i32, OW: i32): void {
  gC = Cg; gH = H; gW = W; gKH = KH; gKW = KW; gSH = SH; gSW = SW; gPH = PH; gPW = PW; gDH = DH; gDW = DW;
  gOH = OH; gOW = OW;
}

// Balanced blocks: n = 257 runs as 129 + 128, not 256 + 1.
// @ts-ignore: decorator
@inline
function blockSize(n: i32, max: i32): i32 {
  const blocks = (n + max - 1) / max;
  return (n + blocks - 1) / blocks;
}

// Tap table of taps [k0, k0 + n): per tap 4 i32: byte offset (c·H·W + kh·DH·W + kw·DW)·4,
// ih0 = kh·DH − PH and iw0 = kw·DW − PW (input row/column of output pixel (0, 0)), unused.
function tapTable(taps: usize, k0: i32, n: i32): void {
  const KHW = gKH * gKW;
  let c = k0 / KHW;
  let r = k0 - c * KHW;
  let kh = r / gKW;
  let kw = r - kh * gKW;
  for (let i = 0; i < n; i++) {
    const t = taps + (<usize>i << 4);
    store<i32>(t, (c * gH * gW + kh * gDH * gW + kw * gDW) << 2);
    store<i32>(t, kh * gDH - gPH, 4);
    store<i32>(t, kw * gDW - gPW, 8);
    if (++kw == gKW) {
      kw = 0;
      if (++kh == gKH) {
        kh = 0;
        c++;
      }
    }
  }
}

// Panel table of panels [p0, p0 + n) (P panels per image): per panel 8 i32: image b, first pixel
// n0, width nr ≤ 8, its output row oh and column ow, and `fast`: the byte offset
// ((oh·SH − PH)·W + ow·SW − PW)·4 when the panel is 8 pixels of one output row, stride 1 or 2
// (2: not for the data gradient's fold), with every tap of the filter inside the image, else −1.
function panelMeta(meta: usize, p0: i32, n: i32, P: i32, N: i32): void {
  let b = p0 / P;
  let q = p0 - b * P;
  for (let j = 0; j < n; j++) {
    const m = meta + (<usize>j << 5);
    const n0 = q << 3;
    const nr = min(NR, N - n0);
    const oh = n0 / gOW;
    const ow = n0 - oh * gOW;
    const ih = oh * gSH - gPH;
    const iw = ow * gSW - gPW;
    const fast = nr == NR && (gSW == 1 || gSW == 2) && ow + NR <= gOW &&
      ih >= 0 && ih + (gKH - 1) * gDH < gH && iw >= 0 && iw + (NR - 1) * gSW + (gKW - 1) * gDW < gW;
    store<i32>(m, b);
    store<i32>(m, n0, 4);
    store<i32>(m, nr, 8);
    store<i32>(m, oh, 12);
    store<i32>(m, ow, 16);
    store<i32>(m, fast ? (ih * gW + iw) << 2 : -1, 20);
    if (++q == P) {
      q = 0;
      b++;
    }
  }
}

// Eight pixels of an input row at stride SW (1 or 2) from s into a panel row. Stride 2 reads
// floats 0..14 only (the last load overlaps the one before).
// @ts-ignore: decorator
@inline
function copyPanelRow(dst: usize, s: usize, SW: i32): void {
  if (ASC_FEATURE_SIMD) {
    if (SW == 1) {
      v128.store(dst, v128.load(s));
      v128.store(dst, v128.load(s, 16), 16);
    } else {
      v128.store(dst, f32x4.shuffle(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
      v128.store(dst, f32x4.shuffle(v128.load(s, 32), v128.load(s, 44), 0, 2, 5, 7), 16);
    }
  }
}

// One row of a B panel for a panel that is not `fast`: the nr pixels from (oh, ow) on, tap
// (tapOff, ih0, iw0) of the image group xb; zeros for padding and for columns past nr.
// @ts-ignore: decorator
@inline
function panelRowSlow(dst: usize, xb: usize, tapOff: i32, ih0: i32, iw0: i32, oh: i32, ow: i32, nr: i32): void {
  const ih = oh * gSH + ih0;
  const iw = ow * gSW + iw0;
  v128.store(dst, f32x4.splat(0));
  v128.store(dst, f32x4.splat(0), 16);
  if (ow + nr <= gOW) {
    // One output row: the tap is in the image for all 8 pixels (vector), or for a clipped range.
    if (<u32>ih >= <u32>gH) return;
    const s = xb + <usize>(tapOff + (((oh * gSH - gPH) * gW + ow * gSW - gPW) << 2));
    if (nr == NR && gSW <= 2 && iw >= 0 && iw + (NR - 1) * gSW < gW) {
      copyPanelRow(dst, s, gSW);
      return;
    }
    const lo = firstIn(iw, gSW, nr);
    const hi = endIn(iw, gSW, gW, nr);
    const step: usize = <usize>gSW << 2;
    for (let t = lo; t < hi; t++) store<f32>(dst + (<usize>t << 2), load<f32>(s + <usize>t * step));
    return;
  }
  const cBase = xb + <usize>tapOff - <usize>((ih0 + gPH) * gW + iw0 + gPW << 2); // channel c plane
  let h = ih;
  let w = iw;
  let col = ow;
  for (let t = 0; t < nr; t++) {
    if (<u32>h < <u32>gH && <u32>w < <u32>gW) {
      store<f32>(dst + (<usize>t << 2), load<f32>(cBase + (<usize>(h * gW + w) << 2)));
    }
    w += gSW;
    if (++col == gOW) {
      col = 0;
      h += gSH;
      w = iw0;
    }
  }
}

// Pack the im2col block: taps [k0, k0 + kc) × the np panels of `meta` into B panels of `rows`
// rows each (rows = kc, or kc + 1 with a row of ones that multiplies the bias row of A).
function packIm2colB(
  bp: usize, x: usize, xImage: usize, meta: usize, taps: usize, np: i32, kc: i32, rows: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    const panelBytes: usize = <usize>rows << 5;
    for (let j = 0; j < np; j++) {
      const m = meta + (<usize>j << 5);
      const fast = load<i32>(m, 20);
      const xb = x + <usize>load<i32>(m) * xImage;
      let d = bp + <usize>j * panelBytes;
      if (fast >= 0) {
        const s = xb + <usize>fast;
        if (gSW == 1) {
          for (let i = 0; i < kc; i++) {
            const p = s + <usize>load<i32>(taps + (<usize>i << 4));
            v128.store(d, v128.load(p));
            v128.store(d, v128.load(p, 16), 16);
            d += 32;
          }
        } else {
          for (let i = 0; i < kc; i++) {
            copyPanelRow(d, s + <usize>load<i32>(taps + (<usize>i << 4)), 2);
            d += 32;
          }
        }
      } else {
        const nr = load<i32>(m, 8);
        const oh = load<i32>(m, 12);
        const ow = load<i32>(m, 16);
        for (let i = 0; i < kc; i++) {
          const t = taps + (<usize>i << 4);
          panelRowSlow(d, xb, load<i32>(t), load<i32>(t, 4), load<i32>(t, 8), oh, ow, nr);
          d += 32;
        }
      }
      if (rows > kc) {
        const one = f32x4.splat(1);
        v128.store(d, one);
        v128.store(d, one, 16);
      }
    }
  }
}

/**
 * Forward: y[B, OC, OH·OW] = w_g · im2col(x_g) (+ bias) (then ReLU) for every group g, one packed
 * gemm per group over all images; `epilogue` as f32_conv2d_fwd's. The bias enters as an extra
 * reduction row (bias × 1); the ReLU is applied in the micro-kernel's registers.
 */
export function convFwdPanels(
  y: usize, x: usize, w: usize, bias: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, OH: i32, OW: i32,
  epilogue: i32, scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const Cg = C / G;
    const OCg = OC / G;
    const K = Cg * KH * KW;
    const N = OH * OW;
    const P = (N + NR - 1) / NR;
    const total = B * P;
    setGeometry(Cg, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW);
    const bp = bBlock(scratch);
    const ap = aPanel(scratch);
    const tile = tileOf(scratch);
    const meta = metaOf(scratch);
    const taps = tapsOf(scratch);
    const kcMax = blockSize(K, KC);
    const xImage: usize = <usize>C * <usize>H * <usize>W << 2;
    const ldc: usize = <usize>N << 2;
    for (let g = 0; g < G; g++) {
      const xg = x + (<usize>(g * Cg) * <usize>H * <usize>W << 2);
      const wg = w + (<usize>(g * OCg) * <usize>K << 2);
      const yg = y + (<usize>(g * OCg) * <usize>N << 2);
      for (let p0 = 0; p0 < total; p0 += NCP) {
        const np = min(NCP, total - p0);
        panelMeta(meta, p0, np, P, N);
        for (let pc = 0; pc < K; pc += kcMax) {
          const kc = min(kcMax, K - pc);
          const rows = epilogue & EPI_BIAS_ROWS && pc + kc == K ? kc + 1 : kc;
          tapTable(taps, pc, kc);
          packIm2colB(bp, xg, xImage, meta, taps, np, kc, rows);
          const bet: f32 = pc == 0 ? 0 : 1;
          // The bias is a reduction row; the ReLU goes on with the last K block's store.
          const epi = pc + kc == K ? epilogue & EPI_RELU : 0;
          for (let ir = 0; ir < OCg; ir += MR) {
            const mr = min(MR, OCg - ir);
            packAN(ap, wg, ir, pc, mr, kc, K);
            if (rows > kc) {
              const d = ap + (<usize>kc << 4);
              v128.store(d, f32x4.splat(0));
              for (let i = 0; i < mr; i++) {
                store<f32>(d + (<usize>i << 2), load<f32>(bias + (<usize>(g * OCg + ir + i) << 2)));
              }
            }
            const yr = yg + <usize>ir * ldc;
            for (let j = 0; j < np; j++) {
              const m = meta + (<usize>j << 5);
              const cp = yr + <usize>load<i32>(m) * <usize>OC * ldc + (<usize>load<i32>(m, 4) << 2);
              micro4x8(ap, bp + (<usize>(j * rows) << 5), rows, cp, ldc, 1, bet, mr, load<i32>(m, 8), tile, epi, 0);
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Weight gradient: dW_g[OCg, K] = dY_g[OCg, R] · colᵀ[R, K], R = B·OH·OW pixels (r = b·N + n).

// Pack A = dY_g rows ir..ir+mr, pixels [r0, r0 + kc) into one A panel ((r, i) at r·16 + i·4).
// When `sums` ≠ 0, also adds each row's sum over those pixels to sums[0..mr) (the bias gradient).
function packDyA(
  ap: usize, dy: usize, sums: usize, r0: i32, kc: i32, ir: i32, mr: i32, OC: i32, N: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    const ld: usize = <usize>N << 2;
    let b = r0 / N;
    let n = r0 - b * N;
    let d = ap;
    let left = kc;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
    while (left > 0) {
      const len = min(left, N - n);
      const src = dy + (<usize>(b * OC + ir) * ld) + (<usize>n << 2);
      let i = 0;
      if (mr == MR) {
        for (; i + 4 <= len; i += 4) {
          const o = <usize>i << 2;
          const r0v = v128.load(src + o);
          const r1v = v128.load(src + ld + o);
          const r2v = v128.load(src + 2 * ld + o);
          const r3v = v128.load(src + 3 * ld + o);
          trStore4(d, 16, r0v, r1v, r2v, r3v);
          s0 = f32x4.add(s0, r0v);
          s1 = f32x4.add(s1, r1v);
          s2 = f32x4.add(s2, r2v);
          s3 = f32x4.add(s3, r3v);
          d += 64;
        }
      }
      for (; i < len; i++) {
        v128.store(d, f32x4.splat(0));
        const o = <usize>i << 2;
        for (let q = 0; q < mr; q++) store<f32>(d + (<usize>q << 2), load<f32>(src + <usize>q * ld + o));
        t0 += load<f32>(d);
        t1 += load<f32>(d, 4);
        t2 += load<f32>(d, 8);
        t3 += load<f32>(d, 12);
        d += 16;
      }
      left -= len;
      n = 0;
      b++;
    }
    if (sums) {
      // Horizontal sums of the four lane accumulators, plus the scalar tails.
      const u0 = f32x4.add(f32x4.shuffle(s0, s1, 0, 4, 1, 5), f32x4.shuffle(s0, s1, 2, 6, 3, 7));
      const u1 = f32x4.add(f32x4.shuffle(s2, s3, 0, 4, 1, 5), f32x4.shuffle(s2, s3, 2, 6, 3, 7));
      const sum = f32x4.add(f32x4.shuffle(u0, u1, 0, 1, 4, 5), f32x4.shuffle(u0, u1, 2, 3, 6, 7));
      if (mr > 0) store<f32>(sums, load<f32>(sums) + (f32x4.extract_lane(sum, 0) + t0));
      if (mr > 1) store<f32>(sums, load<f32>(sums, 4) + (f32x4.extract_lane(sum, 1) + t1), 4);
      if (mr > 2) store<f32>(sums, load<f32>(sums, 8) + (f32x4.extract_lane(sum, 2) + t2), 8);
      if (mr > 3) store<f32>(sums, load<f32>(sums, 12) + (f32x4.extract_lane(sum, 3) + t3), 12);
    }
  }
}

// Pack B = colᵀ for pixels [r0, r0 + kc) × taps [k0, k0 + nc) (table `taps`, from k0) into
// ceil(nc/8) panels of kc rows: (r, j) at r·32 + j·4 = x_g at tap k0 + 8·panel + j, pixel r.
function packColTB(bp: usize, x: usize, xImage: usize, taps: usize, r0: i32, kc: i32, nc: i32): void {
  if (ASC_FEATURE_SIMD) {
    const N = gOH * gOW;
    const panelBytes: usize = <usize>kc << 5;
    for (let p = 0; p * NR < nc; p++) {
      const nr = min(NR, nc - p * NR);
      const tp = taps + (<usize>(p * NR) << 4);
      // Pixels (oh, ow) whose 8 taps are all inside the image: oh in [ohLo, ohHi), ow in [owLo, owHi).
      let ohLo = 0, ohHi = gOH, owLo = 0, owHi = gOW;
      for (let t = 0; t < nr; t++) {
        const ih0 = load<i32>(tp + (<usize>t << 4), 4);
        const iw0 = load<i32>(tp + (<usize>t << 4), 8);
        ohLo = max(ohLo, firstIn(ih0, gSH, gOH));
        ohHi = min(ohHi, endIn(ih0, gSH, gH, gOH));
        owLo = max(owLo, firstIn(iw0, gSW, gOW));
        owHi = min(owHi, endIn(iw0, gSW, gW, gOW));
      }
      const vec = nr == NR && gSW <= 2;
      const o0 = load<i32>(tp), o1 = load<i32>(tp, 16), o2 = load<i32>(tp, 32), o3 = load<i32>(tp, 48);
      const o4 = vec ? load<i32>(tp, 64) : 0, o5 = vec ? load<i32>(tp, 80) : 0;
      const o6 = vec ? load<i32>(tp, 96) : 0, o7 = vec ? load<i32>(tp, 112) : 0;
      let b = r0 / N;
      let n = r0 - b * N;
      let oh = n / gOW;
      let ow = n - oh * gOW;
      let d = bp + <usize>p * panelBytes;
      let left = kc;
      while (left > 0) {
        // One run of pixels along an output row.
        const len = min(left, gOW - ow);
        const xb = x + <usize>b * xImage;
        let i = 0;
        if (vec) {
          // [lo, hi): pixels whose 8 taps are all inside; 4-pixel chunks outside it take each tap
          // as a vector when it is inside for all 4, else lane by lane.
          const inRows = oh >= ohLo && oh < ohHi;
          const lo = inRows ? max(ow, owLo) : ow + len;
          const hi = inRows ? max(lo, min(ow + len, owHi)) : ow + len;
          for (; i + 4 <= len && ow + i + 4 <= lo; i += 4) {
            mixedChunk(d, xb, tp, oh, ow + i);
            d += 128;
          }
          for (; ow + i < lo && i < len; i++) {
            colTRowSlow(d, xb, tp, oh, ow + i, nr);
            d += 32;
          }
          const s = xb + (<usize>((oh * gSH - gPH) * gW - gPW) << 2);
          if (gSW == 1) {
            for (; ow + i + 4 <= hi; i += 4) {
              const px = s + (<usize>(ow + i) << 2);
              trStore4(d, 32, v128.load(px + <usize>o0), v128.load(px + <usize>o1),
                v128.load(px + <usize>o2), v128.load(px + <usize>o3));
              trStore4(d + 16, 32, v128.load(px + <usize>o4), v128.load(px + <usize>o5),
                v128.load(px + <usize>o6), v128.load(px + <usize>o7));
              d += 128;
            }
          } else {
            for (; ow + i + 4 <= hi; i += 4) {
              const px = s + (<usize>(ow + i) << 3);
              trStore4(d, 32, even4(px + <usize>o0), even4(px + <usize>o1), even4(px + <usize>o2), even4(px + <usize>o3));
              trStore4(d + 16, 32, even4(px + <usize>o4), even4(px + <usize>o5), even4(px + <usize>o6), even4(px + <usize>o7));
              d += 128;
            }
          }
          for (; i + 4 <= len; i += 4) {
            mixedChunk(d, xb, tp, oh, ow + i);
            d += 128;
          }
        }
        for (; i < len; i++) {
          colTRowSlow(d, xb, tp, oh, ow + i, nr);
          d += 32;
        }
        left -= len;
        ow += len;
        if (ow == gOW) {
          ow = 0;
          if (++oh == gOH) {
            oh = 0;
            b++;
          }
        }
      }
    }
  }
}

// Floats 0, 2, 4, 6 at p (reads floats 0..6 only).
// @ts-ignore: decorator
@inline
function even4(p: usize): v128 {
  return f32x4.shuffle(v128.load(p), v128.load(p, 12), 0, 2, 5, 7);
}

// Tap e (table entry) of the 4 pixels (oh, ow .. ow + 3) of an output row, zeros where outside.
// @ts-ignore: decorator
@inline
function tapVec(xb: usize, e: usize, oh: i32, ow: i32): v128 {
  if (ASC_FEATURE_SIMD) {
    const ih = oh * gSH + load<i32>(e, 4);
    if (<u32>ih >= <u32>gH) return f32x4.splat(0);
    const iw = ow * gSW + load<i32>(e, 8);
    const p = xb + <usize>load<i32>(e) + <usize>(((oh * gSH - gPH) * gW + ow * gSW - gPW) << 2);
    if (iw >= 0 && iw + 3 * gSW < gW) return gSW == 1 ? v128.load(p) : even4(p);
    const step: usize = <usize>gSW << 2;
    let v = f32x4.splat(0);
    if (<u32>iw < <u32>gW) v = f32x4.replace_lane(v, 0, load<f32>(p));
    if (<u32>(iw + gSW) < <u32>gW) v = f32x4.replace_lane(v, 1, load<f32>(p + step));
    if (<u32>(iw + 2 * gSW) < <u32>gW) v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
    if (<u32>(iw + 3 * gSW) < <u32>gW) v = f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
    return v;
  }
  return unreachable();
}

// Four pixels (oh, ow ..) of an output row × the 8 taps of table tp, as 4 rows of a colᵀ panel.
// @ts-ignore: decorator
@inline
function mixedChunk(d: usize, xb: usize, tp: usize, oh: i32, ow: i32): void {
  if (ASC_FEATURE_SIMD) {
    trStore4(d, 32, tapVec(xb, tp, oh, ow), tapVec(xb, tp + 16, oh, ow), tapVec(xb, tp + 32, oh, ow), tapVec(xb, tp + 48, oh, ow));
    trStore4(d + 16, 32, tapVec(xb, tp + 64, oh, ow), tapVec(xb, tp + 80, oh, ow), tapVec(xb, tp + 96, oh, ow), tapVec(xb, tp + 112, oh, ow));
  }
}

// One row of a colᵀ panel: pixel (oh, ow) at the nr taps of table tp; zeros elsewhere.
// @ts-ignore: decorator
@inline
function colTRowSlow(d: usize, xb: usize, tp: usize, oh: i32, ow: i32, nr: i32): void {
  v128.store(d, f32x4.splat(0));
  v128.store(d, f32x4.splat(0), 16);
  const hb = oh * gSH;
  const wb = ow * gSW;
  const pix = ((hb - gPH) * gW + wb - gPW) << 2;
  for (let t = 0; t < nr; t++) {
    const e = tp + (<usize>t << 4);
    const ih = hb + load<i32>(e, 4);
    const iw = wb + load<i32>(e, 8);
    if (<u32>ih < <u32>gH && <u32>iw < <u32>gW) {
      store<f32>(d + (<usize>t << 2), load<f32>(xb + <usize>(pix + load<i32>(e))));
    }
  }
}

/**
 * dW_g = dY_g · im2col(x_g)ᵀ over all images, overwriting dw; and, when dbias ≠ 0, dbias[OC]
 * overwritten with the sum of dY over batch and pixels (computed while packing dY).
 */
export function convBwdWeightPanels(
  dw: usize, dbias: usize, dy: usize, x: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, OH: i32, OW: i32,
  scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const Cg = C / G;
    const OCg = OC / G;
    const K = Cg * KH * KW;
    const N = OH * OW;
    const R = B * N;
    setGeometry(Cg, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW);
    const bp = bBlock(scratch);
    const ap = aPanel(scratch);
    const tile = tileOf(scratch);
    const taps = tapsOf(scratch);
    const kcMax = blockSize(R, KC);
    const xImage: usize = <usize>C * <usize>H * <usize>W << 2;
    const ldc: usize = <usize>K << 2;
    if (dbias) memory.fill(dbias, 0, <usize>OC << 2);
    for (let g = 0; g < G; g++) {
      const xg = x + (<usize>(g * Cg) * <usize>H * <usize>W << 2);
      const dwg = dw + (<usize>(g * OCg) * <usize>K << 2);
      for (let jc = 0; jc < K; jc += NCOL) {
        const nc = min(NCOL, K - jc);
        tapTable(taps, jc, nc);
        for (let pc = 0; pc < R; pc += kcMax) {
          const kc = min(kcMax, R - pc);
          packColTB(bp, xg, xImage, taps, pc, kc, nc);
          const bet: f32 = pc == 0 ? 0 : 1;
          for (let ir = 0; ir < OCg; ir += MR) {
            const mr = min(MR, OCg - ir);
            const sums = dbias && jc == 0 ? dbias + (<usize>(g * OCg + ir) << 2) : 0;
            packDyA(ap, dy, sums, pc, kc, g * OCg + ir, mr, OC, N);
            const cr = dwg + <usize>ir * ldc + (<usize>jc << 2);
            for (let j = 0; j * NR < nc; j++) {
              micro4x8(ap, bp + (<usize>(j * kc) << 5), kc, cr + (<usize>(j * NR) << 2), ldc, 1, bet,
                mr, min(NR, nc - j * NR), tile, 0, 0);
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Data gradient: dcol[K, R] = W_gᵀ · dY_g, a block of KB taps × one column block at a time,
// folded straight back onto dx (col2im); dx must be zero on entry.

// Pack B = dY_g rows (output channels) [oc0, oc0 + kc) for the np panels of `meta`:
// (oc, t) at oc·32 + t·4 = dY[b, oc, n0 + t], zeros past nr.
function packDyB(bp: usize, dy: usize, meta: usize, np: i32, oc0: i32, kc: i32, OC: i32, N: i32): void {
  if (ASC_FEATURE_SIMD) {
    const ld: usize = <usize>N << 2;
    for (let j = 0; j < np; j++) {
      const m = meta + (<usize>j << 5);
      const nr = load<i32>(m, 8);
      let s = dy + <usize>(load<i32>(m) * OC + oc0) * ld + (<usize>load<i32>(m, 4) << 2);
      let d = bp + (<usize>(j * kc) << 5);
      if (nr == NR) {
        for (let i = 0; i < kc; i++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ld;
          d += 32;
        }
      } else {
        for (let i = 0; i < kc; i++) {
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let t = 0; t < nr; t++) store<f32>(d + (<usize>t << 2), load<f32>(s + (<usize>t << 2)));
          s += ld;
          d += 32;
        }
      }
    }
  }
}

// dx_g += col2im of the dcol block: taps of table `taps` (n of them) × the np panels of `meta`.
function foldDcol(dx: usize, xImage: usize, dcol: usize, meta: usize, taps: usize, np: i32, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let i = 0; i < n; i++) {
      const t = taps + (<usize>i << 4);
      const tapOff = load<i32>(t);
      const ih0 = load<i32>(t, 4);
      const iw0 = load<i32>(t, 8);
      const row = dcol + (<usize>i * NCOL << 2);
      for (let j = 0; j < np; j++) {
        const m = meta + (<usize>j << 5);
        const fast = load<i32>(m, 20);
        const xb = dx + <usize>load<i32>(m) * xImage;
        const src = row + (<usize>j << 5);
        const nr = load<i32>(m, 8);
        let h = load<i32>(m, 12) * gSH + ih0;
        let w = load<i32>(m, 16) * gSW + iw0;
        // Vector when the panel is inside for every tap, or this tap lands inside for all 8.
        const oneRow = gSW <= 2 && nr == NR && load<i32>(m, 16) + NR <= gOW;
        if (oneRow && ((fast >= 0 && gSW == 1) || (<u32>h < <u32>gH && w >= 0 && w + (NR - 1) * gSW < gW))) {
          const p = xb + <usize>tapOff + <usize>(((load<i32>(m, 12) * gSH - gPH) * gW + load<i32>(m, 16) * gSW - gPW) << 2);
          const a = v128.load(src), b = v128.load(src, 16);
          if (gSW == 1) {
            v128.store(p, f32x4.add(v128.load(p), a));
            v128.store(p, f32x4.add(v128.load(p, 16), b), 16);
          } else {
            // Stride 2: the 8 values go to floats 0, 2, …, 14; the odd floats between (inside the
            // row) get +0, which leaves every value dx can hold unchanged. The last vector
            // overlaps the third at float 11 (an odd one) so nothing past float 14 is touched.
            const z = f32x4.splat(0);
            v128.store(p, f32x4.add(v128.load(p), f32x4.shuffle(a, z, 0, 4, 1, 4)));
            v128.store(p, f32x4.add(v128.load(p, 16), f32x4.shuffle(a, z, 2, 4, 3, 4)), 16);
            v128.store(p, f32x4.add(v128.load(p, 32), f32x4.shuffle(b, z, 0, 4, 1, 4)), 32);
            v128.store(p, f32x4.add(v128.load(p, 44), f32x4.shuffle(b, z, 4, 2, 4, 3)), 44);
          }
        } else if (load<i32>(m, 16) + nr <= gOW) {
          // One output row, the tap partly outside: the clipped range.
          if (<u32>h >= <u32>gH) continue;
          const p = xb + <usize>tapOff + <usize>(((load<i32>(m, 12) * gSH - gPH) * gW + load<i32>(m, 16) * gSW - gPW) << 2);
          const lo = firstIn(w, gSW, nr);
          const hi = endIn(w, gSW, gW, nr);
          const step: usize = <usize>gSW << 2;
          for (let q = lo; q < hi; q++) {
            const a = p + <usize>q * step;
            store<f32>(a, load<f32>(a) + load<f32>(src + (<usize>q << 2)));
          }
        } else {
          let col = load<i32>(m, 16);
          const cBase = xb + <usize>tapOff - <usize>((ih0 + gPH) * gW + iw0 + gPW << 2);
          for (let q = 0; q < nr; q++) {
            if (<u32>h < <u32>gH && <u32>w < <u32>gW) {
              const p = cBase + (<usize>(h * gW + w) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>q << 2)));
            }
            w += gSW;
            if (++col == gOW) {
              col = 0;
              h += gSH;
              w = iw0;
            }
          }
        }
      }
    }
  }
}

/**
 * dx_g += col2im(W_gᵀ · dY_g) over all images (dx must be zeroed by the caller); a 1×1 stride-1
 * unpadded conv writes the product straight into dx.
 */
export function convBwdDataPanels(
  dx: usize, dy: usize, w: usize,
  B: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, OH: i32, OW: i32,
  scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const Cg = C / G;
    const OCg = OC / G;
    const K = Cg * KH * KW;
    const N = OH * OW;
    const P = (N + NR - 1) / NR;
    const total = B * P;
    setGeometry(Cg, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW);
    const bp = bBlock(scratch);
    const ap = aPanel(scratch);
    const tile = tileOf(scratch);
    const meta = metaOf(scratch);
    const taps = tapsOf(scratch);
    const dcol = dcolOf(scratch);
    const kcMax = blockSize(OCg, KC);
    const single = kcMax == OCg; // one reduction block: pack dY once per column block
    const direct = KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0;
    const xImage: usize = <usize>C * <usize>H * <usize>W << 2;
    const ldc: usize = <usize>NCOL << 2;
    for (let g = 0; g < G; g++) {
      const dxg = dx + (<usize>(g * Cg) * <usize>H * <usize>W << 2);
      const wg = w + (<usize>(g * OCg) * <usize>K << 2);
      for (let p0 = 0; p0 < total; p0 += NCP) {
        const np = min(NCP, total - p0);
        panelMeta(meta, p0, np, P, N);
        for (let kb = 0; kb < K; kb += KB) {
          const kn = min(KB, K - kb);
          for (let pc = 0; pc < OCg; pc += kcMax) {
            const kc = min(kcMax, OCg - pc);
            if (!single || kb == 0) packDyB(bp, dy, meta, np, g * OCg + pc, kc, OC, N);
            const bet: f32 = pc == 0 ? 0 : 1;
            for (let ir = 0; ir < kn; ir += MR) {
              const mr = min(MR, kn - ir);
              packAT(ap, wg, kb + ir, pc, mr, kc, K);
              if (direct) {
                // 1×1: dcol is dx itself (rows are channels).
                const cr = dxg + (<usize>(kb + ir) * <usize>N << 2);
                for (let j = 0; j < np; j++) {
                  const m = meta + (<usize>j << 5);
                  micro4x8(ap, bp + (<usize>(j * kc) << 5), kc, cr + <usize>load<i32>(m) * xImage + (<usize>load<i32>(m, 4) << 2),
                    <usize>N << 2, 1, bet, mr, load<i32>(m, 8), tile, 0, 0);
                }
                continue;
              }
              const cr = dcol + <usize>ir * ldc;
              for (let j = 0; j < np; j++) {
                micro4x8(ap, bp + (<usize>(j * kc) << 5), kc, cr + (<usize>j << 5), ldc, 1, bet, mr, NR, tile, 0, 0);
              }
            }
          }
          if (direct) continue;
          tapTable(taps, kb, kn);
          foldDcol(dxg, xImage, dcol, meta, taps, np, kn);
        }
      }
    }
  }
}
