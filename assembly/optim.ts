// Optimiser steps over a whole parameter block at once (a model keeps all trainable parameters
// in one allocation). Spec: src/kernels/reference/optim.ts.
// NOTE: the effective gradient is g' = (g + weightDecay·w + l1·sign(w))·mask; with a mask, the
// update is masked too and w is multiplied by the mask, so pruned weights stay exactly zero.

// @ts-ignore: decorator
@inline
function effectiveGrad(g: f32, w: f32, m: f32, wd: f32, l1: f32): f32 {
  const sign: f32 = w > 0 ? 1 : w < 0 ? -1 : 0;
  return (g + wd * w + l1 * sign) * m;
}

/** effectiveGrad on four lanes; sign(w) is built from the lane masks of w > 0 and w < 0. */
// @ts-ignore: decorator
@inline
function effectiveGradV(g: v128, w: v128, m: v128, wd: v128, l1: v128, one: v128, zero: v128): v128 {
  const sign = f32x4.sub(v128.and(f32x4.gt(w, zero), one), v128.and(f32x4.lt(w, zero), one));
  return f32x4.mul(f32x4.add(f32x4.add(g, f32x4.mul(wd, w)), f32x4.mul(l1, sign)), m);
}

/** SGD with momentum (PyTorch's form: v = μv + g'; step = g' + μv if Nesterov else v). */
export function f32_sgd_step(
  w: usize, // [n], in-out
  g: usize, // [n]
  v: usize, // [n] velocity, in-out (unused when momentum = 0)
  mask: usize, // [n] of 0/1, read only when hasMask
  lr: f32,
  momentum: f32,
  weightDecay: f32,
  l1: f32,
  nesterov: i32,
  hasMask: i32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr);
    const vmu = f32x4.splat(momentum);
    const vwd = f32x4.splat(weightDecay);
    const vl1 = f32x4.splat(l1);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const vw = v128.load(w + o);
      const vm = hasMask ? v128.load(mask + o) : one;
      const ge = effectiveGradV(v128.load(g + o), vw, vm, vwd, vl1, one, zero);
      let step = ge;
      if (momentum != 0) {
        const vel = f32x4.add(f32x4.mul(vmu, v128.load(v + o)), ge);
        v128.store(v + o, vel);
        step = nesterov ? f32x4.add(ge, f32x4.mul(vmu, vel)) : vel;
      }
      v128.store(w + o, f32x4.mul(f32x4.sub(vw, f32x4.mul(vlr, step)), vm));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    const mi: f32 = hasMask ? load<f32>(mask + o) : 1;
    const ge = effectiveGrad(load<f32>(g + o), wi, mi, weightDecay, l1);
    let step = ge;
    if (momentum != 0) {
      const vel = momentum * load<f32>(v + o) + ge;
      store<f32>(v + o, vel);
      step = nesterov ? ge + momentum * vel : vel;
    }
    store<f32>(w + o, (wi - lr * step) * mi);
  }
}

/** Adam (L2 decay added to the gradient, as PyTorch's Adam); bc1 = 1 − β1ᵗ, bc2 = 1 − β2ᵗ. */
export function f32_adam_step(
  w: usize, // [n], in-out
  g: usize, // [n]
  m: usize, // [n] first moment, in-out
  v: usize, // [n] second moment, in-out
  mask: usize, // [n] of 0/1, read only when hasMask
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  l1: f32,
  bc1: f32,
  bc2: f32,
  hasMask: i32,
  n: i32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr / bc1);
    const vb1 = f32x4.splat(beta1);
    const vb1c = f32x4.splat(1 - beta1);
    const vb2 = f32x4.splat(beta2);
    const vb2c = f32x4.splat(1 - beta2);
    const vbc2 = f32x4.splat(1 / bc2);
    const veps = f32x4.splat(eps);
    const vwd = f32x4.splat(weightDecay);
    const vl1 = f32x4.splat(l1);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const vw = v128.load(w + o);
      const vm = hasMask ? v128.load(mask + o) : one;
      const ge = effectiveGradV(v128.load(g + o), vw, vm, vwd, vl1, one, zero);
      const mm = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, ge));
      const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(ge, ge)));
      v128.store(m + o, mm);
      v128.store(v + o, vv);
      const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vv, vbc2)), veps);
      v128.store(w + o, f32x4.mul(f32x4.sub(vw, f32x4.div(f32x4.mul(vlr, mm), denom)), vm));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    const mi: f32 = hasMask ? load<f32>(mask + o) : 1;
    const ge = effectiveGrad(load<f32>(g + o), wi, mi, weightDecay, l1);
    const mm = beta1 * load<f32>(m + o) + (1 - beta1) * ge;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * ge * ge;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(w + o, (wi - ((lr / bc1) * mm) / (Mathf.sqrt(vv * (1 / bc2)) + eps)) * mi);
  }
}
