// Batch normalisation over x[B, C, S] (S = H·W, or 1 for 1-d batchnorm): training forward with
// running statistics, inference forward, and the training backward. Spec:
// src/kernels/reference/batchnorm.ts. No validation here.
// Two layouts of work: S = 1 vectorises across channels (x is [B, C], rows contiguous); S > 1
// runs per channel over its B contiguous runs of S, summing each run in f32x4 lanes and the runs
// (≤ 1024 elements each) in f64. y/dx may alias x/dy: every output element is written after all
// reads of the statistics it needs, and only from the same element of the inputs.

import { scaleInPlace } from './scale';
import { zeroF32 } from './window';

const BLOCK = 1024;

// Σ x[i] over a run of n floats: f32x4 lanes per block of BLOCK, blocks summed in f64.
function runSum(p: usize, n: i32): f64 {
  let total: f64 = 0;
  for (let s = 0; s < n; s += BLOCK) {
    const e = min(n, s + BLOCK);
    let i = s;
    let acc: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let v = f32x4.splat(0);
      for (; i + 4 <= e; i += 4) v = f32x4.add(v, v128.load(p + (<usize>i << 2)));
      acc = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
    }
    for (; i < e; i++) acc += load<f32>(p + (<usize>i << 2));
    total += <f64>acc;
  }
  return total;
}

// Σ (x[i] − m)² over a run of n floats.
function runSqDev(p: usize, m: f32, n: i32): f64 {
  let total: f64 = 0;
  for (let s = 0; s < n; s += BLOCK) {
    const e = min(n, s + BLOCK);
    let i = s;
    let acc: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(m);
      let v = f32x4.splat(0);
      for (; i + 4 <= e; i += 4) {
        const d = f32x4.sub(v128.load(p + (<usize>i << 2)), vm);
        v = f32x4.add(v, f32x4.mul(d, d));
      }
      acc = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
    }
    for (; i < e; i++) {
      const d = load<f32>(p + (<usize>i << 2)) - m;
      acc += d * d;
    }
    total += <f64>acc;
  }
  return total;
}

// out[i] = (x[i] − m)·k + c over a run of n floats (out may be x).
// @ts-ignore: decorator
@inline
function runAffine(out: usize, x: usize, m: f32, k: f32, c: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m);
    const vk = f32x4.splat(k);
    const vc = f32x4.splat(c);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o), vm), vk), vc));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, (load<f32>(x + o) - m) * k + c);
  }
}

// Running-statistics update, shared by both layouts. n = B·S ≥ 1.
// NOTE: the running variance takes the unbiased batch variance var·n/(n−1) (PyTorch); with
// n = 1 that is undefined and we use the biased one (0) instead.
// @ts-ignore: decorator
@inline
function updateRunning(runMean: usize, runVar: usize, c: i32, mean: f32, variance: f64, momentum: f32, n: i32): void {
  const o = <usize>c << 2;
  const unbiased = n > 1 ? <f32>(variance * <f64>n / <f64>(n - 1)) : <f32>variance;
  store<f32>(runMean + o, (1 - momentum) * load<f32>(runMean + o) + momentum * mean);
  store<f32>(runVar + o, (1 - momentum) * load<f32>(runVar + o) + momentum * unbiased);
}

/**
 * Training forward: per channel, mean and biased variance over B·S; invstd = 1/sqrt(var + eps);
 * y = gamma·(x − mean)·invstd + beta; runMean/runVar = (1 − momentum)·run + momentum·batch
 * (unbiased variance). B·S = 0 writes nothing.
 */
