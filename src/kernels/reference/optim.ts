// Twins of assembly/optim.ts: SGD (momentum, Nesterov) and Adam steps with L2, L1 and a mask.

function effectiveGrad(g: number, w: number, m: number, weightDecay: number, l1: number): number {
  return (g + weightDecay * w + l1 * Math.sign(w)) * m;
}

export function f32_sgd_step(
  w: Float32Array, g: Float32Array, v: Float32Array, mask: Float32Array,
  lr: number, momentum: number, weightDecay: number, l1: number, nesterov: number, hasMask: number, n: number,
): void {
  for (let i = 0; i < n; i++) {
    const m = hasMask ? mask[i] : 1;
    const ge = effectiveGrad(g[i], w[i], m, weightDecay, l1);
    let step = ge;
    if (momentum !== 0) {
      v[i] = momentum * v[i] + ge;
      step = nesterov ? ge + momentum * v[i] : v[i];
    }
    w[i] = (w[i] - lr * step) * m;
  }
}

export function f32_adam_step(
  w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mask: Float32Array,
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, l1: number,
  bc1: number, bc2: number, hasMask: number, n: number,
): void {
  for (let i = 0; i < n; i++) {
    const k = hasMask ? mask[i] : 1;
    const ge = effectiveGrad(g[i], w[i], k, weightDecay, l1);
    m[i] = beta1 * m[i] + (1 - beta1) * ge;
    v[i] = beta2 * v[i] + (1 - beta2) * ge * ge;
    w[i] = (w[i] - (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps)) * k;
  }
}
