// 2-D max and average pooling, forward and backward, per (batch, channel) plane.
// Spec: src/kernels/reference/pool.ts. No validation here; no dilation, floor output sizes.
// SIMD paths compute 4 adjacent output columns whose windows lie inside the image horizontally;
// the left/right borders and the scalar build use the per-output scalar code. The usual layer,
// 2×2 stride 2 unpadded, has forward paths of its own without any border logic.

import { outSize, firstIn, endIn, zeroF32 } from './window';

// ---------------------------------------------------------------------------------------------
// Max pooling. Each window is scanned row-major; an element replaces the best so far when it is
// greater, or when it is NaN and the best is not: the first NaN wins, ties keep the first.
// NOTE: a window entirely in padding (only possible with padding ≥ kernel) gives y = −Inf and
// argmax = −1, so the backward pass drops its gradient.

// Four lanes of x at columns p, p+SW, p+2SW, p+3SW (p a byte address). `spare`: one float past
// the last tap is inside the row, so the SW = 2 path may load it.
// @ts-ignore: decorator
@inline
function gather4(p: usize, SW: i32, spare: bool): v128 {
  if (ASC_FEATURE_SIMD) {
    if (SW == 1) return v128.load(p);
    if (SW == 2 && spare) return f32x4.shuffle(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
    const s: usize = <usize>SW << 2;
    let v = f32x4.splat(load<f32>(p));
    v = f32x4.replace_lane(v, 1, load<f32>(p + s));
    v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * s));
    return f32x4.replace_lane(v, 3, load<f32>(p + 3 * s));
  }
  return unreachable();
}

// One output: the window rows [hs, he), columns [ws, we) of the plane xp.
// @ts-ignore: decorator
@inline
function maxOne(yp: usize, ap: usize, xp: usize, W: i32, hs: i32, he: i32, ws: i32, we: i32): void {
  if (hs >= he || ws >= we) {
    store<f32>(yp, <f32>-Infinity);
    store<i32>(ap, -1);
    return;
  }
  let bi = hs * W + ws;
  if (ASC_FEATURE_SIMD) {
    // The same select chain in lane 0 of v128 registers: bitselect never branches, whereas a
    // scalar f32 select may compile to a (mispredicted) branch.
    let vbest = v128.load32_zero(xp + (<usize>bi << 2));
    let vidx = i32x4.splat(bi);
    for (let h = hs; h < he; h++) {
      let at = i32x4.splat(h * W + ws);
      let p = xp + (<usize>(h * W + ws) << 2);
      for (let w = ws; w < we; w++) {
        const v = v128.load32_zero(p);
        const take = v128.andnot(f32x4.eq(vbest, vbest), f32x4.le(v, vbest));
        vbest = v128.bitselect(v, vbest, take);
        vidx = v128.bitselect(at, vidx, take);
        at = i32x4.add(at, i32x4.splat(1));
        p += 4;
      }
    }
    v128.store32_lane(yp, vbest, 0);
    v128.store32_lane(ap, vidx, 0);
    return;
  }
  let best = load<f32>(xp + (<usize>bi << 2));
  for (let h = hs; h < he; h++) {
    for (let w = ws; w < we; w++) {
      const i = h * W + w;
      const v = load<f32>(xp + (<usize>i << 2));
      // v > best, or v NaN while best is not; branch-free (random data mispredicts).
      const take = <bool>(<i32>!(v <= best) & <i32>(best == best));
      best = select<f32>(v, best, take);
      bi = select<i32>(i, bi, take);
    }
  }
  store<f32>(yp, best);
  store<i32>(ap, bi);
}

