// Argument checks for the kernel façade. Each error names the op, the argument and the shapes,
// and every check runs before any kernel does.

import { Tensor, type DType } from './tensor.js';
import type { Kernels } from './kernels.js';

/** Checks that every named argument is a live tensor of `dtype` on one wasm instance; returns it. */
export function tensors(op: string, args: Record<string, unknown>, dtype: DType = 'f32'): Kernels {
  let kernels: Kernels | undefined;
  let first = '';
  for (const [name, t] of Object.entries(args)) {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: '${name}' must be a Tensor, got ${describe(t)}`);
    if (t.disposed) throw new Error(`${op}: '${name}' was disposed`);
    if (t.dtype !== dtype) throw new TypeError(`${op}: '${name}' must be ${dtype}, got ${t.dtype}`);
    if (kernels === undefined) { kernels = t.kernels; first = name; }
    else if (t.kernels !== kernels) {
      throw new Error(`${op}: '${name}' and '${first}' live in different wasm instances`);
    }
  }
  if (!kernels) throw new Error(`${op}: no tensor arguments`);
  return kernels;
}

export function rank(op: string, name: string, t: Tensor, r: number): void {
  if (t.shape.length !== r) {
    throw new RangeError(`${op}: '${name}' must have rank ${r}, got shape [${t.shape}]`);
  }
}

export function shape(op: string, name: string, t: Tensor, expected: readonly number[]): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${op}: '${name}' has shape [${t.shape}], expected [${expected}]`);
  }
}

export function sameSize(op: string, name: string, t: Tensor, n: number, other: string): void {
  if (t.size !== n) {
    throw new RangeError(`${op}: '${name}' has ${t.size} elements (shape [${t.shape}]), '${other}' has ${n}`);
  }
}

export function int(op: string, name: string, v: unknown, lo: number, hi = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    const range = hi === Infinity ? `≥ ${lo}` : `in [${lo}, ${hi}]`;
    throw new RangeError(`${op}: '${name}' must be an integer ${range}, got ${describe(v)}`);
  }
  return v;
}

export function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RangeError(`${op}: '${name}' must be a finite number, got ${describe(v)}`);
  }
  return v;
}

/** Two ints from a number or a pair, as ONNX-style [h, w] attributes. */
export function pair(op: string, name: string, v: number | readonly number[] | undefined, fallback: number, lo: number): [number, number] {
  const [h, w] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
  if (Array.isArray(v) && v.length !== 2) {
    throw new RangeError(`${op}: '${name}' must be a number or [h, w], got [${v}]`);
  }
  return [int(op, `${name}[0]`, h, lo), int(op, `${name}[1]`, w, lo)];
}

export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape [${v.shape}]`;
  if (Array.isArray(v)) return `[${v}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'an object';
}
