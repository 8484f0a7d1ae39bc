// int8 ops on wasm tensors: quantize / dequantize, weights packed once, the int8 GEMM and its
// epilogues, and an int8 convolution (im2col + GEMM + dequantize), validated here and computed in
// wasm (assembly/int8.ts).

import * as check from '../check.js';
import type { Kernels } from '../kernels.js';
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

/**
 * int8 weights B packed once (i8_pack_b) for gemmInt8 and conv2dInt8: rows of B are axis 0 of
 * `shape` (a dense layer's outputs, a convolution's output channels), K the rest. `mode` 1 is the
 * relaxed build's 8-bit layout, for inputs in [0, 127]; mode 0 runs on any input.
 */
export interface PackedInt8 {
  readonly data: Tensor;
  readonly shape: readonly number[];
  readonly mode: 0 | 1;
}

// NOTE: |a·b| ≤ 2^14 per product, so i32 sums are exact for K < 2^17.
const MAX_K = 2 ** 17 - 1;

/** The layout for inputs that are (or may not be) all in [0, 127], on this host's build. */
function modeFor(k: Kernels, nonNegative: boolean): 0 | 1 {
  return nonNegative && k.build === 'relaxed' ? 1 : 0;
}

/** Packs int8 weights b ([N, K], or [OC, C, KH, KW]) for inputs that lie in [0, 127] when `nonNegativeInputs`. */
export function packInt8(b: Tensor, options: { nonNegativeInputs?: boolean } = {}): PackedInt8 {
  const op = 'packInt8';
  const k = check.tensors(op, { b }, 'i8');
  if (b.shape.length < 2) throw new RangeError(`${op}: 'b' must have rank ≥ 2, got [${b.shape}]`);
  const N = b.shape[0];
  const K = b.size / N;
  if (K > MAX_K) throw new RangeError(`${op}: K = ${K} could overflow i32 sums; at most ${MAX_K}`);
  const mode = modeFor(k, options.nonNegativeInputs ?? false);
  const data = k.tensor([Math.max(1, k.wasm.i8_packed_bytes(N, K, mode))], 'i8');
  k.wasm.i8_pack_b(data.offset, b.offset, N, K, mode);
  return { data, shape: [...b.shape], mode };
}

export interface GemmInt8Options {
  /** Every element of 'a' lies in [0, 127] (int8 after a ReLU): the relaxed build then uses its 8-bit dot. */
  nonNegative?: boolean;
}

/** The packed layout of `b` for this call: its own, or the one a raw `b` gets packed into. */
function packedFor(op: string, k: Kernels, b: Tensor | PackedInt8, nonNegative: boolean): PackedInt8 {
  if (!('mode' in b)) return { data: b, shape: b.shape, mode: modeFor(k, nonNegative) };
  if (b.data.kernels !== k) throw new Error(`${op}: the packed weights live in a different wasm instance`);
  if (b.mode === 1 && !nonNegative) throw new RangeError(`${op}: weights packed for inputs in [0, 127] (mode 1) need options.nonNegative`);
  return b;
}

/**
 * Scratch for a GEMM on `b`, in one area: `extra` bytes for the caller, then (for a raw B) B
 * packed here, then the A panel. Returns their addresses; packs a raw B.
 */
function gemmScratch(k: Kernels, b: Tensor | PackedInt8, p: PackedInt8, N: number, K: number, extra: number): { extra: number; bp: number; panel: number } {
  const packBytes = 'mode' in b ? 0 : align(k.wasm.i8_packed_bytes(N, K, p.mode));
  const base = k.scratch(align(extra) + packBytes + k.wasm.i8_gemm_packed_scratch_bytes(K, p.mode));
  const at = base + align(extra);
  if (!('mode' in b)) k.wasm.i8_pack_b(at, b.offset, N, K, p.mode);
  return { extra: base, bp: 'mode' in b ? p.data.offset : at, panel: at + packBytes };
}

