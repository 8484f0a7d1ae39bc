// Element-wise ops on wasm tensors (no broadcasting: operands have the same number of elements,
// shapes may differ). Validated here, computed in wasm; `out` may be one of the inputs.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';

/** out = a + b. */
export function add(out: Tensor, a: Tensor, b: Tensor): Tensor {
  const k = binary('add', out, a, b);
  k.wasm.f32_add(out.offset, a.offset, b.offset, out.size);
  return out;
}

/** out = a · b, element by element. */
export function mul(out: Tensor, a: Tensor, b: Tensor): Tensor {
  const k = binary('mul', out, a, b);
  k.wasm.f32_mul(out.offset, a.offset, b.offset, out.size);
  return out;
}

/** y += alpha · x. */
export function axpy(y: Tensor, x: Tensor, alpha: number): Tensor {
  const op = 'axpy';
  const k = check.tensors(op, { y, x });
  check.sameSize(op, 'x', x, y.size, 'y');
  k.wasm.f32_axpy(y.offset, x.offset, check.finite(op, 'alpha', alpha), y.size);
  return y;
}

/** out = alpha · x. */
export function scale(out: Tensor, x: Tensor, alpha: number): Tensor {
  const op = 'scale';
  const k = unary(op, out, x);
  k.wasm.f32_scale(out.offset, x.offset, check.finite(op, 'alpha', alpha), out.size);
  return out;
}

/** out = max(x, 0); relu(NaN) = NaN. */
export function relu(out: Tensor, x: Tensor): Tensor {
  const k = unary('relu', out, x);
  k.wasm.f32_relu_fwd(out.offset, x.offset, out.size);
  return out;
}

/** dx = x > 0 ? dy : 0 (no gradient at NaN). */
export function reluBackward(dx: Tensor, dy: Tensor, x: Tensor): Tensor {
  const k = backward('reluBackward', dx, dy, x);
  k.wasm.f32_relu_bwd(dx.offset, dy.offset, x.offset, dx.size);
  return dx;
}

/** out = x > 0 ? x : slope · x. */
export function leakyRelu(out: Tensor, x: Tensor, slope: number): Tensor {
  const op = 'leakyRelu';
  const k = unary(op, out, x);
  k.wasm.f32_leaky_relu_fwd(out.offset, x.offset, check.finite(op, 'slope', slope), out.size);
  return out;
}

/** dx = x > 0 ? dy : slope · dy. */
export function leakyReluBackward(dx: Tensor, dy: Tensor, x: Tensor, slope: number): Tensor {
  const op = 'leakyReluBackward';
  const k = backward(op, dx, dy, x);
  k.wasm.f32_leaky_relu_bwd(dx.offset, dy.offset, x.offset, check.finite(op, 'slope', slope), dx.size);
  return dx;
}

/**
 * out = min(max(x, lo), hi); clamp(NaN) = NaN. lo and hi may be ±Infinity (a one-sided clamp)
 * but not NaN, and lo ≤ hi.
 */
export function clamp(out: Tensor, x: Tensor, lo: number, hi: number): Tensor {
  const op = 'clamp';
  const k = unary(op, out, x);
  for (const [name, v] of [['lo', lo], ['hi', hi]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new RangeError(`${op}: '${name}' must be a number, not NaN, got ${check.describe(v)}`);
    }
  }
  if (lo > hi) throw new RangeError(`${op}: 'lo' (${lo}) must be ≤ 'hi' (${hi})`);
  k.wasm.f32_clamp(out.offset, x.offset, lo, hi, out.size);
  return out;
}

function unary(op: string, out: Tensor, x: Tensor) {
  const k = check.tensors(op, { out, x });
  check.sameSize(op, 'x', x, out.size, 'out');
  return k;
}

function binary(op: string, out: Tensor, a: Tensor, b: Tensor) {
  const k = check.tensors(op, { out, a, b });
  check.sameSize(op, 'a', a, out.size, 'out');
  check.sameSize(op, 'b', b, out.size, 'out');
  return k;
}

function backward(op: string, dx: Tensor, dy: Tensor, x: Tensor) {
  const k = check.tensors(op, { dx, dy, x });
  check.sameSize(op, 'dy', dy, dx.size, 'dx');
  check.sameSize(op, 'x', x, dx.size, 'dx');
  return k;
}
