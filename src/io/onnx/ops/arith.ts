// Add, Sub, Mul, Div and Sum: between computed values (Add for same-shape sums, else the
// broadcasting layers) or with a constant operand (a non-trainable parameter). Add of a constant
// to a bias-free Dense (ONNX MatMul + Add) folds into the Dense's bias; x · HardSigmoid(x; 1/6, 1/2)
// becomes HardSwish. Constants fold.

import { Add } from '../../../nn/layers/add.js';
import { BroadcastAdd } from '../../../nn/layers/broadcastadd.js';
import { Dense } from '../../../nn/layers/dense.js';
import { HardSigmoid } from '../../../nn/layers/hardsigmoid.js';
import { HardSwish } from '../../../nn/layers/hardswish.js';
import { Div } from '../../../nn/layers/div.js';
import { Mul } from '../../../nn/layers/mul.js';
import { Sub } from '../../../nn/layers/sub.js';
import type { BinaryKind, BinaryOptions } from '../../../nn/layers/binary.js';
import type { Layer } from '../../../nn/layer.js';
import { onnxShape, type Computed, type NodeContext } from '../context.js';
import { broadcastConst } from '../fold.js';
import type { Const } from '../tensor.js';
import { sizeOf, type OpSpec } from './common.js';

const LAYERS: Record<BinaryKind, new (o: BinaryOptions) => Layer> = { add: BroadcastAdd, sub: Sub, mul: Mul, div: Div };
const F: Record<BinaryKind, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
};

/**
 * The Dense node behind `x` if its bias is free to take `c`: bias-free, read by nothing but this
 * node, and `c` one value per unit.
 */
function biasFreeDense(ctx: NodeContext, x: Computed, input: number, c: Const): Dense | undefined {
  const node = ctx.b.byName.get(x.name);
  if (!node || !(node.layer instanceof Dense) || node.layer.bias || x.perm) return undefined;
  if (c.data.length !== node.layer.units || c.dims[c.dims.length - 1] !== node.layer.units) return undefined;
  if (ctx.b.uses.get(ctx.node.input![input]) !== 1) return undefined;
  if (ctx.b.holders.get(x.name) !== 1) return undefined;
  return node.layer;
}

/**
 * x · HardSigmoid(x; 1/6, 1/2) is HardSwish (how opset < 14 and some converters write it): the
 * HardSigmoid node, read by nothing else, becomes a HardSwish.
 */
function hardSwish(ctx: NodeContext, x: Computed, gate: Computed, input: number): boolean {
  const node = ctx.b.byName.get(gate.name);
  if (!node || !(node.layer instanceof HardSigmoid) || node.inputs[0] !== x.name || x.perm || gate.perm) return false;
  if (Math.abs(node.layer.alpha - 1 / 6) > 1e-6 || Math.abs(node.layer.beta - 0.5) > 1e-6) return false;
  if (ctx.b.uses.get(ctx.node.input![input]) !== 1 || ctx.b.holders.get(gate.name) !== 1) return false;
  node.layer = new HardSwish();
  return true;
}