export function f32_batchnorm_fwd_train(
  y: usize, // [B, C, S] (may be x)
  mean: usize, // [C] out
  invstd: usize, // [C] out
  runMean: usize, // [C] in-out
  runVar: usize, // [C] in-out
  x: usize, // [B, C, S]
  gamma: usize, // [C]
  beta: usize, // [C]
  eps: f32, momentum: f32, B: i32, C: i32, S: i32,
): void {
  const n = B * S;
  if (n <= 0 || C <= 0) return;
  const plane: usize = <usize>S << 2;
  const image: usize = <usize>C * plane;
  if (S == 1) {
    // Across channels: mean and invstd double as accumulators (f32, B terms each).
    const rowBytes: usize = <usize>C << 2;
    const inv: f32 = <f32>1 / <f32>B;
    zeroF32(mean, C);
    for (let b = 0; b < B; b++) addRows(mean, x + <usize>b * rowBytes, C);
    scaleInPlace(mean, inv, C);
    zeroF32(invstd, C);
    for (let b = 0; b < B; b++) addSqDevRows(invstd, x + <usize>b * rowBytes, mean, C);
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      const variance = <f64>(load<f32>(invstd + o) * inv);
      store<f32>(invstd + o, <f32>(1 / Math.sqrt(variance + <f64>eps)));
      updateRunning(runMean, runVar, c, load<f32>(mean + o), variance, momentum, n);
    }
    for (let b = 0; b < B; b++) {
      const off = <usize>b * rowBytes;
      normaliseRows(y + off, x + off, mean, invstd, gamma, beta, C);
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    const xc = x + <usize>c * plane;
    let sum: f64 = 0;
    for (let b = 0; b < B; b++) sum += runSum(xc + <usize>b * image, S);
    const m = <f32>(sum / <f64>n);
    let sq: f64 = 0;
    for (let b = 0; b < B; b++) sq += runSqDev(xc + <usize>b * image, m, S);
    const variance = sq / <f64>n;
    const is = <f32>(1 / Math.sqrt(variance + <f64>eps));
    const o = <usize>c << 2;
    store<f32>(mean + o, m);
    store<f32>(invstd + o, is);
    updateRunning(runMean, runVar, c, m, variance, momentum, n);
    const k = load<f32>(gamma + o) * is;
    const sh = load<f32>(beta + o);
    const yc = y + <usize>c * plane;
    for (let b = 0; b < B; b++) runAffine(yc + <usize>b * image, xc + <usize>b * image, m, k, sh, S);
  }
}

