// MaxPool, AveragePool and GlobalAveragePool → MaxPool2d, AvgPool2d, GlobalAvgPool, 1-d ones as
// 2-d with H = 1; asymmetric padding, auto_pad and ceil_mode become an explicit Pad where that
// keeps the result exact. An average whose divisor a Pad would change (partial ceil-mode windows,
// asymmetric padding without count_include_pad) is a sum pool (Pad, AvgPool2d counting the pads)
// times a constant map of kernel size / ONNX's divisor per output position; so is a dilated average
// (opset 19's dilations), whose divisor counts its taps.

import { AvgPool2d } from '../../../nn/layers/avgpool2d.js';
import { GlobalAvgPool } from '../../../nn/layers/globalavgpool.js';
import { MaxPool2d } from '../../../nn/layers/maxpool2d.js';
import type { NodeContext } from '../context.js';
import type { OpSpec } from './common.js';
import { padInput, pairAttr, windowInput, windowPads } from './linear.js';
import { Mul } from '../../../nn/layers/mul.js';
import { Pad } from '../../../nn/layers/pad.js';

interface Window {
  kernel: number[];
  stride: number[];
  dilation: number[];
  /** The dilated window's extent per axis, d·(k − 1) + 1. */
  span: number[];
  /** [begin_h, begin_w, end_h, end_w], ceil mode's extra end padding included. */
  pads: number[];
  /** ceil_mode added windows. */
  ceilGrew: boolean;
}

function poolWindow(ctx: NodeContext, input: number[], n: number): Window {
  const given = ctx.ints('kernel_shape');
  if (!given || given.length !== n || given.some((k) => !Number.isInteger(k) || k < 1 || k > 65536)) {
    ctx.fail(`'kernel_shape' must be ${n} integers in [1, 65536] for a ${n}-d pool, got ${given ? `[${given}]` : 'nothing'}`);
  }
  const kernel = n === 1 ? [1, given![0]] : given!;
  const stride = pairAttr(ctx, 'strides', n);
  const dilation = pairAttr(ctx, 'dilations', n);
  const pads = windowPads(ctx, input, kernel, stride, dilation, n);
  const extent = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  let ceilGrew = false;
  if (ctx.int('ceil_mode', 0) !== 0) {
    for (let i = 0; i < 2; i++) {
      const span = input[i] + pads[i] + pads[i + 2] - extent[i];
      if (span < 0) continue;
      let out = Math.ceil(span / stride[i]) + 1;
      // NOTE: the last window must start inside the input or its begin padding (PyTorch's and
      // onnxruntime's rule); then it always holds a real value.
      if ((out - 1) * stride[i] >= input[i] + pads[i]) out--;
      const extra = Math.max(0, (out - 1) * stride[i] + extent[i] - (input[i] + pads[i] + pads[i + 2]));
      if (extra > 0) { pads[i + 2] += extra; ceilGrew = true; }
    }
  }
  return { kernel, stride, dilation, span: extent, pads, ceilGrew };
}

const maxPool: OpSpec = {
  map(ctx) {
    const { x, n, back } = windowInput(ctx, 'X');
    const win = poolWindow(ctx, x.shape.slice(1), n);
    // Padding with −∞ never wins a maximum, so an explicit Pad is exact.
    const [input, padding] = padInput(ctx, x, win.pads, -Infinity, ([h, w]) => h < win.span[0] && w < win.span[1]);
    const dilation = win.dilation.some((d) => d !== 1) ? { dilation: win.dilation as [number, number] } : {};
    ctx.out(back(ctx.emit(new MaxPool2d({ kernel: win.kernel as [number, number], stride: win.stride as [number, number], padding: padding as [number, number], ...dilation }), [input])));
  },
};

/**
 * ONNX's divisor for the window of each output along one axis: its taps (every `dilation`-th
 * position) on real values (count_include_pad = 0), or within input and explicit padding (1),
 * never the ceil-mode extension.
 */
function divisors(L: number, kernel: number, stride: number, dilation: number, begin: number, end: number, out: number, includePad: boolean): number[] {
  const [lo, hi] = includePad ? [-begin, L + end] : [0, L];
  return Array.from({ length: out }, (_, o) => {
    let n = 0;
    for (let t = 0; t < kernel; t++) if (o * stride - begin + t * dilation >= lo && o * stride - begin + t * dilation < hi) n++;
    return n;
  });
}

const averagePool: OpSpec = {
  map(ctx) {
    const { x, n, back } = windowInput(ctx, 'X');
    const win = poolWindow(ctx, x.shape.slice(1), n);
    const countIncludePad = ctx.int('count_include_pad', 0) !== 0;
    const [t, l, b, r] = win.pads;
    const symmetric = t === b && l === r && t < win.kernel[0] && l < win.kernel[1];
    const kernel = win.kernel as [number, number];
    const stride = win.stride as [number, number];
    const dilation = win.dilation as [number, number];
    const dilated = dilation.some((d) => d !== 1);
    if (!dilated && !win.ceilGrew && (symmetric || countIncludePad)) {
      // With count_include_pad = 1 zeros padded in front average the same way.
      const [input, padding] = padInput(ctx, x, win.pads, 0, ([h, w]) => h < win.kernel[0] && w < win.kernel[1]);
      ctx.out(back(ctx.emit(new AvgPool2d({ kernel, stride, padding: padding as [number, number], countIncludePad }), [input])));
      return;
    }
    const [, H, W] = x.shape;
    const padded = win.pads.some((p) => p > 0) ? ctx.emit(new Pad({ pads: [0, t, l, 0, b, r], value: 0 }), [x], {}, 'pad') : x;
    const sum = ctx.emit(new AvgPool2d({ kernel, stride, countIncludePad: true, ...(dilated ? { dilation } : {}) }), [padded], {}, 'sum');
    const [, OH, OW] = sum.shape;
    // The explicit pads are what the file gives; ceil mode's extension (in win.pads) is not counted.
    const given = windowPads(ctx, x.shape.slice(1), kernel, stride, dilation, n);
    const dh = divisors(H, kernel[0], stride[0], dilation[0], given[0], given[2], OH, countIncludePad);
    const dw = divisors(W, kernel[1], stride[1], dilation[1], given[1], given[3], OW, countIncludePad);
    const K = kernel[0] * kernel[1];
    const scale = Float32Array.from({ length: OH * OW }, (_, i) => K / (dh[Math.floor(i / OW)] * dw[i % OW]));
    ctx.out(back(ctx.emit(new Mul({ operand: [1, OH, OW] }), [sum], { operand: scale })));
  },
};

const globalAveragePool: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    if (x.shape.length < 2 || x.shape.length > 3) ctx.fail(`X has per-sample shape [${x.shape}]; lopper maps [batch, C, L] and [batch, C, H, W]`);
    ctx.out(ctx.emit(new GlobalAvgPool(), [x]));
  },
};

export const poolOps: Record<string, OpSpec> = { MaxPool: maxPool, AveragePool: averagePool, GlobalAveragePool: globalAveragePool };
