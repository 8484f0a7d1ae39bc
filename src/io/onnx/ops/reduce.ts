// ReduceMean, ReduceSum, ReduceMax, ReduceMin and ReduceL2 over per-sample axes (axes an attribute
// before opset 18 — 13 for ReduceSum — an input since). A Reshape that splits the channels into
// groups of k, read only by a ReduceMax over that k axis, is Maxout: it imports as one, so it
// prunes as maxout units.

import { ReduceL2, ReduceMax, ReduceMean, ReduceMin, ReduceSum, type ReduceOptions } from '../../../nn/layers/reduce.js';
import { Maxout } from '../../../nn/layers/maxout.js';
import { Reshape } from '../../../nn/layers/reshape.js';
import type { Layer } from '../../../nn/layer.js';
import type { Computed, NodeContext } from '../context.js';
import { reshapeTo, type OpSpec } from './common.js';

/**
 * ReduceMax over axis 1 of `x` = Reshape([C·k, ...S] → [C, k, ...S]) is Maxout(k): the Reshape,
 * read by nothing else, becomes the Maxout. Returns its output (the reduced axis kept if asked).
 */
function maxout(ctx: NodeContext, x: Computed, axes: number[], keepdims: boolean): Computed | undefined {
  const node = ctx.b.byName.get(x.name);
  if (!node || !(node.layer instanceof Reshape) || x.perm || axes.length !== 1 || axes[0] !== 1 || x.shape.length < 2) return undefined;
  if (ctx.b.uses.get(ctx.node.input![0]) !== 1 || ctx.b.holders.get(x.name) !== 1) return undefined;
  const before = ctx.b.shapes.get(node.inputs[0]);
  const [C, k, ...S] = x.shape;
  if (!before || before.length !== S.length + 1 || before[0] !== C * k || S.some((d, i) => d !== before[i + 1]) || S.length > 2) return undefined;
  node.layer = new Maxout({ k });
  const y: Computed = { kind: 'computed', name: x.name, shape: [C, ...S] };
  ctx.b.shapes.set(x.name, y.shape);
  return keepdims ? reshapeTo(ctx, y, [C, 1, ...S]) : y;
}

function reduce(make: new (o: ReduceOptions) => Layer, axesInputFrom = 18): OpSpec {
  return {
    map(ctx) {
      const x = ctx.computed(0, 'data');
      const rank = x.shape.length + 1;
      let axes: number[] | undefined;
      if (ctx.opset < axesInputFrom) axes = ctx.ints('axes');
      else if (ctx.has(1)) axes = ctx.intsOf(ctx.constant(1, 'axes'), 'axes');
      if (!axes || axes.length === 0) {
        if (ctx.opset >= axesInputFrom && ctx.int('noop_with_empty_axes', 0) !== 0) {
          ctx.out(x);
          return;
        }
        ctx.fail(`reduces every axis, the batch axis included`, 'batch-axis');
      }
      const normal = axes!.map((a) => (a < 0 ? a + rank : a));
      normal.forEach((a, i) => { if (!(a >= 0 && a < rank)) ctx.fail(`axis ${axes![i]} is outside a tensor of rank ${rank}`); });
      if (normal.includes(0)) ctx.fail(`axes [${axes}] include the batch axis`, 'batch-axis');
      const keepdims = ctx.int('keepdims', 1) !== 0;
      const perSample = normal.map((a) => a - 1);
      const fused = make === ReduceMax ? maxout(ctx, x, perSample, keepdims) : undefined;
      ctx.out(fused ?? ctx.emit(new make({ axes: perSample, keepdims }), [x]));
    },
  };
}

export const reduceOps: Record<string, OpSpec> = {
  ReduceMean: reduce(ReduceMean), ReduceSum: reduce(ReduceSum, 13), ReduceMax: reduce(ReduceMax), ReduceMin: reduce(ReduceMin), ReduceL2: reduce(ReduceL2),
};
