// Element-wise activations, Dropout and Identity, Softmax and LogSoftmax.

import { Clip } from '../../../nn/layers/clip.js';
import { Dropout } from '../../../nn/layers/dropout.js';
import { HardSigmoid } from '../../../nn/layers/hardsigmoid.js';
import { HardSwish } from '../../../nn/layers/hardswish.js';
import { LeakyRelu } from '../../../nn/layers/leakyrelu.js';
import { Relu } from '../../../nn/layers/relu.js';
import { Sigmoid } from '../../../nn/layers/sigmoid.js';
import { LogSoftmax } from '../../../nn/layers/logsoftmax.js';
import { Softmax } from '../../../nn/layers/softmax.js';
import { Tanh } from '../../../nn/layers/tanh.js';
import type { NodeContext } from '../context.js';
import { onnxShape } from '../context.js';
import { reshapeTo, sampleAxis, sizeOf, unary, type OpSpec } from './common.js';

/** float32's largest finite value: Clip's pre-opset-11 defaults, read as "unbounded". */
const F32_MAX = 3.4028234663852886e38;

function clipBound(ctx: NodeContext, i: number, attr: string, fallback: number): number {
  let v: number;
  if (ctx.opset < 11) v = ctx.float(attr, fallback);
  else if (!ctx.has(i)) return fallback;
  else {
    const t = ctx.constant(i, attr);
    if (t.data.length !== 1) ctx.fail(`'${attr}' must be a scalar, got dims [${t.dims}]`);
    v = t.data[0];
  }
  if (Number.isNaN(v)) ctx.fail(`'${attr}' is NaN`);
  return Math.abs(v) >= F32_MAX ? fallback : v;
}

/** The passthrough ops: the output is the input, constant or computed. */
const alias: OpSpec = {
  map(ctx) { ctx.out(ctx.input(0)); },
  fold(ctx) { ctx.out(ctx.input(0)); },
};

function dropoutRate(ctx: NodeContext): number {
  let rate = 0.5;
  if (ctx.opset < 12) rate = ctx.float('ratio', 0.5);
  else if (ctx.has(1)) {
    const t = ctx.constant(1, 'ratio');
    if (t.data.length !== 1) ctx.fail(`'ratio' must be a scalar, got dims [${t.dims}]`);
    rate = t.data[0];
  }
  if (!(rate >= 0 && rate < 1)) ctx.fail(`'ratio' must be in [0, 1), got ${rate}`);
  return rate;
}

/**
 * Softmax and LogSoftmax. From opset 13 along one axis (default −1); before, over all axes from
 * `axis` on (default 1), which lopper maps as a reshape around a softmax over the last axis.
 */
function normalise(make: (axis: number) => Softmax | LogSoftmax): OpSpec {
  return {
    map(ctx) {
      const x = ctx.raw(0);
      const shape = onnxShape(x);
      const rank = shape.length + 1;
      const a = sampleAxis(ctx, ctx.int('axis', ctx.opset < 13 ? 1 : -1), rank);
      if (ctx.opset >= 13 || a === shape.length - 1) {
        // One axis: pick it in lopper's layout and keep any pending transposition.
        const axis = x.perm ? x.perm[a] : a;
        const y = ctx.emit(make(axis), [{ ...x, perm: undefined }]);
        ctx.out(x.perm ? { ...y, perm: x.perm } : y);
        return;
      }
      const flat = reshapeTo(ctx, ctx.computed(0), [...shape.slice(0, a), sizeOf(shape.slice(a))], 'flatten');
      const y = ctx.emit(make(-1), [flat]);
      ctx.out(reshapeTo(ctx, y, shape, 'unflatten'));
    },
  };
}

export const activationOps: Record<string, OpSpec> = {
  Relu: unary(() => new Relu()),
  LeakyRelu: unary((ctx) => new LeakyRelu({ slope: ctx.float('alpha', 0.01) })),
  Sigmoid: unary(() => new Sigmoid()),
  Tanh: unary(() => new Tanh()),
  HardSigmoid: unary((ctx) => new HardSigmoid({ alpha: ctx.float('alpha', 0.2), beta: ctx.float('beta', 0.5) })),
  HardSwish: unary(() => new HardSwish()),
  Clip: unary((ctx) => {
    const min = clipBound(ctx, 1, 'min', -Infinity);
    const max = clipBound(ctx, 2, 'max', Infinity);
    if (min > max) ctx.fail(`'min' (${min}) exceeds 'max' (${max})`);
    return new Clip({ ...(min > -Infinity ? { min } : {}), ...(max < Infinity ? { max } : {}) });
  }),
  Identity: alias,
  Dropout: {
    map(ctx) {
      const x = ctx.raw(0);
      const rate = dropoutRate(ctx);
      if (rate === 0) {
        ctx.out(x);
        return;
      }
      const y = ctx.emit(new Dropout({ rate }), [{ ...x, perm: undefined }]);
      ctx.out(x.perm ? { ...y, perm: x.perm } : y);
    },
    fold(ctx) { ctx.out(ctx.input(0)); },
  },
  Softmax: normalise((axis) => new Softmax({ axis })),
  LogSoftmax: normalise((axis) => new LogSoftmax({ axis })),
};
