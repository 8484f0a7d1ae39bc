// Element-wise math and smooth activations (Exp, Log, Sqrt, Neg, Abs, Reciprocal, Erf, Pow with a
// constant exponent, Elu, Selu, Softplus, Gelu), PRelu with per-channel or shared slopes, and the
// variadic Max, Min and Mean (a constant scalar in Max or Min becomes a Clip bound). Each folds on
// constants.

import { Clip } from '../../../nn/layers/clip.js';
import { Abs, Erf, Exp, Log, Neg, Pow, Reciprocal, Sqrt, erf } from '../../../nn/layers/math.js';
import { Elu, Gelu, Selu, Softplus, gelu } from '../../../nn/layers/smooth-activations.js';
import { PRelu } from '../../../nn/layers/prelu.js';
import { Max, Mean, Min } from '../../../nn/layers/variadic.js';
import type { Layer } from '../../../nn/layer.js';
import { onnxShape, type Computed, type NodeContext } from '../context.js';
import { broadcastConst } from '../fold.js';
import { unary, type OpSpec } from './common.js';

/** An element-wise op that also folds: `layer` for computed inputs, `f` on constants. */
function pointwise(make: (ctx: NodeContext) => Layer, f: (ctx: NodeContext) => (x: number) => number): OpSpec {
  return {
    map: unary(make).map,
    fold(ctx) {
      const t = ctx.constant(0);
      const g = f(ctx);
      ctx.out({ kind: 'const', t: { dims: t.dims, data: Float32Array.from(t.data, g), float: true } });
    },
  };
}

const SELU = { alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 };

function geluKind(ctx: NodeContext): 'none' | 'tanh' {
  const a = ctx.string('approximate', 'none');
  if (a !== 'none' && a !== 'tanh') ctx.fail(`'approximate' is '${a}'; ONNX knows 'none' and 'tanh'`);
  return a as 'none' | 'tanh';
}

function exponent(ctx: NodeContext): number {
  const t = ctx.constant(1, 'Y');
  if (t.data.length !== 1) ctx.fail(`the exponent Y has dims [${t.dims}]; lopper maps Pow with a constant scalar exponent`);
  return t.data[0];
}

const pow: OpSpec = {
  map(ctx) {
    if (ctx.input(0).kind === 'const') ctx.fail(`the base is a constant and the exponent computed; lopper maps x^c with a constant c only`);
    const p = exponent(ctx);
    if (!Number.isFinite(p)) ctx.fail(`the exponent is ${p}`);
    unary(() => (p === 1 ? null : new Pow({ exponent: p }))).map(ctx);
  },
  fold(ctx) {
    ctx.out({ kind: 'const', t: broadcastConst(ctx.constant(0), ctx.constant(1), (a, b) => a ** b, ctx.where) });
  },
};

const prelu: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    const slope = ctx.constant(1, 'slope');
    const rank = x.shape.length + 1;
    const dims = slope.dims;
    const C = x.shape[0];
    // Right-aligned to [batch, C, ...]: one value, or C values on the channel axis.
    const aligned = [...new Array<number>(Math.max(0, rank - dims.length)).fill(1), ...dims];
    const perChannel = aligned.length === rank && aligned.every((d, i) => (i === 1 ? d === C : d === 1));
    if (slope.data.length !== 1 && !perChannel) {
      ctx.fail(`the slope has dims [${dims}]; lopper maps one slope per channel (${C} on axis 1 of [batch, ${x.shape}]) or one shared slope`);
    }
    const shared = slope.data.length === 1;
    ctx.out(ctx.emit(new PRelu({ shared }), [x], { slope: shared ? [slope.data[0]] : slope.data }));
  },
  fold(ctx) {
    ctx.out({ kind: 'const', t: broadcastConst(ctx.constant(0), ctx.constant(1), (v, a) => (v > 0 ? v : a * v), ctx.where) });
  },
};

function variadic(kind: 'max' | 'min' | 'mean'): OpSpec {
  const f = kind === 'max' ? Math.max : kind === 'min' ? Math.min : (a: number, b: number) => a + b;
  return {
    map(ctx) {
      const xs: Computed[] = [];
      let bound: number | undefined;
      for (let i = 0; i < ctx.inputCount; i++) {
        const v = ctx.input(i);
        if (v.kind === 'computed') { xs.push(ctx.computed(i)); continue; }
        if (kind === 'mean') ctx.fail(`input ${i} is a constant; lopper maps Mean of computed values only`);
        if (v.t.data.length !== 1) ctx.fail(`input ${i} is a constant of dims [${v.t.dims}]; lopper maps a constant scalar in ${ctx.op} (as a Clip bound) only`);
        bound = bound === undefined ? v.t.data[0] : f(bound, v.t.data[0]);
      }
      const ranks = new Set(xs.map((x) => x.shape.length));
      if (ranks.size > 1) ctx.fail(`inputs [batch, ${xs.map((x) => onnxShape(x)).join('], [batch, ')}] differ in rank; broadcasting them would line the batch axis up with a per-sample axis`, 'batch-axis');
      let y = xs.length === 1 ? xs[0] : ctx.emit(kind === 'max' ? new Max() : kind === 'min' ? new Min() : new Mean(), xs);
      if (bound !== undefined) {
        if (Number.isNaN(bound)) ctx.fail(`a constant input is NaN`);
        y = ctx.emit(new Clip(kind === 'max' ? { min: bound } : { max: bound }), [y], {}, 'bound');
      }
      ctx.out(y);
    },
    fold(ctx) {
      let t = ctx.constant(0);
      for (let i = 1; i < ctx.inputCount; i++) t = broadcastConst(t, ctx.constant(i), f, ctx.where);
      if (kind === 'mean') t = { ...t, data: Float32Array.from(t.data, (v) => v / ctx.inputCount), float: true };
      ctx.out({ kind: 'const', t });
    },
  };
}

export const mathOps: Record<string, OpSpec> = {
  Exp: pointwise(() => new Exp(), () => Math.exp),
  Log: pointwise(() => new Log(), () => Math.log),
  Sqrt: pointwise(() => new Sqrt(), () => Math.sqrt),
  Neg: pointwise(() => new Neg(), () => (v) => -v),
  Abs: pointwise(() => new Abs(), () => Math.abs),
  Reciprocal: pointwise(() => new Reciprocal(), () => (v) => 1 / v),
  Erf: pointwise(() => new Erf(), () => erf),
  Pow: pow,
  Elu: pointwise((ctx) => new Elu({ alpha: ctx.float('alpha', 1) }), (ctx) => { const a = ctx.float('alpha', 1); return (v) => (v > 0 ? v : a * Math.expm1(v)); }),
  Selu: pointwise((ctx) => new Selu({ alpha: ctx.float('alpha', SELU.alpha), gamma: ctx.float('gamma', SELU.gamma) }),
    (ctx) => { const a = ctx.float('alpha', SELU.alpha); const g = ctx.float('gamma', SELU.gamma); return (v) => g * (v > 0 ? v : a * Math.expm1(v)); }),
  Softplus: pointwise(() => new Softplus(), () => (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))),
  Gelu: pointwise((ctx) => new Gelu({ approximate: geluKind(ctx) }), (ctx) => { const a = geluKind(ctx); return (v) => gelu(v, a); }),
  PRelu: prelu,
  Max: variadic('max'),
  Min: variadic('min'),
  Mean: variadic('mean'),
};
