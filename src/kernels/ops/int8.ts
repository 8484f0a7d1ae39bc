// int8 ops on wasm tensors: quantize / dequantize, the int8 GEMM and its epilogues, and an int8
// convolution (im2col + GEMM + dequantize), validated here and computed in wasm (assembly/int8.ts).

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';
import { distinct } from './distinct.js';
import { window2d, windowOutput, type Pair } from './window.js';

/** A per-tensor int8 quantisation: real = (q − zeroPoint)·scale. */
export interface QuantParams {
  scale: number;
  zeroPoint?: number;
}

function quantParams(op: string, p: QuantParams): [number, number] {
  const scale = check.finite(op, 'scale', p.scale);
  if (!(scale > 0) || Math.fround(scale) === 0) throw new RangeError(`${op}: 'scale' must be > 0 (as f32), got ${scale}`);
  return [scale, check.int(op, 'zeroPoint', p.zeroPoint ?? 0, -128, 127)];
}

/** q = saturate_int8(round_half_even(x / scale) + zeroPoint), as ONNX QuantizeLinear. */
export function quantize(q: Tensor, x: Tensor, params: QuantParams): Tensor {
  const op = 'quantize';
  const k = check.tensors(op, { x });
  check.tensors(op, { q }, 'i8');
  check.sameSize(op, 'q', q, x.size, 'x');
  const [scale, zp] = quantParams(op, params);
  if (x.size > 0) k.wasm.i8_quantize(q.offset, x.offset, scale, zp, x.size);
  return q;
}

/** x = (q − zeroPoint)·scale, as ONNX DequantizeLinear. */
export function dequantize(x: Tensor, q: Tensor, params: QuantParams): Tensor {
  const op = 'dequantize';
  const k = check.tensors(op, { x });
  check.tensors(op, { q }, 'i8');
  check.sameSize(op, 'x', x, q.size, 'q');
  const [scale, zp] = quantParams(op, params);
  if (x.size > 0) k.wasm.i8_dequantize(x.offset, q.offset, scale, zp, x.size);
  return x;
}

export interface GemmInt8Options {
  /** Which operand is known to lie in [0, 127] (int8 after a ReLU): the relaxed build then uses its 8-bit dot. */
  nonNegative?: 'a' | 'b';
}

const U7 = { a: 1, b: 2 } as const;
// NOTE: |a·b| ≤ 2^14 per product, so i32 sums are exact for K < 2^17.
const MAX_K = 2 ** 17 - 1;

/** c[M,N] (i32) = a[M,K]·b[N,K]ᵀ (int8, exact). */
export function gemmInt8(c: Tensor, a: Tensor, b: Tensor, options: GemmInt8Options = {}): Tensor {
  const op = 'gemmInt8';
  const k = check.tensors(op, { a, b }, 'i8');
  check.tensors(op, { c }, 'i32');
  if (c.kernels !== k) throw new Error(`${op}: 'c' and 'a' live in different wasm instances`);
  for (const [name, t] of [['a', a], ['b', b], ['c', c]] as const) check.rank(op, name, t, 2);
  const [M, K] = a.shape;
  const [N, KB] = b.shape;
  if (K !== KB) throw new RangeError(`${op}: 'a' is [${a.shape}] and 'b' is [${b.shape}]: both must be [·, K] with the same K`);
  if (K > MAX_K) throw new RangeError(`${op}: K = ${K} could overflow i32 sums; at most ${MAX_K}`);
  check.shape(op, 'c', c, [M, N]);
  distinct(op, { c }, { a, b });
  const u7 = options.nonNegative === undefined ? 0 : U7[options.nonNegative];
  if (options.nonNegative !== undefined && u7 === undefined) throw new RangeError(`${op}: 'nonNegative' must be 'a' or 'b', got ${check.describe(options.nonNegative)}`);
  if (M === 0 || N === 0) return c;
  k.wasm.i8_gemm(c.offset, a.offset, b.offset, M, N, K, u7, k.scratch(k.wasm.i8_gemm_scratch_bytes(M, N, K)));
  return c;
}

export interface ChannelOptions {
  /** Channels along rows (a convolution's W·colᵀ) instead of columns (a dense layer's x·Wᵀ). */
  perRow?: boolean;
}

function channels(op: string, acc: Tensor, perRow: boolean, named: Record<string, Tensor | undefined>): [number, number, number] {
  check.rank(op, 'acc', acc, 2);
  const [M, N] = acc.shape;
  const C = perRow ? M : N;
  for (const [name, t] of Object.entries(named)) if (t) check.shape(op, name, t, [C]);
  return [M, N, C];
}

