// QuantizeLinear and DequantizeLinear (QDQ files): on constants they fold (int8 weights become
// the f32 values they stand for, per-axis scales included); on a computed value a
// QuantizeLinear → DequantizeLinear pair becomes one FakeQuant layer, which computes the same.

import { FakeQuant } from '../../../nn/layers/fakequant.js';
import type { NodeContext } from '../context.js';
import type { Const } from '../tensor.js';
import { roundHalfEven } from '../../../kernels/reference/int8.js';
import type { OpSpec } from './common.js';

interface Params {
  scale: Const;
  zeroPoint: Const | undefined;
  /** Per-axis: the axis of the data, and the channel count. */
  axis: number;
}

function params(ctx: NodeContext, rank: number): Params {
  const scale = ctx.constant(1, 'y_scale');
  const zeroPoint = ctx.has(2) ? ctx.constant(2, 'zero_point') : undefined;
  if (zeroPoint && zeroPoint.data.length !== scale.data.length) ctx.fail(`'zero_point' has ${zeroPoint.data.length} values, 'scale' ${scale.data.length}`);
  let axis = ctx.int('axis', 1);
  if (axis < 0) axis += rank;
  if (scale.data.length > 1 && (scale.dims.length !== 1 || axis < 0 || axis >= rank)) ctx.fail(`a per-axis scale [${scale.dims}] needs a valid 'axis' (got ${ctx.int('axis', 1)} for rank ${rank})`);
  for (const s of scale.data) if (!(s > 0)) ctx.fail(`'scale' must be > 0, got ${s}`);
  return { scale, zeroPoint, axis };
}

/** Index into scale / zero point of element i of a tensor of `dims`. */
function channelOf(p: Params, dims: readonly number[], i: number): number {
  if (p.scale.data.length === 1) return 0;
  let inner = 1;
  for (let d = p.axis + 1; d < dims.length; d++) inner *= dims[d];
  return Math.floor(i / inner) % dims[p.axis];
}

const quantize: OpSpec = {
  map(ctx) {
    const x = ctx.computed(0);
    const readers = ctx.readersOf(0);
    if (readers.length === 0 || readers.some((r) => r.opType !== 'DequantizeLinear')) {
      ctx.fail('lopper computes in f32: a QuantizeLinear on a computed value must feed only DequantizeLinear nodes (a QDQ pair)');
    }
    const p = params(ctx, x.shape.length + 1);
    if (p.scale.data.length !== 1) ctx.fail('per-axis quantisation of an activation; lopper maps per-tensor QuantizeLinear on computed values');
    const zp = p.zeroPoint?.data[0] ?? 0;
    if (p.zeroPoint && p.zeroPoint.float) ctx.fail("'zero_point' must be an integer tensor");
    if (zp < -128 || zp > 127) ctx.fail(`'zero_point' ${zp} is outside int8; lopper maps int8 QDQ only`);
    ctx.out(ctx.emit(new FakeQuant({ scale: p.scale.data[0], zeroPoint: zp }), [x]));
  },
  fold(ctx) {
    const x = ctx.constant(0);
    const p = params(ctx, x.dims.length);
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) {
      const c = channelOf(p, x.dims, i);
      const q = roundHalfEven(Math.fround(x.data[i] / Math.fround(p.scale.data[c]))) + (p.zeroPoint?.data[c] ?? 0);
      out[i] = Math.max(-128, Math.min(127, q));
    }
    ctx.out({ kind: 'const', t: { dims: [...x.dims], data: out, float: false } });
  },
};

const dequantize: OpSpec = {
  map(ctx) {
    // The DequantizeLinear of a QDQ pair: its QuantizeLinear already emitted the FakeQuant (and
    // refuses to feed anything else), so the value passes through.
    ctx.out(ctx.input(0));
  },
  fold(ctx) {
    const q = ctx.constant(0);
    if (q.float) ctx.fail("'x' must be an integer tensor");
    const p = params(ctx, q.dims.length);
    const out = new Float32Array(q.data.length);
    for (let i = 0; i < out.length; i++) {
      const c = channelOf(p, q.dims, i);
      out[i] = (q.data[i] - (p.zeroPoint?.data[c] ?? 0)) * Math.fround(p.scale.data[c]);
    }
    ctx.out({ kind: 'const', t: { dims: [...q.dims], data: out, float: true } });
  },
};

export const quantOps: Record<string, OpSpec> = { QuantizeLinear: quantize, DequantizeLinear: dequantize };
