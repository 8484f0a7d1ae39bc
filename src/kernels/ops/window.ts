// Sliding-window attributes (kernel, stride, padding, dilation) and output sizes for conv and
// pooling, validated once here. Shared by ops/conv.ts, ops/pool.ts and the nn layers.

import * as check from '../check.js';

/** A per-axis attribute: one number for both axes, or [h, w]. */
export type Pair = number | readonly [number, number];

/**
 * Output size along one axis: floor((input + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1,
 * or 0 when the (dilated) kernel does not fit in the padded input.
 */
export function convOutputSize(input: number, kernel: number, stride = 1, padding = 0, dilation = 1): number {
  const span = input + 2 * padding - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : Math.floor(span / stride) + 1;
}

/** Validated window attributes, all per axis [h, w]. */
export interface Window2d {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/** Checks kernel ≥ 1, stride ≥ 1, padding ≥ 0, dilation ≥ 1; stride defaults to `strideDefault`. */
export function window2d(
  op: string,
  kernel: Pair,
  options: { stride?: Pair; padding?: Pair; dilation?: Pair },
  strideDefault: Pair = 1,
): Window2d {
  if (kernel === undefined) throw new TypeError(`${op}: 'kernel' is required`);
  const k = check.pair(op, 'kernel', kernel, 1, 1);
  const [sh, sw] = typeof strideDefault === 'number' ? [strideDefault, strideDefault] : strideDefault;
  const s = options.stride === undefined ? [sh, sw] as [number, number] : check.pair(op, 'stride', options.stride, 1, 1);
  return {
    kernel: k,
    stride: s,
    padding: check.pair(op, 'padding', options.padding, 0, 0),
    dilation: check.pair(op, 'dilation', options.dilation, 1, 1),
  };
}

/**
 * [OH, OW] of a window over the last two axes (H, W) of `shape`; throws when either would be < 1.
 * `what` names the input in the message (e.g. "'x'").
 */
export function windowOutput(op: string, what: string, shape: readonly number[], win: Window2d): [number, number] {
  const H = shape[shape.length - 2];
  const W = shape[shape.length - 1];
  const OH = convOutputSize(H, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]);
  const OW = convOutputSize(W, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1]);
  if (OH < 1 || OW < 1) {
    const dil = win.dilation[0] !== 1 || win.dilation[1] !== 1 ? `, dilation [${win.dilation}]` : '';
    throw new RangeError(
      `${op}: ${what} [${shape}] is ${H}×${W}, too small for kernel [${win.kernel}] with padding [${win.padding}]${dil}: ` +
        `output would be ${OH}×${OW}`,
    );
  }
  return [OH, OW];
}

/** [B, OC, OH, OW] of a conv of x [B, C, H, W] with weights [OC, C/G, KH, KW]; throws on an empty output. */
export function conv2dOutputShape(
  x: readonly number[],
  w: readonly number[],
  options: { stride?: Pair; padding?: Pair; dilation?: Pair } = {},
): [number, number, number, number] {
  if (x.length !== 4 || w.length !== 4) {
    throw new RangeError(`conv2dOutputShape: expected x [B, C, H, W] and w [OC, C/G, KH, KW], got [${x}] and [${w}]`);
  }
  const win = window2d('conv2dOutputShape', [w[2], w[3]], options);
  const [OH, OW] = windowOutput('conv2dOutputShape', 'input', x, win);
  return [x[0], w[0], OH, OW];
}

/** [B, C, OH, OW] of a pooling of x [B, C, H, W]; stride defaults to the kernel. */
export function pool2dOutputShape(
  x: readonly number[],
  options: { kernel: Pair; stride?: Pair; padding?: Pair },
): [number, number, number, number] {
  if (x.length !== 4) throw new RangeError(`pool2dOutputShape: expected x [B, C, H, W], got [${x}]`);
  const win = window2d('pool2dOutputShape', options.kernel, options, options.kernel);
  const [OH, OW] = windowOutput('pool2dOutputShape', 'input', x, win);
  return [x[0], x[1], OH, OW];
}