// The common 2×2 stride-2 window, for 4 adjacent outputs whose windows are inside the image:
// rows at p and p + rowBytes, input columns 0..7 (even lanes the left taps, odd the right); `at`
// is the input index of the first tap. The select chain as a tree, (a vs b) vs (c vs d): the
// first of the maxima wins either way, NaN above everything, as in the scalar scan.
// @ts-ignore: decorator
@inline
function max2x2s2(yp: usize, ap: usize, p: usize, rowBytes: usize, at: i32, W: i32): void {
  if (ASC_FEATURE_SIMD) {
    const u0 = v128.load(p), u1 = v128.load(p, 16);
    const q = p + rowBytes;
    const l0 = v128.load(q), l1 = v128.load(q, 16);
    const a = f32x4.shuffle(u0, u1, 0, 2, 4, 6), b = f32x4.shuffle(u0, u1, 1, 3, 5, 7);
    const c = f32x4.shuffle(l0, l1, 0, 2, 4, 6), d = f32x4.shuffle(l0, l1, 1, 3, 5, 7);
    // take: the right one is greater, or NaN while the left is not. Its lanes are −1 where true,
    // so index − take moves to the right tap (one column on).
    const tab = v128.andnot(f32x4.eq(a, a), f32x4.le(b, a));
    const tcd = v128.andnot(f32x4.eq(c, c), f32x4.le(d, c));
    const ab = v128.bitselect(b, a, tab);
    const cd = v128.bitselect(d, c, tcd);
    const ia = i32x4.add(i32x4(0, 2, 4, 6), i32x4.splat(at));
    const iab = i32x4.sub(ia, tab);
    const icd = i32x4.sub(i32x4.add(ia, i32x4.splat(W)), tcd);
    const t = v128.andnot(f32x4.eq(ab, ab), f32x4.le(cd, ab));
    v128.store(yp, v128.bitselect(cd, ab, t));
    v128.store(ap, v128.bitselect(icd, iab, t));
  }
}

// 2×2 stride-2 max pooling without padding, the usual layer: every window is inside the image,
// so an output row is a run of 4-output vectors and 0–3 single outputs, with no border logic.
function maxPool2x2(y: usize, argmax: usize, x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  const rowBytes: usize = <usize>W << 2;
  const vectors = OW & ~3;
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>H * <usize>W << 2);
    for (let oh = 0; oh < OH; oh++) {
      const o0 = (p * OH + oh) * OW;
      const yr = y + (<usize>o0 << 2);
      const ar = argmax + (<usize>o0 << 2);
      const row = 2 * oh * W;
      let ow = 0;
      for (; ow < vectors; ow += 4) {
        const at = row + 2 * ow;
        max2x2s2(yr + (<usize>ow << 2), ar + (<usize>ow << 2), xp + (<usize>at << 2), rowBytes, at, W);
      }
      for (; ow < OW; ow++) maxOne(yr + (<usize>ow << 2), ar + (<usize>ow << 2), xp, W, 2 * oh, 2 * oh + 2, 2 * ow, 2 * ow + 2);
    }
  }
}

