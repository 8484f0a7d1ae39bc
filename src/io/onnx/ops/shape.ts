// Shape ops: Flatten, Reshape, Squeeze, Unsqueeze → Reshape; Transpose (deferred, so that NHWC
// transposes cancel); Concat; Pad (constant, reflect, edge); Expand (a broadcast); Cast (float16
// and bfloat16 round); and the constant-only ops that shape computations use: Constant, Shape,
// Gather, ConstantOfShape. Axes touching the batch axis are refused.

import { Concat } from '../../../nn/layers/concat.js';
import { Flatten } from '../../../nn/layers/flatten.js';
import { Pad, type PadMode } from '../../../nn/layers/pad.js';
import { permute } from '../../../nn/layers/transpose.js';
import { BATCH, onnxShape, type Computed, type NodeContext } from '../context.js';
import { DataType } from '../proto.js';
import { checkedCount, type Const } from '../tensor.js';
import { broadcastConst, concatConst, gatherConst, transposeConst } from '../fold.js';
import { reshapeTo, sampleAxis, sizeOf, unary, type OpSpec } from './common.js';
import { RoundFloat, roundBfloat, roundHalf, type NarrowFloat } from '../../../nn/layers/round-float.js';
import { BroadcastAdd } from '../../../nn/layers/broadcastadd.js';
import { broadcastShapes } from '../../../nn/layers/binary.js';

function intConst(values: number[], dims = [values.length]): Const {
  return { dims, data: Float64Array.from(values), float: false };
}

function withDims(t: Const, dims: number[]): Const {
  return { ...t, dims };
}

/** An axes list from an attribute (before `inputFrom` opset) or from input `index`. */
function axesOf(ctx: NodeContext, inputFrom: number, index = 1): number[] | undefined {
  if (ctx.opset < inputFrom) return ctx.ints('axes');
  if (!ctx.has(index)) return undefined;
  return ctx.intsOf(ctx.constant(index, 'axes'), 'axes');
}

function normaliseAxes(ctx: NodeContext, axes: number[], rank: number): number[] {
  const out = axes.map((a) => (a < 0 ? a + rank : a));
  out.forEach((a, i) => { if (!(a >= 0 && a < rank)) ctx.fail(`axis ${axes[i]} is outside a tensor of rank ${rank}`); });
  if (new Set(out).size !== out.length) ctx.fail(`axes [${axes}] repeat an axis`);
  return out;
}

// ---- Flatten

function flattenDims(ctx: NodeContext, dims: number[]): [number, number] {
  const axis = ctx.int('axis', 1);
  const a = axis < 0 ? axis + dims.length : axis;
  if (a < 0 || a > dims.length) ctx.fail(`'axis' ${axis} is outside a tensor of rank ${dims.length}`);
  return [sizeOf(dims.slice(0, a)), sizeOf(dims.slice(a))];
}

/**
 * A flatten of a value with a pending transposition (NHWC before a Dense), read by nothing but one
 * Gemm or MatMul: flattened in lopper's layout, the Dense takes the feature order (context.ts).
 */
function reorderedFlatten(ctx: NodeContext): Computed | undefined {
  const x = ctx.raw(0);
  const readers = ctx.readersOf(0);
  const dense = readers.length === 1 && ctx.b.uses.get(ctx.node.output![0]) === 1 &&
    (readers[0].opType === 'MatMul' || (readers[0].opType === 'Gemm' && !(readers[0].attribute ?? []).some((a) => a.name === 'transA' && Number(a.i) !== 0))) &&
    readers[0].input?.[0] === ctx.node.output![0];
  if (!x.perm || !dense) return undefined;
  const index = Float32Array.from({ length: sizeOf(x.shape) }, (_, i) => i);
  const onnxOrder = new Float32Array(index.length);
  permute(onnxOrder, index, x.shape, x.perm);
  const flat = ctx.emit(new Flatten(), [{ ...x, perm: undefined }]);
  return { ...flat, order: Int32Array.from(onnxOrder) };
}

