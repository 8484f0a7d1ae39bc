// conv2d, im2col and col2im on wasm tensors: shapes derived and validated here, computed in wasm.
// NCHW activations, OIHW weights ([OC, C/G, KH, KW]); symmetric padding; floor output sizes.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';
import { EPILOGUE } from '../epilogue.js';
import { distinct } from './distinct.js';
import { window2d, windowOutput, type Pair, type Window2d } from './window.js';

export { convOutputSize, conv2dOutputShape, type Pair } from './window.js';

export interface Conv2dOptions {
  stride?: Pair;
  /** Zeros added on each side (top = bottom, left = right). */
  padding?: Pair;
  dilation?: Pair;
  /** Channel groups G: C and OC must both be multiples of G; G = C is depthwise. */
  groups?: number;
  /** max(·, 0) applied as each output is stored. */
  relu?: boolean;
}

export interface Im2colOptions {
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

const I32_MAX = 2 ** 31 - 1;

type Dims11 = [number, number, number, number, number, number, number, number, number, number, number];

function colShape(op: string, x: Tensor, opts: Im2colOptions): { win: Window2d; dims: Dims11; col: [number, number] } {
  check.rank(op, 'x', x, 3);
  const win = window2d(op, opts.kernel, opts);
  const [C, H, W] = x.shape;
  const [OH, OW] = windowOutput(op, "'x'", x.shape, win);
  const dims: Dims11 = [C, H, W, ...win.kernel, ...win.stride, ...win.padding, ...win.dilation];
  return { win, dims, col: [C * win.kernel[0] * win.kernel[1], OH * OW] };
}

/** col[C·KH·KW, OH·OW] = the patches of one image x[C, H, W] (zeros where padding). */
export function im2col(col: Tensor, x: Tensor, options: Im2colOptions): Tensor {
  const op = 'im2col';
  const k = check.tensors(op, { col, x });
  const { dims, col: expected } = colShape(op, x, options);
  check.shape(op, 'col', col, expected);
  distinct(op, { col }, { x });
  if (col.size === 0) return col;
  k.wasm.f32_im2col(col.offset, x.offset, ...dims);
  return col;
}

/** x[C, H, W] = the adjoint of im2col applied to col[C·KH·KW, OH·OW] (x's shape gives C, H, W). */
export function col2im(x: Tensor, col: Tensor, options: Im2colOptions): Tensor {
  const op = 'col2im';
  const k = check.tensors(op, { x, col });
  const { dims, col: expected } = colShape(op, x, options);
  check.shape(op, 'col', col, expected);
  distinct(op, { x }, { col });
  if (x.size === 0) return x;
  k.wasm.f32_col2im(x.offset, col.offset, ...dims);
  return x;
}

/**
 * y[B, OC, OH, OW] = conv(x[B, C, H, W], w[OC, C/G, KH, KW]) + bias[OC] (bias may be null), then
 * max(·, 0) with `relu`.
 * Computed in one wasm call for the whole batch: im2col + gemm per image and group.
 */
export function conv2d(y: Tensor, x: Tensor, w: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  const k = check.tensors(op, bias === null ? { y, x, w } : { y, x, w, bias });
  check.rank(op, 'x', x, 4);
  check.rank(op, 'w', w, 4);
  const [B, C, H, W] = x.shape;
  const [OC, , KH, KW] = w.shape;
  const G = check.int(op, 'groups', options.groups ?? 1, 1);
  if (C % G !== 0) throw new RangeError(`${op}: input channels ${C} (x [${x.shape}]) are not a multiple of groups ${G}`);
  if (OC % G !== 0) throw new RangeError(`${op}: output channels ${OC} (w [${w.shape}]) are not a multiple of groups ${G}`);
  if (KH < 1 || KW < 1) throw new RangeError(`${op}: 'w' has shape [${w.shape}], an empty kernel`);
  check.shape(op, 'w', w, [OC, C / G, KH, KW]);
  if (bias !== null) check.shape(op, 'bias', bias, [OC]);
  const win = window2d(op, [KH, KW], options);
  const [OH, OW] = windowOutput(op, "'x'", x.shape, win);
  check.shape(op, 'y', y, [B, OC, OH, OW]);
  distinct(op, { y }, { x, w, bias });
  const dims = [C, H, W, KH, KW, ...win.stride, ...win.padding, ...win.dilation, G] as const;
  const colBytes = (C / G) * KH * KW * OH * OW * 4;
  if (colBytes > I32_MAX - 2 ** 24) {
    throw new RangeError(`${op}: one image's im2col buffer would take ${colBytes} bytes (x [${x.shape}], w [${w.shape}]); the limit is 2 GiB`);
  }
  if (y.size === 0) return y;
  const scratch = k.scratch(k.wasm.f32_conv2d_scratch_bytes(...dims));
  const [, , , , , SH, SW, PH, PW, DH, DW] = dims;
  k.wasm.f32_conv2d_fwd(y.offset, x.offset, w.offset, bias?.offset ?? 0,
    B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G, (bias === null ? 0 : EPILOGUE.biasRows) | (options.relu ? EPILOGUE.relu : 0), scratch);
  return y;
}
