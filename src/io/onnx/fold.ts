// Constant folding: the arithmetic and shape ops of the importer evaluated on constants (shape
// computations feeding Reshape, scaled weights, Constant nodes), with numpy broadcasting. Integer
// tensors carry the batch size as NaN (context.ts BATCH), which any arithmetic keeps as NaN.

import { broadcastShapes } from '../../nn/layers/binary.js';
import { permute } from '../../nn/layers/transpose.js';
import { checkedCount, type Const } from './tensor.js';

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** f applied element-wise with numpy broadcasting; the result is float when either side is. */
export function broadcastConst(a: Const, b: Const, f: (x: number, y: number) => number, what: string): Const {
  const dims = broadcastShapes(what, a.dims, b.dims);
  const n = checkedCount(dims, what);
  const float = a.float || b.float;
  const out = float ? new Float32Array(n) : new Float64Array(n);
  const rank = dims.length;
  const sa = strides(a.dims);
  const sb = strides(b.dims);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < rank; i++) {
      const ja = i - (rank - a.dims.length);
      const jb = i - (rank - b.dims.length);
      if (ja >= 0 && a.dims[ja] !== 1) ia += index[i] * sa[ja];
      if (jb >= 0 && b.dims[jb] !== 1) ib += index[i] * sb[jb];
    }
    const v = f(a.data[ia], b.data[ib]);
    out[o] = float ? v : Number.isFinite(v) ? Math.trunc(v) : v;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i] < dims[i]) break;
      index[i] = 0;
    }
  }
  return { dims, data: out, float };
}

export function transposeConst(t: Const, perm: readonly number[]): Const {
  const data = t.float ? new Float32Array(t.data.length) : new Float64Array(t.data.length);
  if (t.data.length > 0) {
    const f32 = Float32Array.from(t.data);
    const out = new Float32Array(t.data.length);
    if (t.float) {
      permute(out, f32, t.dims, perm);
      data.set(out);
    } else {
      // Integers may exceed f32 precision: permute indices instead of values.
      const idx = Float32Array.from({ length: t.data.length }, (_, i) => i);
      permute(out, idx, t.dims, perm);
      for (let i = 0; i < out.length; i++) data[i] = t.data[out[i]];
    }
  }
  return { dims: perm.map((p) => t.dims[p]), data, float: t.float };
}

export function concatConst(ts: Const[], axis: number): Const {
  const dims = [...ts[0].dims];
  dims[axis] = ts.reduce((n, t) => n + t.dims[axis], 0);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const float = ts.some((t) => t.float);
  const out = float ? new Float32Array(checkedCount(dims, 'Concat')) : new Float64Array(checkedCount(dims, 'Concat'));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const inner = t.dims.slice(axis).reduce((a, b) => a * b, 1);
      out.set(t.data.subarray(o * inner, (o + 1) * inner), at);
      at += inner;
    }
  }
  return { dims, data: out, float };
}

/** numpy.take(data, indices, axis) with indices already in range. */
export function gatherConst(data: Const, indices: Const, axis: number): Const {
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const outer = data.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = data.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = checkedCount(dims, 'Gather');
  const out = data.float ? new Float32Array(n) : new Float64Array(n);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.data.length; j++) {
      const from = (o * data.dims[axis] + indices.data[j]) * inner;
      out.set(data.data.subarray(from, from + inner), at);
      at += inner;
    }
  }
  return { dims, data: out, float: data.float };
}

export function scalar(v: number, float = true): Const {
  return { dims: [], data: float ? Float32Array.of(v) : Float64Array.of(v), float };
}