const flatten: OpSpec = {
  map(ctx) {
    const raw = ctx.raw(0);
    const rank = raw.shape.length + 1;
    const axis = ctx.int('axis', 1);
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a > rank) ctx.fail(`'axis' ${axis} is outside a tensor of rank ${rank}`);
    // Axes 1…a−1 join the batch: fine only when they are all 1.
    const s = onnxShape(raw);
    if (a === 0 || sizeOf(s.slice(0, a - 1)) !== 1) {
      ctx.fail(`'axis' ${axis} folds ${a === 0 ? 'the batch axis into the features' : `per-sample axes [${s.slice(0, a - 1)}] into the batch axis`}`, 'batch-axis');
    }
    const reordered = reorderedFlatten(ctx);
    if (reordered) {
      ctx.out(reordered);
      return;
    }
    const x = ctx.computed(0);
    ctx.out(reshapeTo(ctx, x, [sizeOf(x.shape)]));
  },
  fold(ctx) {
    const t = ctx.constant(0);
    ctx.out({ kind: 'const', t: withDims(t, flattenDims(ctx, t.dims)) });
  },
};

// ---- Reshape

/** ONNX's target shape with 0 (copy, unless allowzero) and −1 (infer) resolved against `dims`. */
function resolveTarget(ctx: NodeContext, dims: number[], target: number[], allowzero: boolean): number[] {
  const out = target.map((d, i) => {
    if (d === 0 && !allowzero) {
      if (i >= dims.length) ctx.fail(`target [${target}] copies dimension ${i} (0) from a tensor of rank ${dims.length}`);
      return dims[i];
    }
    return d;
  });
  const free = out.filter((d) => d === -1).length;
  if (free > 1 || out.some((d) => (d < 0 && d !== -1) || (!Number.isInteger(d) && !Number.isNaN(d)))) ctx.fail(`target shape [${target}] is not a valid shape`);
  const size = sizeOf(dims);
  const known = sizeOf(out.filter((d) => d !== -1));
  if (free ? known === 0 || size % known !== 0 : known !== size) ctx.fail(`[${dims}] (${size} values) cannot take the shape [${target}]`);
  return out.map((d) => (d === -1 ? size / known : d));
}

const reshape: OpSpec = {
  map(ctx) {
    const raw = ctx.raw(0, 'data');
    const s = onnxShape(raw);
    const target = Array.from(ctx.constant(1, 'shape').data);
    const allowzero = ctx.int('allowzero', 0) !== 0;
    if (target.length === 0) ctx.fail(`target shape [] leaves a scalar; lopper keeps the batch axis`, 'batch-axis');
    // Axis 0 must stay the batch: the batch marker, a copy of it (0), the fixed batch size, or −1 that comes out as the batch.
    const [first, ...rest] = target.map((d, i) => (d === 0 && !allowzero ? (i === 0 ? BATCH : s[i - 1] ?? -2) : d));
    if (rest.some((d) => d === -2)) ctx.fail(`target [${target}] copies a dimension (0) the input [batch, ${s}] does not have`);
    if (rest.some((d) => Number.isNaN(d))) ctx.fail(`target [${target.map((d) => (Number.isNaN(d) ? 'batch' : d))}] uses the batch size on a per-sample axis`, 'dynamic-shape');
    const keepsBatch = Number.isNaN(first) || (first === ctx.b.batch.fixed)
      || (first === -1 && !rest.includes(-1) && sizeOf(rest) === sizeOf(s));
    if (!keepsBatch) {
      ctx.fail(`target [${target}] changes the batch axis of [batch, ${s}]; lopper keeps axis 0 as the batch`, 'batch-axis');
    }
    const shape = resolveTarget(ctx, s, rest, allowzero);
    const reordered = shape.length === 1 && shape[0] !== s[0] ? reorderedFlatten(ctx) : undefined;
    ctx.out(reordered ?? reshapeTo(ctx, ctx.computed(0, 'data'), shape));
  },
  fold(ctx) {
    const t = ctx.constant(0, 'data');
    const target = ctx.intsOf(ctx.constant(1, 'shape'), 'shape');
    ctx.out({ kind: 'const', t: withDims(t, resolveTarget(ctx, t.dims, target, ctx.int('allowzero', 0) !== 0)) });
  },
};

