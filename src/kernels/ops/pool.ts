// 2-D max and average pooling, forward and backward, on wasm tensors [B, C, H, W]: validated here,
// computed in wasm. Stride defaults to the kernel; symmetric padding; floor output sizes.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';
import { distinct } from './distinct.js';
import { window2d, windowOutput, type Pair, type Window2d } from './window.js';

export { pool2dOutputShape, type Pair } from './window.js';

export interface Pool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel (non-overlapping windows). */
  stride?: Pair;
  padding?: Pair;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /**
   * Divide by KH·KW even where the window covers padding (PyTorch's count_include_pad = true).
   * Default false: divide by the number of in-image elements (ONNX's default).
   */
  countPad?: boolean;
}

interface Plan {
  B: number; C: number; H: number; W: number; OH: number; OW: number;
  win: Window2d;
}

function plan(op: string, x: Tensor, name: string, options: Pool2dOptions): Plan {
  check.rank(op, name, x, 4);
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${op}: options must be an object with a 'kernel', got ${check.describe(options)}`);
  }
  const win = window2d(op, options.kernel, { stride: options.stride, padding: options.padding }, options.kernel);
  const [B, C, H, W] = x.shape;
  const [OH, OW] = windowOutput(op, `'${name}'`, x.shape, win);
  return { B, C, H, W, OH, OW, win };
}

function windowArgs(p: Plan): [number, number, number, number, number, number, number, number, number, number] {
  return [p.B, p.C, p.H, p.W, ...p.win.kernel, ...p.win.stride, ...p.win.padding];
}

/** The i32 tensor `argmax` lives with the f32 ones. */
function sameInstance(op: string, f32: ReturnType<typeof check.tensors>, argmax: Tensor): void {
  const k = check.tensors(op, { argmax }, 'i32');
  if (k !== f32) throw new Error(`${op}: 'argmax' lives in a different wasm instance from the other tensors`);
}

/**
 * y[B, C, OH, OW] = max over each window, argmax (i32, same shape) = h·W + w of the winner in its
 * input plane. NaN propagates (the first NaN in a window wins); ties keep the first element in
 * row-major order; a window wholly in padding gives −Inf and argmax −1.
 */
export function maxPool2d(y: Tensor, argmax: Tensor, x: Tensor, options: Pool2dOptions): Tensor {
  const op = 'maxPool2d';
  const k = check.tensors(op, { y, x });
  sameInstance(op, k, argmax);
  const p = plan(op, x, 'x', options);
  check.shape(op, 'y', y, [p.B, p.C, p.OH, p.OW]);
  check.shape(op, 'argmax', argmax, [p.B, p.C, p.OH, p.OW]);
  distinct(op, { y, argmax }, { x });
  if (y.size === 0) return y;
  k.wasm.f32_maxpool2d_fwd(y.offset, argmax.offset, x.offset, ...windowArgs(p));
  return y;
}

/**
 * dx[B, C, H, W] = 0, then dy scattered through argmax (from maxPool2d): dx[b, c, argmax] += dy.
 * Entries of argmax outside [0, H·W) are skipped by the kernel (so −1 drops its gradient and a
 * corrupt argmax cannot write outside dx); they are not scanned for here.
 */
export function maxPool2dBackward(dx: Tensor, dy: Tensor, argmax: Tensor): Tensor {
  const op = 'maxPool2dBackward';
  const k = check.tensors(op, { dx, dy });
  sameInstance(op, k, argmax);
  check.rank(op, 'dx', dx, 4);
  check.rank(op, 'dy', dy, 4);
  const [B, C, H, W] = dx.shape;
  const [, , OH, OW] = dy.shape;
  check.shape(op, 'dy', dy, [B, C, OH, OW]);
  check.shape(op, 'argmax', argmax, dy.shape);
  distinct(op, { dx }, { dy, argmax });
  if (dx.size === 0) return dx;
  k.wasm.f32_maxpool2d_bwd(dx.offset, dy.offset, argmax.offset, B, C, H, W, OH, OW);
  return dx;
}

/** y[B, C, OH, OW] = mean over each window (see AvgPool2dOptions.countPad for the divisor). */
export function avgPool2d(y: Tensor, x: Tensor, options: AvgPool2dOptions): Tensor {
  const op = 'avgPool2d';
  const k = check.tensors(op, { y, x });
  const p = plan(op, x, 'x', options);
  check.shape(op, 'y', y, [p.B, p.C, p.OH, p.OW]);
  distinct(op, { y }, { x });
  if (y.size === 0) return y;
  k.wasm.f32_avgpool2d_fwd(y.offset, x.offset, ...windowArgs(p), options.countPad ? 1 : 0);
  return y;
}

/** dx[B, C, H, W] = the adjoint of avgPool2d (same options) applied to dy[B, C, OH, OW]. */
export function avgPool2dBackward(dx: Tensor, dy: Tensor, options: AvgPool2dOptions): Tensor {
  const op = 'avgPool2dBackward';
  const k = check.tensors(op, { dx, dy });
  const p = plan(op, dx, 'dx', options);
  check.shape(op, 'dy', dy, [p.B, p.C, p.OH, p.OW]);
  distinct(op, { dx }, { dy });
  if (dx.size === 0) return dx;
  k.wasm.f32_avgpool2d_bwd(dx.offset, dy.offset, ...windowArgs(p), options.countPad ? 1 : 0);
  return dx;
}
