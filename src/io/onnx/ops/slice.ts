// Slice and Split → Slice layers (one per Split output), on per-sample axes; the batch axis may be
// "sliced" only whole. Both fold on constants (shape arithmetic: Shape → Slice).

import { Slice } from '../../../nn/layers/slice.js';
import { onnxShape, type NodeContext } from '../context.js';
import { checkedCount, type Const } from '../tensor.js';
import type { OpSpec } from './common.js';

interface Range {
  /** Full-rank axis (batch = 0). */
  axis: number;
  start: number;
  end: number;
  step: number;
}

/** Slice's starts, ends, axes and steps (attributes before opset 10, inputs since) resolved against `dims`. */
function sliceRanges(ctx: NodeContext, dims: number[]): Range[] {
  const rank = dims.length;
  const list = (i: number, attr: string): number[] | undefined => {
    if (ctx.opset < 10) return ctx.ints(attr);
    return ctx.has(i) ? ctx.intsOf(ctx.constant(i, attr), attr) : undefined;
  };
  const starts = list(1, 'starts') ?? ctx.fail(`'starts' is required`);
  const ends = list(2, 'ends') ?? ctx.fail(`'ends' is required`);
  const axes = list(3, 'axes') ?? starts.map((_, i) => i);
  const steps = (ctx.opset >= 10 ? list(4, 'steps') : undefined) ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    ctx.fail(`'starts' [${starts}], 'ends' [${ends}], 'axes' [${axes}] and 'steps' [${steps}] differ in length`);
  }
  const seen = new Set<number>();
  return axes.map((a0, i) => {
    const axis = a0 < 0 ? a0 + rank : a0;
    if (!(axis >= 0 && axis < rank)) ctx.fail(`axis ${a0} is outside a tensor of rank ${rank}`);
    if (seen.has(axis)) ctx.fail(`axes [${axes}] repeat an axis`);
    seen.add(axis);
    const step = steps[i];
    if (!(step >= 1)) ctx.fail(`step ${step} on axis ${a0}: lopper slices with steps ≥ 1`);
    const dim = dims[axis];
    const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
    return { axis, start: clamp(starts[i]), end: clamp(ends[i]), step };
  });
}

/** The Slice layer for per-sample ranges, or the input itself when nothing is cut. */
function emitSlice(ctx: NodeContext, ranges: Range[], dims: number[], output = 0, role?: string): void {
  const x = ctx.computed(0, 'data');
  const cut = ranges.filter((r) => r.start !== 0 || r.end !== dims[r.axis] || r.step !== 1);
  for (const r of cut) {
    if (r.axis === 0) ctx.fail(`slices the batch axis ([${r.start}, ${r.end}) step ${r.step})`, 'batch-axis');
    if (r.end <= r.start) ctx.fail(`axis ${r.axis} is sliced to nothing ([${r.start}, ${r.end}))`);
  }
  if (cut.length === 0) {
    ctx.out(x, output);
    return;
  }
  const layer = new Slice({ axes: cut.map((r) => r.axis - 1), starts: cut.map((r) => r.start), ends: cut.map((r) => r.end), steps: cut.map((r) => r.step) });
  ctx.out(ctx.emit(layer, [x], {}, role), output);
}

/** numpy-style slicing of a constant. */
function sliceConst(t: Const, ranges: Range[]): Const {
  const rank = t.dims.length;
  const start = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const out = [...t.dims];
  for (const r of ranges) {
    start[r.axis] = r.start;
    step[r.axis] = r.step;
    out[r.axis] = Math.max(0, Math.ceil((r.end - r.start) / r.step));
  }
  const n = checkedCount(out, 'Slice');
  const data = t.float ? new Float32Array(n) : new Float64Array(n);
  const stride = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) stride[a] = stride[a + 1] * t.dims[a + 1];
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let i = 0;
    for (let a = 0; a < rank; a++) i += (start[a] + index[a] * step[a]) * stride[a];
    data[o] = t.data[i];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < out[a]) break;
      index[a] = 0;
    }
  }
  return { dims: out, data, float: t.float };
}

/**
 * The batch axis's size for range arithmetic: the fixed size, or INT32_MAX, which the "to the end"
 * values exporters write (INT32_MAX, INT64_MAX) clamp to.
 */
function batchDims(ctx: NodeContext, perSample: number[]): number[] {
  return [ctx.b.batch.fixed ?? 2 ** 31 - 1, ...perSample];
}

const slice: OpSpec = {
  map(ctx) {
    const dims = batchDims(ctx, onnxShape(ctx.raw(0, 'data')));
    emitSlice(ctx, sliceRanges(ctx, dims), dims);
  },
  fold(ctx) {
    const t = ctx.constant(0, 'data');
    ctx.out({ kind: 'const', t: sliceConst(t, sliceRanges(ctx, t.dims)) });
  },
};

/** Split's part sizes along axis `a` of size `dim`: the 'split' attribute or input, or equal parts. */
function splitSizes(ctx: NodeContext, dim: number): number[] {
  const outputs = ctx.node.output?.length ?? 0;
  let sizes = ctx.opset < 13 ? ctx.ints('split') : ctx.has(1) ? ctx.intsOf(ctx.constant(1, 'split'), 'split') : undefined;
  if (!sizes) {
    const n = ctx.opset >= 18 && ctx.hasAttr('num_outputs') ? ctx.int('num_outputs', outputs) : outputs;
    if (n < 1) ctx.fail(`has no outputs`);
    const part = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
  }
  if (sizes.length !== outputs) ctx.fail(`'split' [${sizes}] gives ${sizes.length} parts for ${outputs} outputs`);
  if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) ctx.fail(`'split' [${sizes}] does not add up to the axis size ${dim}`);
  return sizes;
}

const split: OpSpec = {
  map(ctx) {
    const dims = batchDims(ctx, onnxShape(ctx.raw(0, 'input')));
    const rank = dims.length;
    const axis0 = ctx.int('axis', 0);
    const axis = axis0 < 0 ? axis0 + rank : axis0;
    if (!(axis >= 0 && axis < rank)) ctx.fail(`'axis' ${axis0} is outside a tensor of rank ${rank}`);
    if (axis === 0) ctx.fail(`splits the batch axis`, 'batch-axis');
    let at = 0;
    splitSizes(ctx, dims[axis]).forEach((size, i) => {
      emitSlice(ctx, [{ axis, start: at, end: at + size, step: 1 }], dims, i, i === 0 ? undefined : `${i}`);
      at += size;
    });
  },
  fold(ctx) {
    const t = ctx.constant(0, 'input');
    const axis0 = ctx.int('axis', 0);
    const axis = axis0 < 0 ? axis0 + t.dims.length : axis0;
    if (!(axis >= 0 && axis < t.dims.length)) ctx.fail(`'axis' ${axis0} is outside a tensor of rank ${t.dims.length}`);
    let at = 0;
    splitSizes(ctx, t.dims[axis]).forEach((size, i) => {
      ctx.out({ kind: 'const', t: sliceConst(t, [{ axis, start: at, end: at + size, step: 1 }]) }, i);
      at += size;
    });
  },
};

export const sliceOps: Record<string, OpSpec> = { Slice: slice, Split: split };