// ---- Squeeze, Unsqueeze

function squeezedDims(ctx: NodeContext, dims: number[], axes: number[] | undefined, perSample: boolean): number[] {
  const rank = dims.length;
  const drop = axes ? normaliseAxes(ctx, axes, rank) : dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= (perSample ? 1 : 0));
  for (const a of drop) {
    if (perSample && a === 0) ctx.fail(`squeezing axis 0 removes the batch axis`, 'batch-axis');
    if (dims[a] !== 1) ctx.fail(`axis ${a} has size ${dims[a]}; Squeeze removes only axes of size 1`);
  }
  return dims.filter((_, i) => !drop.includes(i));
}

function unsqueezedDims(ctx: NodeContext, dims: number[], axes: number[] | undefined, perSample: boolean): number[] {
  if (!axes || axes.length === 0) ctx.fail(`'axes' is required`);
  const rank = dims.length + axes.length;
  const add = normaliseAxes(ctx, axes, rank);
  if (perSample && add.includes(0)) ctx.fail(`inserting an axis at 0 moves the batch axis`, 'batch-axis');
  const out: number[] = [];
  let from = 0;
  for (let i = 0; i < rank; i++) out.push(add.includes(i) ? 1 : dims[from++]);
  return out;
}

const squeeze: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'data');
    const axes = axesOf(ctx, 13);
    if (!axes && ctx.b.batch.fixed === 1) ctx.fail(`Squeeze without axes would remove the batch axis of size 1 too`, 'batch-axis');
    ctx.out(reshapeTo(ctx, x, squeezedDims(ctx, [0, ...x.shape], axes, true).slice(1)));
  },
  fold(ctx) {
    const t = ctx.constant(0, 'data');
    ctx.out({ kind: 'const', t: withDims(t, squeezedDims(ctx, t.dims, axesOf(ctx, 13), false)) });
  },
};

const unsqueeze: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'data');
    ctx.out(reshapeTo(ctx, x, unsqueezedDims(ctx, [0, ...x.shape], axesOf(ctx, 13), true).slice(1)));
  },
  fold(ctx) {
    const t = ctx.constant(0, 'data');
    ctx.out({ kind: 'const', t: withDims(t, unsqueezedDims(ctx, t.dims, axesOf(ctx, 13), false)) });
  },
};

// ---- Transpose

function permutation(ctx: NodeContext, rank: number): number[] {
  const perm = ctx.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) ctx.fail(`'perm' [${perm}] is not a permutation of the ${rank} axes`);
  return perm;
}

const transpose: OpSpec = {
  map(ctx) {
    const x = ctx.raw(0, 'data');
    const perm = permutation(ctx, x.shape.length + 1);
    if (perm[0] !== 0) ctx.fail(`'perm' [${perm}] moves the batch axis`, 'batch-axis');
    const q = perm.slice(1).map((p) => p - 1);
    const composed = x.perm ? q.map((i) => x.perm![i]) : q;
    const identity = composed.every((p, i) => p === i);
    ctx.out(identity ? { kind: 'computed', name: x.name, shape: x.shape } : { ...x, perm: composed });
  },
  fold(ctx) {
    const t = ctx.constant(0, 'data');
    ctx.out({ kind: 'const', t: transposeConst(t, permutation(ctx, t.dims.length)) });
  },
};

// ---- Concat