/** y[B,C,OH,OW] = max over each window; argmax[B,C,OH,OW] = h·W + w of the winner in its plane. */
export function f32_maxpool2d_fwd(
  y: usize, // [B, C, OH, OW]
  argmax: usize, // i32 [B, C, OH, OW]
  x: usize, // [B, C, H, W]
  B: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
): void {
  const OH = outSize(H, KH, SH, PH, 1);
  const OW = outSize(W, KW, SW, PW, 1);
  if (OH <= 0 || OW <= 0) return;
  const planes = B * C;
  if (ASC_FEATURE_SIMD) {
    if (KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0) {
      maxPool2x2(y, argmax, x, planes, H, W, OH, OW);
      return;
    }
  }
  // Output columns whose whole window is inside the image horizontally.
  const lo = firstIn(-PW, SW, OW);
  const hi = max(lo, endIn(KW - 1 - PW, SW, W, OW));
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>H * <usize>W << 2);
    for (let oh = 0; oh < OH; oh++) {
      const o0 = (p * OH + oh) * OW;
      const yr = y + (<usize>o0 << 2);
      const ar = argmax + (<usize>o0 << 2);
      const h0 = oh * SH - PH;
      const hs = max(h0, 0);
      const he = min(h0 + KH, H);
      let ow = 0;
      if (ASC_FEATURE_SIMD) {
        if (hs < he) {
          for (; ow < lo; ow++) {
            const w0 = ow * SW - PW;
            maxOne(yr + (<usize>ow << 2), ar + (<usize>ow << 2), xp, W, hs, he, max(w0, 0), min(w0 + KW, W));
          }
          const lanes = i32x4(0, SW, 2 * SW, 3 * SW);
          const one = i32x4.splat(1);
          const four = i32x4.splat(4 * SW);
          // 8 outputs at a time: two independent select chains (one chain is latency-bound).
          for (; ow + 8 <= hi; ow += 8) {
            const w0 = ow * SW - PW;
            const spare = w0 + 7 * SW + KW < W; // for the second vector; the first's spare float is in the row
            const first = xp + (<usize>(hs * W + w0) << 2);
            let best0 = gather4(first, SW, true);
            let best1 = gather4(first + (<usize>SW << 4), SW, spare);
            let idx0 = i32x4.add(lanes, i32x4.splat(hs * W + w0));
            let idx1 = i32x4.add(idx0, four);
            for (let h = hs; h < he; h++) {
              const row = h * W + w0;
              let at0 = i32x4.add(lanes, i32x4.splat(row));
              let at1 = i32x4.add(at0, four);
              let p = xp + (<usize>row << 2);
              for (let kw = 0; kw < KW; kw++) {
                const v0 = gather4(p, SW, true);
                const v1 = gather4(p + (<usize>SW << 4), SW, spare);
                const take0 = v128.andnot(f32x4.eq(best0, best0), f32x4.le(v0, best0));
                const take1 = v128.andnot(f32x4.eq(best1, best1), f32x4.le(v1, best1));
                best0 = v128.bitselect(v0, best0, take0);
                best1 = v128.bitselect(v1, best1, take1);
                idx0 = v128.bitselect(at0, idx0, take0);
                idx1 = v128.bitselect(at1, idx1, take1);
                at0 = i32x4.add(at0, one);
                at1 = i32x4.add(at1, one);
                p += 4;
              }
            }
            v128.store(yr + (<usize>ow << 2), best0);
            v128.store(yr + (<usize>ow << 2), best1, 16);
            v128.store(ar + (<usize>ow << 2), idx0);
            v128.store(ar + (<usize>ow << 2), idx1, 16);
          }
          for (; ow + 4 <= hi; ow += 4) {
            const w0 = ow * SW - PW;
            const spare = w0 + 3 * SW + KW < W; // one float past the last lane's last tap is in the row
            let idx = i32x4.add(lanes, i32x4.splat(hs * W + w0));
            let best = gather4(xp + (<usize>(hs * W + w0) << 2), SW, spare);
            for (let h = hs; h < he; h++) {
              const row = h * W + w0;
              let at = i32x4.add(lanes, i32x4.splat(row)); // each lane's input index for this tap
              let p = xp + (<usize>row << 2);
              for (let kw = 0; kw < KW; kw++) {
                const v = gather4(p, SW, spare);
                // NOT(v ≤ best) is v > best or v NaN; AND best not NaN (a NaN best is final).
                const take = v128.andnot(f32x4.eq(best, best), f32x4.le(v, best));
                best = v128.bitselect(v, best, take);
                idx = v128.bitselect(at, idx, take);
                at = i32x4.add(at, one);
                p += 4;
              }
            }
            v128.store(yr + (<usize>ow << 2), best);
            v128.store(ar + (<usize>ow << 2), idx);
          }
        }
      }
      for (; ow < OW; ow++) {
        const w0 = ow * SW - PW;
        maxOne(yr + (<usize>ow << 2), ar + (<usize>ow << 2), xp, W, hs, he, max(w0, 0), min(w0 + KW, W));
      }
    }
  }
}

