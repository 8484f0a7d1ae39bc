// BatchNormalization → BatchNorm (running statistics, PyTorch's momentum convention), LRN → Lrn,
// InstanceNormalization → InstanceNorm, LayerNormalization (opset 17) → LayerNorm.

import { BatchNorm } from '../../../nn/layers/batchnorm.js';
import { InstanceNorm, LayerNorm } from '../../../nn/layers/normalization.js';
import type { NodeContext } from '../context.js';
import { Lrn } from '../../../nn/layers/lrn.js';
import type { OpSpec } from './common.js';

const batchNormalization: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    if (x.shape.length < 1 || x.shape.length > 3) ctx.fail(`X has per-sample shape [${x.shape}]; lopper maps [batch, C], [batch, C, L] and [batch, C, H, W]`);
    const C = x.shape[0];
    const [gamma, beta, runningMean, runningVar] = ['scale', 'B', 'mean', 'var'].map((what, i) => {
      const t = ctx.constant(i + 1, what);
      if (t.data.length !== C) ctx.fail(`'${what}' has dims [${t.dims}]; X has ${C} channels`);
      return t.data;
    });
    const eps = ctx.float('epsilon', 1e-5);
    if (!(eps >= 0) || !Number.isFinite(eps)) ctx.fail(`'epsilon' must be a finite number ≥ 0, got ${eps}`);
    const bad = runningVar.findIndex((v) => !(v + eps > 0));
    if (bad >= 0) ctx.fail(`'var' holds ${runningVar[bad]} at channel ${bad}; variance + epsilon must be > 0`);
    // NOTE: ONNX's momentum weighs the running value (run = m·run + (1 − m)·batch); lopper's the batch.
    const m = ctx.float('momentum', 0.9);
    const momentum = m >= 0 && m <= 1 ? 1 - m : 0.1;
    ctx.out(ctx.emit(new BatchNorm({ eps, momentum }), [x], { gamma, beta, runningMean, runningVar }));
  },
};

const lrn: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    if (x.shape.length < 1 || x.shape.length > 3) ctx.fail(`X has per-sample shape [${x.shape}]; lopper maps LRN on [batch, C, ...] of rank 2 to 4`);
    if (!ctx.hasAttr('size')) ctx.fail(`the required attribute 'size' is missing`);
    const layer = new Lrn({ size: ctx.int('size', 5), alpha: ctx.float('alpha', 1e-4), beta: ctx.float('beta', 0.75), bias: ctx.float('bias', 1) });
    ctx.out(ctx.emit(layer, [x]));
  },
};

function epsilon(ctx: NodeContext): number {
  const eps = ctx.float('epsilon', 1e-5);
  if (!(eps >= 0) || !Number.isFinite(eps)) ctx.fail(`'epsilon' must be a finite number ≥ 0, got ${eps}`);
  return eps;
}

const instanceNormalization: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'input');
    if (x.shape.length < 2) ctx.fail(`input has per-sample shape [${x.shape}]; instance normalisation needs spatial axes ([batch, C, ...])`);
    const C = x.shape[0];
    const [scale, bias] = ['scale', 'B'].map((what, i) => {
      const t = ctx.constant(i + 1, what);
      if (t.data.length !== C) ctx.fail(`'${what}' has dims [${t.dims}]; input has ${C} channels`);
      return t.data;
    });
    ctx.out(ctx.emit(new InstanceNorm({ eps: epsilon(ctx) }), [x], { scale, bias }));
  },
};

const layerNormalization: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'X');
    const rank = x.shape.length + 1;
    const axis0 = ctx.int('axis', -1);
    const a = axis0 < 0 ? axis0 + rank : axis0;
    if (!(a >= 0 && a < rank)) ctx.fail(`'axis' ${axis0} is outside a tensor of rank ${rank}`);
    if (a === 0) ctx.fail(`'axis' ${axis0} normalises over the batch axis`, 'batch-axis');
    const normalised = x.shape.slice(a - 1);
    const n = normalised.reduce((p, q) => p * q, 1);
    const read = (i: number, what: string) => {
      const t = ctx.constant(i, what);
      if (t.data.length !== n) ctx.fail(`'${what}' has dims [${t.dims}]; lopper maps one value per normalised element ([${normalised}])`);
      return t.data;
    };
    const scale = read(1, 'Scale');
    const bias = ctx.has(2) ? read(2, 'B') : undefined;
    const layer = new LayerNorm({ axis: a - 1, eps: epsilon(ctx), bias: !!bias });
    ctx.out(ctx.emit(layer, [x], bias ? { scale, bias } : { scale }));
  },
};

export const normOps: Record<string, OpSpec> = {
  BatchNormalization: batchNormalization, LRN: lrn, InstanceNormalization: instanceNormalization, LayerNormalization: layerNormalization,
};