const concat: OpSpec = {
  map(ctx) {
    const inputs = Array.from({ length: ctx.inputCount }, (_, i) => {
      if (ctx.input(i).kind === 'const') ctx.fail(`input ${i} is a constant and others are computed; lopper concatenates computed values only`);
      return ctx.raw(i);
    });
    if (inputs.length === 1) {
      ctx.out(inputs[0]);
      return;
    }
    const rank = onnxShape(inputs[0]).length + 1;
    if (!ctx.hasAttr('axis')) ctx.fail(`the required attribute 'axis' is missing`);
    const a = sampleAxis(ctx, ctx.int('axis', 1), rank);
    const perm = inputs[0].perm;
    const samePerm = inputs.every((x) => String(x.perm) === String(perm));
    if (samePerm) {
      const y = ctx.emit(new Concat({ axis: perm ? perm[a] : a }), inputs.map((x) => ({ ...x, perm: undefined })));
      ctx.out(perm ? { ...y, perm } : y);
      return;
    }
    ctx.out(ctx.emit(new Concat({ axis: a }), inputs.map((_, i) => ctx.computed(i))));
  },
  fold(ctx) {
    const ts = Array.from({ length: ctx.inputCount }, (_, i) => ctx.constant(i));
    const rank = ts[0].dims.length;
    const axis = ctx.int('axis', 0);
    const a = axis < 0 ? axis + rank : axis;
    if (!(a >= 0 && a < rank)) ctx.fail(`'axis' ${axis} is outside a tensor of rank ${rank}`);
    ts.forEach((t, i) => {
      if (t.dims.length !== rank || t.dims.some((d, j) => j !== a && d !== ts[0].dims[j])) ctx.fail(`input ${i} has dims [${t.dims}], input 0 [${ts[0].dims}]; only axis ${a} may differ`);
    });
    ctx.out({ kind: 'const', t: concatConst(ts, a) });
  },
};

// ---- Pad

const pad: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'data');
    const rank = x.shape.length + 1;
    const mode = ctx.string('mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') ctx.fail(`mode '${mode}': lopper maps constant, reflect and edge padding`);
    let pads: number[];
    let value = 0;
    if (ctx.opset < 11) {
      pads = ctx.ints('pads') ?? ctx.fail(`the required attribute 'pads' is missing`);
      value = ctx.float('value', 0);
    } else {
      pads = ctx.intsOf(ctx.constant(1, 'pads'), 'pads');
      if (ctx.has(2)) {
        const v = ctx.constant(2, 'constant_value');
        if (v.data.length !== 1) ctx.fail(`'constant_value' must be a scalar, got dims [${v.dims}]`);
        value = v.data[0];
      }
      const axes = ctx.opset >= 18 && ctx.has(3) ? normaliseAxes(ctx, ctx.intsOf(ctx.constant(3, 'axes'), 'axes'), rank) : undefined;
      if (axes) {
        if (pads.length !== 2 * axes.length) ctx.fail(`'pads' has ${pads.length} values for ${axes.length} axes`);
        const full = new Array<number>(2 * rank).fill(0);
        axes.forEach((a, i) => { full[a] = pads[i]; full[rank + a] = pads[axes.length + i]; });
        pads = full;
      }
    }
    if (pads.length !== 2 * rank) ctx.fail(`'pads' has ${pads.length} values; a tensor of rank ${rank} needs ${2 * rank}`);
    if (pads[0] !== 0 || pads[rank] !== 0) ctx.fail(`'pads' [${pads}] pad the batch axis`, 'batch-axis');
    if (Number.isNaN(value)) ctx.fail(`the pad value is NaN`);
    if (pads.some((p) => Math.abs(p) > 65536)) ctx.fail(`'pads' [${pads}] are beyond lopper's limit of 65536`);
    if (pads.every((p) => p === 0)) {
      ctx.out(x);
      return;
    }
    ctx.out(ctx.emit(new Pad({ pads: [...pads.slice(1, rank), ...pads.slice(rank + 1)], value, mode: mode as PadMode }), [x]));
  },
};

