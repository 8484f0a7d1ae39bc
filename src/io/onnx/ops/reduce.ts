// ReduceMean over per-sample axes → ReduceMean (axes an attribute before opset 18, an input since).

import { ReduceMean } from '../../../nn/layers/reducemean.js';
import type { OpSpec } from './common.js';

const reduceMean: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0, 'data');
    const rank = x.shape.length + 1;
    let axes: number[] | undefined;
    if (ctx.opset < 18) axes = ctx.ints('axes');
    else if (ctx.has(1)) axes = ctx.intsOf(ctx.constant(1, 'axes'), 'axes');
    if (!axes || axes.length === 0) {
      if (ctx.opset >= 18 && ctx.int('noop_with_empty_axes', 0) !== 0) {
        ctx.out(x);
        return;
      }
      ctx.fail(`reduces every axis, the batch axis included`, 'batch-axis');
    }
    const normal = axes!.map((a) => (a < 0 ? a + rank : a));
    normal.forEach((a, i) => { if (!(a >= 0 && a < rank)) ctx.fail(`axis ${axes![i]} is outside a tensor of rank ${rank}`); });
    if (normal.includes(0)) ctx.fail(`axes [${axes}] include the batch axis`, 'batch-axis');
    ctx.out(ctx.emit(new ReduceMean({ axes: normal.map((a) => a - 1), keepdims: ctx.int('keepdims', 1) !== 0 }), [x]));
  },
};

export const reduceOps: Record<string, OpSpec> = { ReduceMean: reduceMean };