/** y[M,N] = acc·scale[ch] + bias[ch], per output channel (columns, or rows with perRow). */
export function dequantizeChannels(y: Tensor, acc: Tensor, scale: Tensor, bias?: Tensor, options: ChannelOptions = {}): Tensor {
  const op = 'dequantizeChannels';
  const k = check.tensors(op, bias ? { y, scale, bias } : { y, scale });
  check.tensors(op, { acc }, 'i32');
  const perRow = options.perRow ?? false;
  const [M, N] = channels(op, acc, perRow, { scale, bias });
  check.shape(op, 'y', y, [M, N]);
  distinct(op, { y }, { acc, scale, bias });
  k.wasm.i32_dequantize_channels(y.offset, acc.offset, scale.offset, bias?.offset ?? 0, bias ? 1 : 0, M, N, +perRow);
  return y;
}

/** q[M,N] = saturate_int8(round(f32(acc + bias[ch])·multiplier[ch]) + zeroPoint); bias i32. */
export function requantizeChannels(q: Tensor, acc: Tensor, multiplier: Tensor, bias: Tensor | undefined, zeroPoint: number, options: ChannelOptions = {}): Tensor {
  const op = 'requantizeChannels';
  const k = check.tensors(op, { multiplier });
  check.tensors(op, bias ? { acc, bias } : { acc }, 'i32');
  check.tensors(op, { q }, 'i8');
  const zp = check.int(op, 'zeroPoint', zeroPoint, -128, 127);
  const perRow = options.perRow ?? false;
  const [M, N] = channels(op, acc, perRow, { multiplier, bias });
  check.shape(op, 'q', q, [M, N]);
  distinct(op, { q }, { acc, multiplier, bias });
  k.wasm.i32_requantize_channels(q.offset, acc.offset, multiplier.offset, bias?.offset ?? 0, bias ? 1 : 0, zp, M, N, +perRow);
  return q;
}

export interface Conv2dInt8Options {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  /** Every input value lies in [0, 127] (after a ReLU): the relaxed build's 8-bit dot applies. */
  nonNegative?: boolean;
}

/**
 * y[B,OC,OH,OW] (f32) = conv(x, w)·scale[oc] + bias[oc] with int8 x[B,C,H,W] and w[OC,C,KH,KW]
 * (one group, symmetric: zero points 0): scale is s_x·s_w[oc], so y is the real-valued output. One image at a time,
 * im2col rows + int8 GEMM + per-channel dequantize, scratch from the kernels' shared area.
 */
export function conv2dInt8(y: Tensor, x: Tensor, w: Tensor, scale: Tensor, bias: Tensor | undefined, options: Conv2dInt8Options = {}): Tensor {
  const op = 'conv2dInt8';
  const k = check.tensors(op, { x, w }, 'i8');
  check.tensors(op, bias ? { y, scale, bias } : { y, scale });
  if (y.kernels !== k) throw new Error(`${op}: 'y' and 'x' live in different wasm instances`);
  check.rank(op, 'x', x, 4);
  check.rank(op, 'w', w, 4);
  const [B, C, H, W] = x.shape;
  const [OC, WC, KH, KW] = w.shape;
  if (WC !== C) throw new RangeError(`${op}: 'w' [${w.shape}] expects ${WC} input channels, 'x' [${x.shape}] has ${C}`);
  const win = window2d(op, [KH, KW], options);
  const [OH, OW] = windowOutput(op, "'x'", x.shape, win);
  check.shape(op, 'y', y, [B, OC, OH, OW]);
  check.shape(op, 'scale', scale, [OC]);
  if (bias) check.shape(op, 'bias', bias, [OC]);
  distinct(op, { y }, { x, w, scale, bias });
  const S = OH * OW;
  const K = C * KH * KW;
  if (K > MAX_K) throw new RangeError(`${op}: C·KH·KW = ${K} could overflow i32 sums; at most ${MAX_K}`);
  if (B === 0) return y;
  const u7 = options.nonNegative ? 2 : 0;
  const colBytes = align(S * K);
  const accBytes = align(OC * S * 4);
  const base = k.scratch(colBytes + accBytes + k.wasm.i8_gemm_scratch_bytes(OC, S, K));
  const [col, acc, gemmScratch] = [base, base + colBytes, base + colBytes + accBytes];
  const dims = [C, H, W, KH, KW, ...win.stride, ...win.padding, ...win.dilation] as const;
  for (let b = 0; b < B; b++) {
    k.wasm.i8_im2col_rows(col, x.offset + b * C * H * W, 0, ...dims);
    k.wasm.i8_gemm(acc, w.offset, col, OC, S, K, u7, gemmScratch);
    k.wasm.i32_dequantize_channels(y.offset + b * OC * S * 4, acc, scale.offset, bias?.offset ?? 0, bias ? 1 : 0, OC, S, 1);
  }
  return y;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
