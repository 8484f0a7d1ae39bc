// Resize and Upsample → Resize (nearest or linear over the spatial axes; the batch and channel
// axes keep their size). Before opset 11 both use asymmetric coordinates and onnxruntime's
// "simple" nearest rounding (truncate when enlarging, ceil when shrinking); from 11 the
// attributes say. Cubic, crop-and-resize and antialiasing are refused.

import { Resize, type CoordinateMode, type NearestMode } from '../../../nn/layers/resize.js';
import type { NodeContext } from '../context.js';
import type { OpSpec } from './common.js';

function resizeMap(ctx: NodeContext, scales: number[] | undefined, sizes: number[] | undefined, axes?: number[]): void {
  const x = ctx.computed(0, 'X');
  const rank = x.shape.length + 1;
  if (rank !== 3 && rank !== 4) ctx.fail(`X has per-sample shape [${x.shape}]; lopper resizes [batch, C, L] and [batch, C, H, W]`);
  const full = [NaN, ...x.shape];
  // opset 18's 'axes' names the axes the values are for; the others keep their size (scale 1).
  const expand = (v: number[], isScale: boolean) => {
    if (!axes) return v;
    const out = isScale ? new Array<number>(rank).fill(1) : [...full];
    axes.forEach((a, i) => { out[a < 0 ? a + rank : a] = v[i]; });
    return out;
  };
  let outSizes: number[];
  let usedScales: number[] | undefined;
  if (sizes) {
    const s = expand(sizes, false);
    if (s.length !== rank) ctx.fail(`'sizes' [${sizes}] has ${s.length} values for a tensor of rank ${rank}`);
    if (s[1] !== x.shape[0]) ctx.fail(`'sizes' [${sizes}] resizes the channel axis`);
    outSizes = s.slice(2);
  } else if (scales) {
    const s = expand(scales, true);
    if (s.length !== rank) ctx.fail(`'scales' [${scales}] has ${s.length} values for a tensor of rank ${rank}`);
    if (s[0] !== 1) ctx.fail(`'scales' [${scales}] resizes the batch axis`, 'batch-axis');
    if (s[1] !== 1) ctx.fail(`'scales' [${scales}] resizes the channel axis`);
    if (s.some((v) => !(v > 0) || !Number.isFinite(v))) ctx.fail(`'scales' [${scales}] must be > 0`);
    usedScales = s.slice(2);
    outSizes = usedScales.map((v, i) => Math.floor(x.shape[1 + i] * v));
  } else ctx.fail(`needs 'scales' or 'sizes'`);
  if (outSizes!.some((d) => d < 1)) ctx.fail(`the output would have sizes [${outSizes!}]`);
  const mode = ctx.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') ctx.fail(`mode '${mode}': lopper resizes by nearest and linear interpolation`);
  let coordinate: CoordinateMode;
  let nearest: NearestMode;
  if (ctx.opset < 11 || ctx.op === 'Upsample') {
    coordinate = 'asymmetric';
    nearest = (usedScales ?? [2]).every((s) => s >= 1) ? 'floor' : 'ceil';
  } else {
    coordinate = ctx.string('coordinate_transformation_mode', 'half_pixel') as CoordinateMode;
    if (coordinate === ('tf_crop_and_resize' as CoordinateMode)) ctx.fail(`coordinate_transformation_mode 'tf_crop_and_resize' is not mapped`);
    nearest = ctx.string('nearest_mode', 'round_prefer_floor') as NearestMode;
    if (ctx.int('antialias', 0) !== 0 && (usedScales ?? outSizes!.map((d, i) => d / x.shape[1 + i])).some((s) => s < 1)) ctx.fail(`antialiased downsampling is not mapped`);
    const policy = ctx.string('keep_aspect_ratio_policy', 'stretch');
    if (sizes && policy !== 'stretch') ctx.fail(`keep_aspect_ratio_policy '${policy}' is not mapped`);
  }
  let layer: Resize;
  try {
    layer = new Resize({ sizes: outSizes!, ...(usedScales ? { scales: usedScales } : {}), mode: mode === 'nearest' ? 'nearest' : 'linear', coordinate, nearest });
  } catch (e) {
    ctx.fail((e as Error).message);
  }
  const same = outSizes!.every((d, i) => d === x.shape[1 + i]) && (!usedScales || usedScales.every((s) => s === 1));
  ctx.out(same ? x : ctx.emit(layer!, [x]));
}

/** A constant float list input, or undefined when absent or empty (how exporters leave it out). */
function optionalList(ctx: NodeContext, i: number, what: string): number[] | undefined {
  if (!ctx.has(i)) return undefined;
  const t = ctx.constant(i, what);
  return t.data.length ? Array.from(t.data) : undefined;
}

const resize: OpSpec = {
  map(ctx) {
    if (ctx.opset < 11) {
      resizeMap(ctx, optionalList(ctx, 1, 'scales'), undefined);
      return;
    }
    const axes = ctx.opset >= 18 ? ctx.ints('axes') : undefined;
    const sizes = optionalList(ctx, 3, 'sizes');
    resizeMap(ctx, sizes ? undefined : optionalList(ctx, 2, 'scales'), sizes && ctx.intsOf({ dims: [sizes.length], data: Float64Array.from(sizes), float: false }, 'sizes'), axes);
  },
};

const upsample: OpSpec = {
  map(ctx) {
    resizeMap(ctx, ctx.opset < 9 ? ctx.floats('scales') : optionalList(ctx, 1, 'scales'), undefined);
  },
};

export const resizeOps: Record<string, OpSpec> = { Resize: resize, Upsample: upsample };
