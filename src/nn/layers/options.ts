// Checks of layer options and per-sample input shapes, shared by the layers: every error names the
// layer, the option (or input) and the value. Not a layer; nothing here touches wasm.

import type { Shape } from '../layer.js';

/** The options object itself, rejecting keys the layer does not know (typos such as 'countPad'). */
export function known<T extends object>(layer: string, options: T | undefined, keys: readonly string[]): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${layer}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) {
      throw new TypeError(`${layer}: unknown option '${key}'; known: ${keys.length ? keys.join(', ') : '(none)'}`);
    }
  }
  return options;
}

export function int(layer: string, name: string, v: unknown, lo: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo) {
    throw new RangeError(`${layer}: '${name}' must be an integer${lo === -Infinity ? '' : ` ≥ ${lo}`}, got ${describe(v)}`);
  }
  return v;
}

/** A finite number in [lo, hi) (or [lo, hi] when `closed`). */
export function number(layer: string, name: string, v: unknown, lo = -Infinity, hi = Infinity, closed = false): number {
  const inRange = typeof v === 'number' && Number.isFinite(v) && v >= lo && (closed ? v <= hi : v < hi);
  if (!inRange) {
    const what = lo === -Infinity && hi === Infinity ? 'a finite number'
      : hi === Infinity ? `a finite number ≥ ${lo}`
      : lo === -Infinity ? `a finite number ${closed ? '≤' : '<'} ${hi}`
      : `a number in [${lo}, ${hi}${closed ? ']' : ')'}`;
    throw new RangeError(`${layer}: '${name}' must be ${what}, got ${describe(v)}`);
  }
  return v;
}

export function bool(layer: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${layer}: '${name}' must be true or false, got ${describe(v)}`);
  return v;
}

/** A per-axis window attribute: one integer for both axes, or [h, w]. */
export type Pair = number | readonly [number, number];

export function pair(layer: string, name: string, v: unknown, lo: number): [number, number] {
  const ok = (d: unknown) => typeof d === 'number' && Number.isInteger(d) && d >= lo;
  if (ok(v)) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  throw new RangeError(`${layer}: '${name}' must be an integer ≥ ${lo} or [h, w], got ${describe(v)}`);
}

/** The saved form of a pair: one number when both axes agree. */
export function unpair([h, w]: readonly [number, number]): Pair {
  return h === w ? h : [h, w];
}

/**
 * [C, S] of a per-sample shape [C, ...spatial] (S = 1 for rank 1); a rank outside [lo, hi] throws,
 * naming the shapes the layer takes (`expected`, e.g. "[C] or [C, H, W]").
 */
export function channels(layer: string, x: Shape, lo: number, hi: number, expected: string): [number, number] {
  if (x.length < lo || x.length > hi) {
    throw new RangeError(`${layer} expects a per-sample input ${expected}, got [${x}]`);
  }
  let S = 1;
  for (let i = 1; i < x.length; i++) S *= x[i];
  return [x[0], S];
}

/** Validated pooling window, per axis [h, w]. */
export interface PoolWindow {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/**
 * kernel ≥ 1, stride ≥ 1 (default: the kernel), 0 ≤ padding < kernel.
 * NOTE: padding < kernel is exactly what keeps every window partly inside the image (a window
 * wholly in padding has no maximum and no mean); PyTorch's rule, padding ≤ kernel/2, is stricter.
 */
export function poolWindow(layer: string, o: { kernel?: unknown; stride?: unknown; padding?: unknown }): PoolWindow {
  const kernel = pair(layer, 'kernel', o.kernel, 1);
  const stride = o.stride === undefined ? kernel : pair(layer, 'stride', o.stride, 1);
  const padding = pair(layer, 'padding', o.padding ?? 0, 0);
  if (padding[0] >= kernel[0] || padding[1] >= kernel[1]) {
    throw new RangeError(`${layer}: 'padding' must be smaller than the kernel [${kernel}] on each axis, got ${describe(o.padding)}`);
  }
  return { kernel, stride, padding };
}

/** [C, H, W, OH, OW] of a pooling over a per-sample [C, H, W]; throws when the window does not fit. */
export function poolShape(layer: string, x: Shape, win: PoolWindow): [number, number, number, number, number] {
  if (x.length !== 3) throw new RangeError(`${layer} expects a per-sample input [C, H, W], got [${x}]`);
  const [C, H, W] = x;
  const out = (L: number, i: 0 | 1) => {
    const span = L + 2 * win.padding[i] - win.kernel[i];
    return span < 0 ? 0 : Math.floor(span / win.stride[i]) + 1;
  };
  const OH = out(H, 0);
  const OW = out(W, 1);
  if (OH < 1 || OW < 1) {
    throw new RangeError(`${layer}: input [${x}] is ${H}×${W}, too small for kernel [${win.kernel}] with padding [${win.padding}]`);
  }
  return [C, H, W, OH, OW];
}

export function sizeOf(x: Shape): number {
  return x.reduce((a, b) => a * b, 1);
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'an object';
}

/** [C, S] of a run-time tensor [B, C, ...spatial] (S = 1 for [B, C]). */
export function planes(shape: readonly number[]): [number, number] {
  let S = 1;
  for (let i = 2; i < shape.length; i++) S *= shape[i];
  return [shape[1], S];
}