function arith(kind: BinaryKind): OpSpec {
  return {
    map(ctx) {
      if (ctx.inputCount !== 2) ctx.fail(`takes 2 inputs, got ${ctx.inputCount}`);
      const [a, b] = [ctx.input(0), ctx.input(1)];
      if (a.kind === 'computed' && b.kind === 'computed') {
        for (const [x, gate, i] of [[a, b, 1], [b, a, 0]] as const) {
          if (kind === 'mul' && hardSwish(ctx, x, gate, i)) {
            ctx.out(gate);
            return;
          }
        }
        const keep = String(a.perm) === String(b.perm) ? a.perm : undefined;
        const [x, y] = keep ? [{ ...a, perm: undefined }, { ...b, perm: undefined }] : [ctx.computed(0), ctx.computed(1)];
        if (x.shape.length !== y.shape.length) {
          ctx.fail(`broadcasting [batch, ${onnxShape(a)}] with [batch, ${onnxShape(b)}] lines the batch axis up with a per-sample axis`, 'batch-axis');
        }
        const same = x.shape.every((d, i) => d === y.shape[i]);
        const layer = kind === 'add' && same ? new Add() : new LAYERS[kind]({});
        const out = ctx.emit(layer, [x, y]);
        ctx.out(keep ? { ...out, perm: keep } : out);
        return;
      }
      const ci = a.kind === 'const' ? 0 : 1;
      const c = ctx.constant(ci);
      const raw = ctx.raw(1 - ci);
      const rank = onnxShape(raw).length + 1;
      let dims = c.dims;
      if (dims.length > rank) ctx.fail(`the constant (dims [${dims}]) has more axes than [batch, ${onnxShape(raw)}]; broadcasting would move the batch axis`, 'batch-axis');
      if (dims.length === rank) {
        if (dims[0] !== 1) ctx.fail(`the constant (dims [${dims}]) varies along the batch axis`, 'batch-axis');
        dims = dims.slice(1);
      }
      const values = c.float ? c.data : Float32Array.from(c.data);
      if (Array.from(values).some((v) => Number.isNaN(v))) ctx.fail(`the constant holds NaN (a batch-size-dependent shape value?)`);
      const operandFirst = ci === 0 && (kind === 'sub' || kind === 'div');
      if (sizeOf(dims) === 1) {
        // A scalar commutes with any pending transposition.
        const out = ctx.emit(new LAYERS[kind]({ operand: [1], operandFirst }), [{ ...raw, perm: undefined }], { operand: values });
        ctx.out(raw.perm ? { ...out, perm: raw.perm } : out);
        return;
      }
      const x = ctx.computed(1 - ci);
      if (kind === 'add') {
        const dense = biasFreeDense(ctx, x, 1 - ci, { ...c, dims });
        if (dense) {
          const node = ctx.b.byName.get(x.name)!;
          node.layer = new Dense({ units: dense.units, bias: true });
          ctx.b.weights.set(`${x.name}.bias`, Float32Array.from(values));
          ctx.out(x);
          return;
        }
      }
      ctx.out(ctx.emit(new LAYERS[kind]({ operand: dims, operandFirst }), [x], { operand: values }));
    },
    fold(ctx) {
      if (ctx.inputCount !== 2) ctx.fail(`takes 2 inputs, got ${ctx.inputCount}`);
      ctx.out({ kind: 'const', t: broadcastConst(ctx.constant(0), ctx.constant(1), F[kind], ctx.where) });
    },
  };
}

const sum: OpSpec = {
  map(ctx) {
    const xs = Array.from({ length: ctx.inputCount }, (_, i) => {
      if (ctx.input(i).kind === 'const') ctx.fail(`input ${i} is a constant; lopper maps Sum of computed values only`);
      return ctx.computed(i);
    });
    if (xs.length === 1) {
      ctx.out(xs[0]);
      return;
    }
    if (xs.length > 8) ctx.fail(`sums ${xs.length} inputs; lopper's Add takes at most 8`);
    if (xs.some((x) => String(x.shape) !== String(xs[0].shape))) ctx.fail(`inputs have shapes ${xs.map((x) => `[${x.shape}]`).join(', ')}; lopper sums equal shapes only`);
    ctx.out(ctx.emit(new Add(), xs));
  },
  fold(ctx) {
    let t = ctx.constant(0);
    for (let i = 1; i < ctx.inputCount; i++) t = broadcastConst(t, ctx.constant(i), F.add, ctx.where);
    ctx.out({ kind: 'const', t });
  },
};

export const arithOps: Record<string, OpSpec> = { Add: arith('add'), Sub: arith('sub'), Mul: arith('mul'), Div: arith('div'), Sum: sum };