// ---- Constant-only ops: Constant, Shape, Gather, Cast

const constant: OpSpec = {
  map(ctx) { constant.fold!(ctx); },
  fold(ctx) {
    const names = ctx.attrNames();
    if (names.length !== 1) ctx.fail(`needs exactly one value attribute, got ${names.length ? names.join(', ') : 'none'}`);
    const [name] = names;
    let t: Const | undefined;
    if (name === 'value') t = ctx.tensor('value');
    else if (name === 'value_float') t = { dims: [], data: Float32Array.of(ctx.float(name, 0)), float: true };
    else if (name === 'value_floats') { const v = ctx.floats(name) ?? []; t = { dims: [v.length], data: Float32Array.from(v), float: true }; }
    else if (name === 'value_int') t = intConst([ctx.int(name, 0)], []);
    else if (name === 'value_ints') t = intConst(ctx.ints(name) ?? []);
    else ctx.fail(`attribute '${name}': lopper reads numeric constants (value, value_float(s), value_int(s))`);
    ctx.out({ kind: 'const', t: t! });
  },
};

function sliceDims(ctx: NodeContext, dims: number[]): number[] {
  const n = dims.length;
  const clamp = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  return dims.slice(clamp(ctx.int('start', 0)), ctx.hasAttr('end') ? clamp(ctx.int('end', n)) : n);
}

const shape: OpSpec = {
  map(ctx) {
    ctx.out({ kind: 'const', t: intConst(sliceDims(ctx, [BATCH, ...onnxShape(ctx.raw(0))])) });
  },
  fold(ctx) {
    ctx.out({ kind: 'const', t: intConst(sliceDims(ctx, ctx.constant(0).dims)) });
  },
};

const gather: OpSpec = {
  map(ctx) {
    ctx.fail(`gathers from a computed value; lopper folds Gather on constants (shape arithmetic) only`);
  },
  fold(ctx) {
    const data = ctx.constant(0, 'data');
    const indices = ctx.constant(1, 'indices');
    const rank = data.dims.length;
    const axis = ctx.int('axis', 0);
    const a = axis < 0 ? axis + rank : axis;
    if (!(a >= 0 && a < rank)) ctx.fail(`'axis' ${axis} is outside a tensor of rank ${rank}`);
    const n = data.dims[a];
    const idx = ctx.intsOf(indices, 'indices').map((i) => (i < 0 ? i + n : i));
    const bad = idx.findIndex((i) => !(i >= 0 && i < n));
    if (bad >= 0) ctx.fail(`index ${indices.data[bad]} is outside axis ${a} of size ${n}`);
    checkedCount([...data.dims.slice(0, a), ...indices.dims, ...data.dims.slice(a + 1)], `${ctx.where}: the result`);
    ctx.out({ kind: 'const', t: gatherConst(data, { ...indices, data: Float64Array.from(idx) }, a) });
  },
};

const FLOAT_TYPES: number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16];
const NARROW: Partial<Record<number, NarrowFloat>> = { [DataType.FLOAT16]: 'float16', [DataType.BFLOAT16]: 'bfloat16' };