/** c[M,N] (i32) = a[M,K]·b[N,K]ᵀ (int8, exact); b raw (packed here, per call) or packInt8'd once. */
export function gemmInt8(c: Tensor, a: Tensor, b: Tensor | PackedInt8, options: GemmInt8Options = {}): Tensor {
  const op = 'gemmInt8';
  const raw = !('mode' in b);
  const k = check.tensors(op, raw ? { a, b } : { a }, 'i8');
  check.tensors(op, { c }, 'i32');
  if (c.kernels !== k) throw new Error(`${op}: 'c' and 'a' live in different wasm instances`);
  check.rank(op, 'a', a, 2);
  check.rank(op, 'c', c, 2);
  if (raw) check.rank(op, 'b', b, 2);
  const shape = b.shape;
  const [M, K] = a.shape;
  const N = shape[0];
  const KB = shape.slice(1).reduce((x, y) => x * y, 1);
  if (K !== KB) throw new RangeError(`${op}: 'a' is [${a.shape}] and 'b' is [${shape}]: both must be [·, K] with the same K`);
  if (K > MAX_K) throw new RangeError(`${op}: K = ${K} could overflow i32 sums; at most ${MAX_K}`);
  check.shape(op, 'c', c, [M, N]);
  distinct(op, { c }, raw ? { a, b } : { a, b: b.data });
  const nonNegative = options.nonNegative ?? false;
  if (typeof nonNegative !== 'boolean') throw new TypeError(`${op}: 'nonNegative' must be a boolean, got ${check.describe(nonNegative)}`);
  const p = packedFor(op, k, b, nonNegative);
  if (M === 0 || N === 0) return c;
  const { bp, panel } = gemmScratch(k, b, p, N, K, 0);
  k.wasm.i8_gemm_packed(c.offset, a.offset, bp, M, N, K, p.mode, 0, panel);
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
 * (raw, or packInt8'd once; one group, symmetric: zero points 0): scale is s_x·s_w[oc], so y is
 * the real-valued output. One image at a time: the packed GEMM with its rows gathered from the
 * image (i8_conv_packed, [OC, OH·OW]), then a per-channel dequantize; scratch from the kernels' shared area.
 */
export function conv2dInt8(y: Tensor, x: Tensor, w: Tensor | PackedInt8, scale: Tensor, bias: Tensor | undefined, options: Conv2dInt8Options = {}): Tensor {
  const op = 'conv2dInt8';
  const raw = !('mode' in w);
  const k = check.tensors(op, raw ? { x, w } : { x }, 'i8');
  check.tensors(op, bias ? { y, scale, bias } : { y, scale });
  if (y.kernels !== k) throw new Error(`${op}: 'y' and 'x' live in different wasm instances`);
  check.rank(op, 'x', x, 4);
  if (raw) check.rank(op, 'w', w, 4);
  else if (w.shape.length !== 4) throw new RangeError(`${op}: packed 'w' must be of a rank-4 weight, got [${w.shape}]`);
  const [B, C, H, W] = x.shape;
  const [OC, WC, KH, KW] = w.shape;
  if (WC !== C) throw new RangeError(`${op}: 'w' [${w.shape}] expects ${WC} input channels, 'x' [${x.shape}] has ${C}`);
  const win = window2d(op, [KH, KW], options);
  const [OH, OW] = windowOutput(op, "'x'", x.shape, win);
  check.shape(op, 'y', y, [B, OC, OH, OW]);
  check.shape(op, 'scale', scale, [OC]);
  if (bias) check.shape(op, 'bias', bias, [OC]);
  distinct(op, { y }, { x, w: raw ? w : w.data, scale, bias });
  const S = OH * OW;
  const K = C * KH * KW;
  if (K > MAX_K) throw new RangeError(`${op}: C·KH·KW = ${K} could overflow i32 sums; at most ${MAX_K}`);
  const p = packedFor(op, k, w, options.nonNegative ?? false);
  if (B === 0) return y;
  const accBytes = align(OC * S * 4);
  const { extra: acc, bp } = gemmScratch(k, w, p, OC, K, accBytes + k.wasm.i8_conv_packed_scratch_bytes(C, H, W, KH, KW, ...win.padding, p.mode));
  const convScratch = acc + accBytes;
  const dims = [C, H, W, KH, KW, ...win.stride, ...win.padding, ...win.dilation] as const;
  for (let b = 0; b < B; b++) {
    k.wasm.i8_conv_packed(acc, x.offset + b * C * H * W, bp, OC, ...dims, p.mode, convScratch);
    k.wasm.i32_dequantize_channels(y.offset + b * OC * S * 4, acc, scale.offset, bias?.offset ?? 0, bias ? 1 : 0, OC, S, 1);
  }
  return y;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
