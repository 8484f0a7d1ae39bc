// Plain-TypeScript twins of the softmax cross-entropy wasm kernels (assembly/softmax.ts): the spec.
// Labels are trusted here (the façade checks 0 ≤ label < K).

/**
 * probs[b, :] = softmax(logits[b, :]) computed stably as exp(x − max) / Σ exp(x − max);
 * returns the mean over the B rows of −log probs[b, labels[b]].
 * NOTE: −log p[label] is taken as log Σexp(x − max) − (x[label] − max): equal, but finite even
 * when p[label] underflows in f32. NaN or +Inf in a row makes its probs and the loss NaN.
 * `probs` may alias `logits`: x[label] is read before the row is written.
 */
export function f32_softmax_xent_fwd(
  probs: Float32Array, logits: Float32Array, labels: Int32Array, B: number, K: number,
): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const row = b * K;
    const xl = logits[row + labels[b]];
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, logits[row + k]);
    let s = 0;
    const e = new Float64Array(K);
    for (let k = 0; k < K; k++) s += e[k] = Math.exp(logits[row + k] - m);
    for (let k = 0; k < K; k++) probs[row + k] = e[k] / s;
    total += Math.log(s) - (xl - m);
  }
  return Math.fround(total / B);
}

/** dlogits[b, k] = (probs[b, k] − (k == labels[b] ? 1 : 0)) / B. `dlogits` may alias `probs`. */
export function f32_softmax_xent_bwd(
  dlogits: Float32Array, probs: Float32Array, labels: Int32Array, B: number, K: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) dlogits[b * K + k] = (probs[b * K + k] - (k === labels[b] ? 1 : 0)) / B;
  }
}