const cast: OpSpec = {
  map(ctx) {
    const to = ctx.int('to', 0);
    if (!FLOAT_TYPES.includes(to)) ctx.fail(`casts a computed value to type ${to}; lopper computes in float32 only`);
    // float16 and bfloat16 keep fewer bits: the values round as the type does (lopper goes on in float32).
    const narrow = NARROW[to];
    if (!narrow) ctx.out(ctx.raw(0));
    else unary(() => new RoundFloat({ to: narrow })).map(ctx);
  },
  fold(ctx) {
    const t = ctx.constant(0);
    const to = ctx.int('to', 0);
    const narrow = NARROW[to];
    const round = narrow === 'float16' ? roundHalf : narrow === 'bfloat16' ? roundBfloat : Math.fround;
    if (FLOAT_TYPES.includes(to)) ctx.out({ kind: 'const', t: { dims: t.dims, data: Float32Array.from(t.data, round), float: true } });
    else if (to === DataType.BOOL) ctx.out({ kind: 'const', t: { dims: t.dims, data: Float64Array.from(t.data, (v) => (v ? 1 : 0)), float: false } });
    else if (to !== DataType.STRING && to > 0 && to <= 13) ctx.out({ kind: 'const', t: { dims: t.dims, data: Float64Array.from(t.data, (v) => (Number.isNaN(v) ? v : Math.trunc(v))), float: false } });
    else ctx.fail(`'to' = ${to}: lopper casts constants to numeric types only`);
  },
};

// ---- ConstantOfShape, Expand

const constantOfShape: OpSpec = {
  map(ctx) { ctx.fail(`its shape input is computed; lopper folds ConstantOfShape on constant shapes only`); },
  fold(ctx) {
    const dims = ctx.intsOf(ctx.constant(0, 'input'), 'input');
    if (dims.some((d) => d < 0)) ctx.fail(`shape [${dims}] has a negative dimension`);
    const value = ctx.tensor('value') ?? { dims: [1], data: Float32Array.of(0), float: true };
    if (value.data.length !== 1) ctx.fail(`'value' must hold one value, got dims [${value.dims}]`);
    const n = checkedCount(dims, `${ctx.where}: the result`);
    const data = value.float ? new Float32Array(n).fill(value.data[0]) : new Float64Array(n).fill(value.data[0]);
    ctx.out({ kind: 'const', t: { dims, data, float: value.float } });
  },
};

/** Expand's target shape as per-sample dims for an input of per-sample rank `rank`. */
function expandTarget(ctx: NodeContext, rank: number): number[] {
  const target = Array.from(ctx.constant(1, 'shape').data);
  if (target.length > rank + 1) ctx.fail(`shape [${target}] has more axes than [batch, ...] of rank ${rank + 1}; the batch axis would move`, 'batch-axis');
  if (target.length === rank + 1) {
    const b = target[0];
    if (!(Number.isNaN(b) || b === 1 || b === ctx.b.batch.fixed)) ctx.fail(`shape [${target}] sets the batch axis to ${b}`, 'batch-axis');
    target.shift();
  }
  if (target.some((d) => Number.isNaN(d))) ctx.fail(`shape uses the batch size on a per-sample axis`, 'dynamic-shape');
  return target;
}

const expand: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'input');
    const target = expandTarget(ctx, x.shape.length);
    const y = broadcastShapes(`${ctx.where}`, x.shape, target);
    if (y.every((d, i) => d === x.shape[i])) {
      ctx.out(x);
      return;
    }
    // NOTE: broadcasting is x + 0 over the target shape: BroadcastAdd's forward and backward do it.
    ctx.out(ctx.emit(new BroadcastAdd({ operand: y }), [x], { operand: new Float32Array(sizeOf(y)) }));
  },
  fold(ctx) {
    const t = ctx.constant(0, 'input');
    const shape = ctx.intsOf(ctx.constant(1, 'shape'), 'shape');
    const zeros = { dims: shape, data: new Float64Array(checkedCount(shape, `${ctx.where}: the shape`)), float: false };
    ctx.out({ kind: 'const', t: broadcastConst(t, zeros, (a) => a, ctx.where) });
  },
};

export const shapeOps: Record<string, OpSpec> = {
  Flatten: flatten, Reshape: reshape, Squeeze: squeeze, Unsqueeze: unsqueeze, Transpose: transpose, Concat: concat, Pad: pad,
  Constant: constant, Shape: shape, Gather: gather, Cast: cast, ConstantOfShape: constantOfShape, Expand: expand,
};