/** dx[B,C,H,W] = 0, then dx[b, c, argmax] += dy for every output whose argmax is in [0, H·W). */
export function f32_maxpool2d_bwd(
  dx: usize, // [B, C, H, W]
  dy: usize, // [B, C, OH, OW]
  argmax: usize, // i32 [B, C, OH, OW]
  B: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32,
): void {
  const planes = B * C;
  // NOTE: a scatter through argmax: no v128 form (windows may overlap); the zeroing is SIMD, one
  // plane at a time so the scatter finds it in L1. Entries outside [0, H·W) (−1 from
  // all-padding windows, or garbage) are skipped, so a bad argmax can never write outside dx.
  const n = OH * OW;
  const plane = H * W;
  for (let p = 0; p < planes; p++) {
    const dxp = dx + (<usize>p * <usize>H * <usize>W << 2);
    zeroF32(dxp, plane);
    const o0 = <usize>p * <usize>n << 2;
    for (let o = 0; o < n; o++) {
      const at = o0 + (<usize>o << 2);
      const a = load<i32>(argmax + at);
      if (<u32>a < <u32>plane) {
        const q = dxp + (<usize>a << 2);
        store<f32>(q, load<f32>(q) + load<f32>(dy + at));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Average pooling. The divisor is KH·KW with countPad, else the number of in-image elements of
// the window. NOTE: a window entirely in padding averages to 0 (and gets no gradient).

// @ts-ignore: decorator
@inline
function divisor(countPad: i32, KH: i32, KW: i32, rows: i32, cols: i32): f32 {
  return countPad ? <f32>(KH * KW) : <f32>(rows * cols);
}

// 2×2 stride-2 average pooling without padding (see maxPool2x2): the divisor is 4 whatever
// countPad says, and ·0.25 rounds exactly as /4 (a power of two). Summed in the scalar order.
function avgPool2x2(y: usize, x: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  if (ASC_FEATURE_SIMD) {
    const rowBytes: usize = <usize>W << 2;
    const vectors = OW & ~3;
    const quarter = f32x4.splat(0.25);
    for (let p = 0; p < planes; p++) {
      const xp = x + (<usize>p * <usize>H * <usize>W << 2);
      for (let oh = 0; oh < OH; oh++) {
        const yr = y + (<usize>((p * OH + oh) * OW) << 2);
        const row = xp + (<usize>(2 * oh * W) << 2);
        let ow = 0;
        for (; ow < vectors; ow += 4) {
          const q = row + (<usize>ow << 3);
          const u0 = v128.load(q), u1 = v128.load(q, 16);
          const l0 = v128.load(q + rowBytes), l1 = v128.load(q + rowBytes, 16);
          let acc = f32x4.add(f32x4.shuffle(u0, u1, 0, 2, 4, 6), f32x4.shuffle(u0, u1, 1, 3, 5, 7));
          acc = f32x4.add(acc, f32x4.shuffle(l0, l1, 0, 2, 4, 6));
          acc = f32x4.add(acc, f32x4.shuffle(l0, l1, 1, 3, 5, 7));
          v128.store(yr + (<usize>ow << 2), f32x4.mul(acc, quarter));
        }
        for (; ow < OW; ow++) avgOne(yr + (<usize>ow << 2), xp, W, 2 * oh, 2 * oh + 2, 2 * ow, 2, 2, 1);
      }
    }
  }
}

/** y[B,C,OH,OW] = mean over each window. */
export function f32_avgpool2d_fwd(
  y: usize, // [B, C, OH, OW]
  x: usize, // [B, C, H, W]
  B: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
  countPad: i32,
): void {
  const OH = outSize(H, KH, SH, PH, 1);
  const OW = outSize(W, KW, SW, PW, 1);
  if (OH <= 0 || OW <= 0) return;
  const planes = B * C;
  if (ASC_FEATURE_SIMD) {
    if (KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0) {
      avgPool2x2(y, x, planes, H, W, OH, OW);
      return;
    }
  }
  const lo = firstIn(-PW, SW, OW);
  const hi = max(lo, endIn(KW - 1 - PW, SW, W, OW));
  for (let p = 0; p < planes; p++) {
    const xp = x + (<usize>p * <usize>H * <usize>W << 2);
    for (let oh = 0; oh < OH; oh++) {
      const yr = y + (<usize>((p * OH + oh) * OW) << 2);
      const h0 = oh * SH - PH;
      const hs = max(h0, 0);
      const he = min(h0 + KH, H);
      let ow = 0;
      if (ASC_FEATURE_SIMD) {
        if (hs < he) {
          const div = f32x4.splat(divisor(countPad, KH, KW, he - hs, KW));
          for (let o = lo; o + 4 <= hi; o += 4) {
            const w0 = o * SW - PW;
            const spare = w0 + 3 * SW + KW < W;
            let acc = f32x4.splat(0);
            for (let h = hs; h < he; h++) {
              const row = xp + (<usize>(h * W + w0) << 2);
              for (let kw = 0; kw < KW; kw++) acc = f32x4.add(acc, gather4(row + (<usize>kw << 2), SW, spare));
            }
            v128.store(yr + (<usize>o << 2), f32x4.div(acc, div));
          }
          // Interior columns past the last full vector of 4, and the left border.
          const done = lo + ((hi - lo) & ~3);
          for (let o = 0; o < OW; o++) {
            if (o >= lo && o < done) continue;
            avgOne(yr + (<usize>o << 2), xp, W, hs, he, o * SW - PW, KH, KW, countPad);
          }
          continue;
        }
      }
      for (; ow < OW; ow++) avgOne(yr + (<usize>ow << 2), xp, W, hs, he, ow * SW - PW, KH, KW, countPad);
    }
  }
}

// @ts-ignore: decorator
@inline
function avgOne(yp: usize, xp: usize, W: i32, hs: i32, he: i32, w0: i32, KH: i32, KW: i32, countPad: i32): void {
  const ws = max(w0, 0);
  const we = min(w0 + KW, W);
  if (hs >= he || ws >= we) {
    store<f32>(yp, 0);
    return;
  }
  let acc: f32 = 0;
  for (let h = hs; h < he; h++) {
    for (let w = ws; w < we; w++) acc += load<f32>(xp + (<usize>(h * W + w) << 2));
  }
  store<f32>(yp, acc / divisor(countPad, KH, KW, he - hs, we - ws));
}

/** dx[B,C,H,W] overwritten with the adjoint of f32_avgpool2d_fwd applied to dy. */
export function f32_avgpool2d_bwd(
  dx: usize, // [B, C, H, W]
  dy: usize, // [B, C, OH, OW]
  B: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
  countPad: i32,
): void {
  const planes = B * C;
  const OH = outSize(H, KH, SH, PH, 1);
  const OW = outSize(W, KW, SW, PW, 1);
  if (OH <= 0 || OW <= 0) {
    zeroF32(dx, planes * H * W);
    return;
  }
  const lo = firstIn(-PW, SW, OW);
  const hi = max(lo, endIn(KW - 1 - PW, SW, W, OW));
  for (let p = 0; p < planes; p++) {
    const dxp = dx + (<usize>p * <usize>H * <usize>W << 2);
    zeroF32(dxp, H * W); // one plane at a time: the accumulation below finds it in L1
    for (let oh = 0; oh < OH; oh++) {
      const dyr = dy + (<usize>((p * OH + oh) * OW) << 2);
      const h0 = oh * SH - PH;
      const hs = max(h0, 0);
      const he = min(h0 + KH, H);
      if (hs >= he) continue;
      let done = lo; // interior columns [lo, done) handled by SIMD
      if (ASC_FEATURE_SIMD) {
        if (SW == 1 || SW == 2) {
          const div = f32x4.splat(divisor(countPad, KH, KW, he - hs, KW));
          const z = f32x4.splat(0);
          for (; done + 4 <= hi; done += 4) {
            const w0 = done * SW - PW;
            // The stride-2 path writes one float past the last tap: only while it is in the row.
            if (SW == 2 && w0 + 6 + KW >= W) break;
            const g = f32x4.div(v128.load(dyr + (<usize>done << 2)), div);
            if (SW == 1) {
              // Lanes are 4 adjacent pixels for each tap: one vector add per (h, kw).
              for (let h = hs; h < he; h++) {
                const row = dxp + (<usize>(h * W + w0) << 2);
                for (let kw = 0; kw < KW; kw++) {
                  const q = row + (<usize>kw << 2);
                  v128.store(q, f32x4.add(v128.load(q), g));
                }
              }
            } else {
              // Stride 2: the taps of 4 outputs are every other pixel; interleave g with zeros.
              const g01 = f32x4.shuffle(g, z, 0, 4, 1, 5);
              const g23 = f32x4.shuffle(g, z, 2, 6, 3, 7);
              for (let h = hs; h < he; h++) {
                const row = dxp + (<usize>(h * W + w0) << 2);
                for (let kw = 0; kw < KW; kw++) {
                  const q = row + (<usize>kw << 2);
                  v128.store(q, f32x4.add(v128.load(q), g01));
                  v128.store(q, f32x4.add(v128.load(q, 16), g23), 16);
                }
              }
            }
          }
        }
      }
      for (let ow = 0; ow < OW; ow++) {
        if (ow >= lo && ow < done) continue;
        const w0 = ow * SW - PW;
        const ws = max(w0, 0);
        const we = min(w0 + KW, W);
        if (ws >= we) continue;
        const g = load<f32>(dyr + (<usize>ow << 2)) / divisor(countPad, KH, KW, he - hs, we - ws);
        for (let h = hs; h < he; h++) {
          const row = dxp + (<usize>(h * W) << 2);
          for (let w = ws; w < we; w++) {
            const q = row + (<usize>w << 2);
            store<f32>(q, load<f32>(q) + g);
          }
        }
      }
    }
  }
}
