// Plain-TypeScript twins of the wasm batchnorm kernels (assembly/batchnorm.ts): the executable
// spec. x is [B, C, S] with S = H·W (1 for 1-d batchnorm); statistics are per channel over B·S.

/** Mean and biased variance of channel c over B·S, in f64. */
function channelStats(x: Float32Array, B: number, C: number, S: number, c: number): { mean: number; variance: number } {
  const n = B * S;
  let sum = 0;
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) sum += x[(b * C + c) * S + s];
  const mean = Math.fround(sum / n);
  let sq = 0;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      const d = x[(b * C + c) * S + s] - mean;
      sq += d * d;
    }
  }
  return { mean, variance: sq / n };
}

/**
 * Training forward. Per channel: mean and biased variance over B·S, invstd = 1/sqrt(var + eps),
 * y = gamma·(x − mean)·invstd + beta, and the running statistics
 * run = (1 − momentum)·run + momentum·batch, with the unbiased variance var·n/(n − 1) (PyTorch).
 * NOTE: n = B·S = 1 has no unbiased variance; the biased one (0) is used. n = 0 writes nothing.
 * y may be x.
 */
export function f32_batchnorm_fwd_train(
  y: Float32Array, // [B, C, S]
  mean: Float32Array, // [C] out
  invstd: Float32Array, // [C] out
  runMean: Float32Array, // [C] in-out
  runVar: Float32Array, // [C] in-out
  x: Float32Array, // [B, C, S]
  gamma: Float32Array, // [C]
  beta: Float32Array, // [C]
  eps: number, momentum: number, B: number, C: number, S: number,
): void {
  const n = B * S;
  if (n <= 0) return;
  for (let c = 0; c < C; c++) {
    const st = channelStats(x, B, C, S, c);
    const is = 1 / Math.sqrt(st.variance + eps);
    mean[c] = st.mean;
    invstd[c] = is;
    const unbiased = n > 1 ? (st.variance * n) / (n - 1) : st.variance;
    runMean[c] = (1 - momentum) * runMean[c] + momentum * st.mean;
    runVar[c] = (1 - momentum) * runVar[c] + momentum * unbiased;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const i = (b * C + c) * S + s;
        y[i] = gamma[c] * (x[i] - st.mean) * is + beta[c];
      }
    }
  }
}

/** Inference forward: y = gamma·(x − runMean)/sqrt(runVar + eps) + beta. y may be x. */
export function f32_batchnorm_fwd_infer(
  y: Float32Array, // [B, C, S]
  x: Float32Array, // [B, C, S]
  gamma: Float32Array, // [C]
  beta: Float32Array, // [C]
  runMean: Float32Array, // [C]
  runVar: Float32Array, // [C]
  eps: number, B: number, C: number, S: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const k = gamma[c] / Math.sqrt(runVar[c] + eps);
      for (let s = 0; s < S; s++) {
        const i = (b * C + c) * S + s;
        y[i] = (x[i] - runMean[c]) * k + beta[c];
      }
    }
  }
}

/**
 * Backward of the training forward, given its mean and invstd. With xhat = (x − mean)·invstd and
 * n = B·S: dbeta = Σ dy, dgamma = Σ dy·xhat, dx = gamma·invstd·(dy − dbeta/n − xhat·dgamma/n).
 * dgamma and dbeta are overwritten (zeros when n = 0). dx may be dy or x.
 */
export function f32_batchnorm_bwd(
  dx: Float32Array, // [B, C, S]
  dgamma: Float32Array, // [C] out
  dbeta: Float32Array, // [C] out
  dy: Float32Array, // [B, C, S]
  x: Float32Array, // [B, C, S]
  gamma: Float32Array, // [C]
  mean: Float32Array, // [C]
  invstd: Float32Array, // [C]
  B: number, C: number, S: number,
): void {
  const n = B * S;
  for (let c = 0; c < C; c++) {
    let sDy = 0;
    let sDyXhat = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const i = (b * C + c) * S + s;
        sDy += dy[i];
        sDyXhat += dy[i] * (x[i] - mean[c]) * invstd[c];
      }
    }
    dbeta[c] = sDy;
    dgamma[c] = sDyXhat;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const i = (b * C + c) * S + s;
        const xhat = (x[i] - mean[c]) * invstd[c];
        dx[i] = gamma[c] * invstd[c] * (dy[i] - sDy / n - (xhat * sDyXhat) / n);
      }
    }
  }
}