/** Inference forward: y = gamma·(x − runMean)/sqrt(runVar + eps) + beta. y may be x. */
export function f32_batchnorm_fwd_infer(
  y: usize, // [B, C, S] (may be x)
  x: usize, // [B, C, S]
  gamma: usize, // [C]
  beta: usize, // [C]
  runMean: usize, // [C]
  runVar: usize, // [C]
  eps: f32, B: i32, C: i32, S: i32,
): void {
  if (B <= 0 || C <= 0 || S <= 0) return;
  const plane: usize = <usize>S << 2;
  const image: usize = <usize>C * plane;
  if (S == 1) {
    const rowBytes: usize = <usize>C << 2;
    for (let b = 0; b < B; b++) {
      const off = <usize>b * rowBytes;
      inferRows(y + off, x + off, runMean, runVar, gamma, beta, eps, C);
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    const m = load<f32>(runMean + o);
    const k = <f32>(<f64>load<f32>(gamma + o) / Math.sqrt(<f64>load<f32>(runVar + o) + <f64>eps));
    const sh = load<f32>(beta + o);
    const xc = x + <usize>c * plane;
    const yc = y + <usize>c * plane;
    for (let b = 0; b < B; b++) runAffine(yc + <usize>b * image, xc + <usize>b * image, m, k, sh, S);
  }
}

/**
 * Backward of the training forward, with xhat = (x − mean)·invstd and n = B·S:
 * dbeta = Σ dy, dgamma = Σ dy·xhat, dx = gamma·invstd·(dy − dbeta/n − xhat·dgamma/n).
 * dgamma and dbeta are overwritten; dx may be dy or x. B·S = 0 zeroes dgamma and dbeta.
 */
export function f32_batchnorm_bwd(
  dx: usize, // [B, C, S]
  dgamma: usize, // [C] out
  dbeta: usize, // [C] out
  dy: usize, // [B, C, S]
  x: usize, // [B, C, S]
  gamma: usize, // [C]
  mean: usize, // [C] from the forward
  invstd: usize, // [C] from the forward
  B: i32, C: i32, S: i32,
): void {
  if (C <= 0) return;
  zeroF32(dgamma, C);
  zeroF32(dbeta, C);
  const n = B * S;
  if (n <= 0) return;
  const plane: usize = <usize>S << 2;
  const image: usize = <usize>C * plane;
  const invN: f32 = <f32>(1 / <f64>n);
  if (S == 1) {
    const rowBytes: usize = <usize>C << 2;
    for (let b = 0; b < B; b++) {
      const off = <usize>b * rowBytes;
      gradSumRows(dbeta, dgamma, dy + off, x + off, mean, C);
    }
    mulRows(dgamma, invstd, C); // Σ dy·(x − mean) → Σ dy·xhat
    for (let b = 0; b < B; b++) {
      const off = <usize>b * rowBytes;
      backwardRows(dx + off, dy + off, x + off, gamma, mean, invstd, dgamma, dbeta, invN, C);
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    const m = load<f32>(mean + o);
    const is = load<f32>(invstd + o);
    const xc = x + <usize>c * plane;
    const dyc = dy + <usize>c * plane;
    channelGrads(dbeta + o, dgamma + o, dyc, xc, m, is, B, S, image);
    const db = load<f32>(dbeta + o);
    const dg = load<f32>(dgamma + o);
    // dx = k·(dy − mb) − k2·(x − mean), with k = gamma·invstd, mb = dbeta/n, k2 = k·invstd·dgamma/n.
    const k = load<f32>(gamma + o) * is;
    const mb = db * invN;
    const k2 = k * is * dg * invN;
    const dxc = dx + <usize>c * plane;
    for (let b = 0; b < B; b++) {
      const off = <usize>b * image;
      runBackward(dxc + off, dyc + off, xc + off, m, k, mb, k2, S);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

// One channel c of x[B, C, S] (xc, dyc point at channel c of image 0; `image` bytes apart):
// *dbeta = Σ dy, *dgamma = invstd·Σ dy·(x − m). Runs summed in f32x4 lanes per BLOCK, then f64.
function channelGrads(dbeta: usize, dgamma: usize, dyc: usize, xc: usize, m: f32, is: f32, B: i32, S: i32, image: usize): void {
  let sDy: f64 = 0;
  let sDyX: f64 = 0;
  for (let bi = 0; bi < B; bi++) {
    const dy = dyc + <usize>bi * image;
    const x = xc + <usize>bi * image;
    for (let s = 0; s < S; s += BLOCK) {
      const e = min(S, s + BLOCK);
      let i = s;
      let a: f32 = 0;
      let b: f32 = 0;
      if (ASC_FEATURE_SIMD) {
        const vm = f32x4.splat(m);
        let va = f32x4.splat(0);
        let vb = f32x4.splat(0);
        for (; i + 4 <= e; i += 4) {
          const o = <usize>i << 2;
          const g = v128.load(dy + o);
          va = f32x4.add(va, g);
          vb = f32x4.add(vb, f32x4.mul(g, f32x4.sub(v128.load(x + o), vm)));
        }
        a = f32x4.extract_lane(va, 0) + f32x4.extract_lane(va, 1) + f32x4.extract_lane(va, 2) + f32x4.extract_lane(va, 3);
        b = f32x4.extract_lane(vb, 0) + f32x4.extract_lane(vb, 1) + f32x4.extract_lane(vb, 2) + f32x4.extract_lane(vb, 3);
      }
      for (; i < e; i++) {
        const o = <usize>i << 2;
        const g = load<f32>(dy + o);
        a += g;
        b += g * (load<f32>(x + o) - m);
      }
      sDy += <f64>a;
      sDyX += <f64>b;
    }
  }
  store<f32>(dbeta, <f32>sDy);
  store<f32>(dgamma, <f32>(sDyX * <f64>is));
}

// dx[i] = k·(dy[i] − mb) − k2·(x[i] − m) over a run of n floats.
// @ts-ignore: decorator
@inline
function runBackward(dx: usize, dy: usize, x: usize, m: f32, k: f32, mb: f32, k2: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m);
    const vk = f32x4.splat(k);
    const vmb = f32x4.splat(mb);
    const vk2 = f32x4.splat(k2);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const t = f32x4.mul(vk, f32x4.sub(v128.load(dy + o), vmb));
      v128.store(dx + o, f32x4.sub(t, f32x4.mul(vk2, f32x4.sub(v128.load(x + o), vm))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, k * (load<f32>(dy + o) - mb) - k2 * (load<f32>(x + o) - m));
  }
}

// acc[c] += row[c], c < C.
function addRows(acc: usize, row: usize, C: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      v128.store(acc + o, f32x4.add(v128.load(acc + o), v128.load(row + o)));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(row + o));
  }
}


// p[c] *= q[c], c < C.
function mulRows(p: usize, q: usize, C: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.mul(v128.load(p + o), v128.load(q + o)));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    store<f32>(p + o, load<f32>(p + o) * load<f32>(q + o));
  }
}

