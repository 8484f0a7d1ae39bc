// What the op mappers share: the op-spec shape, element-wise mapping that keeps a pending
// transposition, axis checks that refuse the batch axis, and reshapes that follow pruning.

import type { Layer } from '../../../nn/layer.js';
import { Flatten } from '../../../nn/layers/flatten.js';
import { Reshape } from '../../../nn/layers/reshape.js';
import type { Computed, NodeContext } from '../context.js';

export interface OpSpec {
  /** Maps a node with at least one computed input (or none, like Constant). */
  map(ctx: NodeContext): void;
  /** Evaluates a node whose inputs are all constants; absent: such a node is an error. */
  fold?(ctx: NodeContext): void;
}

/** An element-wise op: applied in lopper's layout, the input's pending transposition carried on. */
export function unary(make: (ctx: NodeContext) => Layer | null): OpSpec {
  return {
    map(ctx) {
      const x = ctx.raw(0);
      const layer = make(ctx);
      if (!layer) {
        ctx.out(x);
        return;
      }
      const y = ctx.emit(layer, [{ ...x, perm: undefined }]);
      ctx.out(x.perm ? { ...y, perm: x.perm } : y);
    },
  };
}

/**
 * An ONNX axis of a tensor of full rank `rank` (batch first) as a per-sample axis; negative
 * counts from the end; the batch axis is refused, naming `what`.
 */
export function sampleAxis(ctx: NodeContext, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) ctx.fail(`${what} ${axis} is outside a tensor of rank ${rank}`);
  if (a === 0) ctx.fail(`${what} ${axis} is the batch axis; lopper keeps axis 0 as the batch and maps only ops on the per-sample axes`, 'batch-axis');
  return a - 1;
}

/**
 * x (lopper layout, no pending transposition) as per-sample `shape`: the same value when the shape
 * does not change, a Flatten for rank 1, else a Reshape whose channel axis follows pruning where it
 * can (see reshape.ts).
 */
export function reshapeTo(ctx: NodeContext, x: Computed, shape: number[], role?: string): Computed {
  if (shape.length === 0) ctx.fail(`the result has no per-sample axes (a scalar per sample); lopper needs rank ≥ 1`);
  if (shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i])) return x;
  if (shape.length === 1) return ctx.emit(new Flatten(), [x], {}, role);
  const rest = (s: number[]) => s.slice(1).reduce((a, b) => a * b, 1);
  const target = shape[0] === x.shape[0] && rest(shape) === rest(x.shape) ? [-1, ...shape.slice(1)] : shape;
  return ctx.emit(new Reshape({ shape: target }), [x], {}, role);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
