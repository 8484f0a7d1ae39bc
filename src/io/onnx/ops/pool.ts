// MaxPool, AveragePool and GlobalAveragePool → MaxPool2d, AvgPool2d, GlobalAvgPool; asymmetric
// padding, auto_pad and ceil_mode become an explicit Pad where that keeps the result exact.

import { AvgPool2d } from '../../../nn/layers/avgpool2d.js';
import { GlobalAvgPool } from '../../../nn/layers/globalavgpool.js';
import { MaxPool2d } from '../../../nn/layers/maxpool2d.js';
import type { NodeContext } from '../context.js';
import type { OpSpec } from './common.js';
import { padInput, pairAttr, windowPads } from './linear.js';

interface Window {
  kernel: number[];
  stride: number[];
  /** [begin_h, begin_w, end_h, end_w], ceil mode's extra end padding included. */
  pads: number[];
  /** ceil_mode added windows. */
  ceilGrew: boolean;
}

function poolWindow(ctx: NodeContext, input: number[]): Window {
  const kernel = ctx.ints('kernel_shape');
  if (!kernel || kernel.length !== 2 || kernel.some((k) => !Number.isInteger(k) || k < 1 || k > 65536)) {
    ctx.fail(`'kernel_shape' must be 2 integers in [1, 65536] for a 2-d pool, got ${kernel ? `[${kernel}]` : 'nothing'}`);
  }
  const stride = pairAttr(ctx, 'strides');
  const dilation = pairAttr(ctx, 'dilations');
  if (dilation.some((d) => d !== 1)) ctx.fail(`'dilations' [${dilation}]: lopper maps pools without dilation`);
  const pads = windowPads(ctx, input, kernel, stride, dilation);
  let ceilGrew = false;
  if (ctx.int('ceil_mode', 0) !== 0) {
    for (let i = 0; i < 2; i++) {
      const span = input[i] + pads[i] + pads[i + 2] - kernel[i];
      if (span < 0) continue;
      let out = Math.ceil(span / stride[i]) + 1;
      // NOTE: the last window must start inside the input or its begin padding (PyTorch's and
      // onnxruntime's rule); then it always holds a real value.
      if ((out - 1) * stride[i] >= input[i] + pads[i]) out--;
      const extra = Math.max(0, (out - 1) * stride[i] + kernel[i] - (input[i] + pads[i] + pads[i + 2]));
      if (extra > 0) { pads[i + 2] += extra; ceilGrew = true; }
    }
  }
  return { kernel, stride, pads, ceilGrew };
}

const maxPool: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    if (x.shape.length !== 3) ctx.fail(`X has per-sample shape [${x.shape}]; lopper maps 2-d pools ([batch, C, H, W]) only`);
    const win = poolWindow(ctx, x.shape.slice(1));
    // Padding with −∞ never wins a maximum, so an explicit Pad is exact.
    const [input, padding] = padInput(ctx, x, win.pads, -Infinity, ([h, w]) => h < win.kernel[0] && w < win.kernel[1]);
    ctx.out(ctx.emit(new MaxPool2d({ kernel: win.kernel as [number, number], stride: win.stride as [number, number], padding: padding as [number, number] }), [input]));
  },
};

const averagePool: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    if (x.shape.length !== 3) ctx.fail(`X has per-sample shape [${x.shape}]; lopper maps 2-d pools ([batch, C, H, W]) only`);
    const win = poolWindow(ctx, x.shape.slice(1));
    const countIncludePad = ctx.int('count_include_pad', 0) !== 0;
    if (win.ceilGrew) ctx.fail(`ceil_mode = 1 adds partial windows here, whose divisor lopper does not reproduce`);
    const [t, l, b, r] = win.pads;
    const symmetric = t === b && l === r && t < win.kernel[0] && l < win.kernel[1];
    if (!symmetric && !countIncludePad) ctx.fail(`pads [${win.pads}] are asymmetric (or not smaller than the kernel) with count_include_pad = 0; lopper cannot keep the divisor exact`);
    // With count_include_pad = 1 zeros padded in front average the same way.
    const [input, padding] = padInput(ctx, x, win.pads, 0, ([h, w]) => h < win.kernel[0] && w < win.kernel[1]);
    const layer = new AvgPool2d({ kernel: win.kernel as [number, number], stride: win.stride as [number, number], padding: padding as [number, number], countIncludePad });
    ctx.out(ctx.emit(layer, [input]));
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