// acc[c] += (row[c] − mean[c])², c < C.
function addSqDevRows(acc: usize, row: usize, mean: usize, C: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(v128.load(row + o), v128.load(mean + o));
      v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(d, d)));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(row + o) - load<f32>(mean + o);
    store<f32>(acc + o, load<f32>(acc + o) + d * d);
  }
}

// y[c] = (x[c] − mean[c])·(gamma[c]·invstd[c]) + beta[c], c < C.
function normaliseRows(y: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, C: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      const k = f32x4.mul(v128.load(gamma + o), v128.load(invstd + o));
      v128.store(y + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o), v128.load(mean + o)), k), v128.load(beta + o)));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    const k = load<f32>(gamma + o) * load<f32>(invstd + o);
    store<f32>(y + o, (load<f32>(x + o) - load<f32>(mean + o)) * k + load<f32>(beta + o));
  }
}

// y[c] = (x[c] − runMean[c])·gamma[c]/sqrt(runVar[c] + eps) + beta[c], c < C.
function inferRows(y: usize, x: usize, runMean: usize, runVar: usize, gamma: usize, beta: usize, eps: f32, C: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const ve = f32x4.splat(eps);
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      const k = f32x4.div(v128.load(gamma + o), f32x4.sqrt(f32x4.add(v128.load(runVar + o), ve)));
      v128.store(y + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o), v128.load(runMean + o)), k), v128.load(beta + o)));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    const k = load<f32>(gamma + o) / Mathf.sqrt(load<f32>(runVar + o) + eps);
    store<f32>(y + o, (load<f32>(x + o) - load<f32>(runMean + o)) * k + load<f32>(beta + o));
  }
}

// dbeta[c] += dy[c]; dgamma[c] += dy[c]·(x[c] − mean[c]), c < C.
function gradSumRows(dbeta: usize, dgamma: usize, dy: usize, x: usize, mean: usize, C: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), g));
      const d = f32x4.sub(v128.load(x + o), v128.load(mean + o));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(g, d)));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(dbeta + o, load<f32>(dbeta + o) + g);
    store<f32>(dgamma + o, load<f32>(dgamma + o) + g * (load<f32>(x + o) - load<f32>(mean + o)));
  }
}

// dx[c] = k·(dy[c] − dbeta[c]/n) − k·invstd[c]·dgamma[c]/n·(x[c] − mean[c]), k = gamma[c]·invstd[c].
function backwardRows(
  dx: usize, dy: usize, x: usize, gamma: usize, mean: usize, invstd: usize,
  dgamma: usize, dbeta: usize, invN: f32, C: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vn = f32x4.splat(invN);
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      const is = v128.load(invstd + o);
      const k = f32x4.mul(v128.load(gamma + o), is);
      const t = f32x4.mul(k, f32x4.sub(v128.load(dy + o), f32x4.mul(v128.load(dbeta + o), vn)));
      const k2 = f32x4.mul(f32x4.mul(k, is), f32x4.mul(v128.load(dgamma + o), vn));
      v128.store(dx + o, f32x4.sub(t, f32x4.mul(k2, f32x4.sub(v128.load(x + o), v128.load(mean + o)))));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << 2;
    const is = load<f32>(invstd + o);
    const k = load<f32>(gamma + o) * is;
    const t = k * (load<f32>(dy + o) - load<f32>(dbeta + o) * invN);
    const k2 = k * is * (load<f32>(dgamma + o) * invN);
    store<f32>(dx + o, t - k2 * (load<f32>(x + o) - load<f32>(mean + o)));
  }
}
