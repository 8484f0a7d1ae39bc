// Gemm and MatMul with constant weights → Dense; Conv → Conv2d (with a Pad in front for
// asymmetric or auto_pad SAME padding); ConvTranspose → ConvTranspose2d. 1-d Conv and
// ConvTranspose run as 2-d with H = 1, reshaped around.

import { Conv2d } from '../../../nn/layers/conv2d.js';
import { Dense } from '../../../nn/layers/dense.js';
import { Pad } from '../../../nn/layers/pad.js';
import { ConvTranspose2d } from '../../../nn/layers/convtranspose2d.js';
import type { Computed, NodeContext } from '../context.js';
import type { Const } from '../tensor.js';
import { reshapeTo, type OpSpec } from './common.js';

/** Rank-1 samples only: Dense's input. */
function vectorInput(ctx: NodeContext): Computed {
  const raw = ctx.raw(0, 'A');
  const x = raw.order ? raw : ctx.computed(0, 'A');
  if (x.shape.length !== 1) {
    ctx.fail(`A has per-sample shape [${x.shape}]; lopper maps ${ctx.op} on [batch, features] inputs only (its Dense takes rank-1 samples)`);
  }
  return x;
}

/** Dense weights [N, K] from column values by ONNX feature, placed at lopper's feature order when A was reordered. */
function denseWeight(x: Computed, N: number, K: number, value: (n: number, k: number) => number): Float32Array {
  const weight = new Float32Array(N * K);
  const order = x.order;
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) weight[n * K + (order ? order[k] : k)] = value(n, k);
  return weight;
}

function weightMatrix(ctx: NodeContext, i: number): Const {
  const w = ctx.constant(i, 'B');
  if (w.dims.length !== 2) ctx.fail(`B has dims [${w.dims}]; lopper maps a 2-d constant B`);
  return w;
}

const gemm: OpSpec = {
  map(ctx) {
    if (ctx.int('transA', 0) !== 0) ctx.fail(`transA = 1 transposes the batch axis into the features`, 'batch-axis');
    const x = vectorInput(ctx);
    const b = weightMatrix(ctx, 1);
    const transB = ctx.int('transB', 0) !== 0;
    const alpha = ctx.float('alpha', 1);
    const beta = ctx.float('beta', 1);
    const [K, N] = transB ? [b.dims[1], b.dims[0]] : b.dims;
    if (K !== x.shape[0]) ctx.fail(`A has ${x.shape[0]} features per sample but B (dims [${b.dims}]${transB ? ', transposed' : ''}) takes ${K}`);
    const weight = denseWeight(x, N, K, (n, k) => alpha * b.data[transB ? n * K + k : k * N + n]);
    let bias: Float32Array | undefined;
    if (ctx.has(2)) {
      const c = ctx.constant(2, 'C');
      const rows = c.dims.length === 2 ? c.dims[0] : 1;
      const cols = c.dims.length === 0 ? 1 : c.dims[c.dims.length - 1];
      // A matrix C of one row per sample is a bias when its rows agree (a bias tiled over a fixed batch).
      const same = rows === 1 || Array.from({ length: rows }, (_, r) => r).every((r) => {
        for (let j = 0; j < cols; j++) if (c.data[r * cols + j] !== c.data[j]) return false;
        return true;
      });
      if (c.dims.length > 2 || (cols !== 1 && cols !== N) || !same) {
        ctx.fail(`C has dims [${c.dims}]${same ? '' : ' with rows that differ'}; lopper maps a bias the same for every sample: dims [], [${N}], [1, ${N}] or [batch, ${N}] with equal rows`);
      }
      bias = Float32Array.from({ length: N }, (_, n) => beta * c.data[cols === 1 ? 0 : n]);
    }
    ctx.out(ctx.emit(new Dense({ units: N, bias: !!bias }), [{ ...x, order: undefined }], bias ? { weight, bias } : { weight }));
  },
};

const matmul: OpSpec = {
  map(ctx) {
    if (ctx.input(0).kind === 'const') ctx.fail(`A is a constant and B computed; lopper maps x·W with a constant W only`);
    if (ctx.input(1).kind !== 'const') ctx.fail(`both operands are computed; lopper maps x·W with a constant W only`);
    const x = vectorInput(ctx);
    const b = weightMatrix(ctx, 1);
    const [K, N] = b.dims;
    if (K !== x.shape[0]) ctx.fail(`A has ${x.shape[0]} features per sample but B (dims [${b.dims}]) takes ${K}`);
    const weight = denseWeight(x, N, K, (n, k) => b.data[k * N + n]);
    ctx.out(ctx.emit(new Dense({ units: N, bias: false }), [{ ...x, order: undefined }], { weight }));
  },
};

/**
 * Pads [begin_h, begin_w, end_h, end_w] from `pads` or `auto_pad`, for a window of `kernel`
 * (dilated); all lists 2-d, a 1-d op (n = 1) lifted to H = 1 (its `pads` are [begin, end]).
 */
export function windowPads(ctx: NodeContext, input: number[], kernel: number[], stride: number[], dilation: number[], n = 2): number[] {
  const auto = ctx.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const pads = ctx.ints('pads', new Array<number>(2 * n).fill(0))!;
    if (pads.length !== 2 * n || pads.some((p) => !Number.isInteger(p) || p < 0)) ctx.fail(`'pads' must be ${2 * n} integers ≥ 0 for a ${n}-d window, got [${pads}]`);
    return n === 1 ? [0, pads[0], 0, pads[1]] : pads;
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') ctx.fail(`'auto_pad' is '${auto}'; ONNX knows NOTSET, SAME_UPPER, SAME_LOWER and VALID`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(input[i] / stride[i]);
    const total = Math.max(0, (out - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - input[i]);
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_UPPER' ? small : total - small);
    end.push(auto === 'SAME_UPPER' ? total - small : small);
  }
  return [...begin, ...end];
}

/** A window attribute (strides, dilations): n integers ≥ 1, lifted to 2-d (H = 1 first) for n = 1. */
export function pairAttr(ctx: NodeContext, name: string, n = 2): number[] {
  const v = ctx.ints(name, new Array<number>(n).fill(1))!;
  if (v.length !== n || v.some((d) => !Number.isInteger(d) || d < 1 || d > 65536)) ctx.fail(`'${name}' must be ${n} integers in [1, 65536], got [${v}]`);
  return n === 1 ? [1, v[0]] : v;
}

/**
 * Input 0 for a 2-d window op: [C, H, W] as it is, [C, L] (a 1-d op) as [C, 1, L]; `n` is the
 * number of spatial axes, and `back` turns the 2-d result into the op's own rank.
 */
export function windowInput(ctx: NodeContext, what: string): { x: Computed; n: number; back: (y: Computed) => Computed } {
  const x = ctx.computed(0, what);
  if (x.shape.length === 3) return { x, n: 2, back: (y) => y };
  if (x.shape.length !== 2) ctx.fail(`${what} has per-sample shape [${x.shape}]; lopper maps 1-d ([batch, C, L]) and 2-d ([batch, C, H, W]) ${ctx.op} only`);
  const lifted = reshapeTo(ctx, x, [x.shape[0], 1, x.shape[1]], 'as-2d');
  return { x: lifted, n: 1, back: (y) => reshapeTo(ctx, y, [y.shape[0], y.shape[2]], 'as-1d') };
}

/** x with an explicit Pad layer in front when the pads are asymmetric; returns the input and the symmetric padding left. */
export function padInput(ctx: NodeContext, x: Computed, pads: number[], value: number, symmetricOk: (p: number[]) => boolean): [Computed, number[]] {
  const [t, l, b, r] = pads;
  if (t === b && l === r && symmetricOk([t, l])) return [x, [t, l]];
  if (pads.some((p) => p > 65536)) ctx.fail(`pads [${pads}] are beyond lopper's limit of 65536`);
  const padded = ctx.emit(new Pad({ pads: [0, t, l, 0, b, r], value }), [x], {}, 'pad');
  return [padded, [0, 0]];
}

/** W's kernel as 2-d [KH, KW] for an op with n spatial axes, checked against 'kernel_shape'. */
function kernelOf(ctx: NodeContext, w: Const, n: number, layout: string): number[] {
  if (w.dims.length !== n + 2) ctx.fail(`W has dims [${w.dims}]; a ${n}-d ${ctx.op} needs ${layout}`);
  const k = w.dims.slice(2);
  const kernel = ctx.ints('kernel_shape');
  if (kernel && (kernel.length !== n || kernel.some((d, i) => d !== k[i]))) ctx.fail(`'kernel_shape' [${kernel}] does not match W's dims [${w.dims}]`);
  if (w.dims.some((d) => d < 1)) ctx.fail(`W has dims [${w.dims}]; every dimension must be ≥ 1`);
  return n === 1 ? [1, k[0]] : k;
}

function biasOf(ctx: NodeContext, M: number): Const | undefined {
  if (!ctx.has(2)) return undefined;
  const bias = ctx.constant(2, 'B');
  if (bias.data.length !== M) ctx.fail(`B has dims [${bias.dims}]; the op has ${M} filters`);
  return bias;
}

const conv: OpSpec = {
  map(ctx) {
    const { x, n, back } = windowInput(ctx, 'X');
    const w = ctx.constant(1, 'W');
    const [KH, KW] = kernelOf(ctx, w, n, '[M, C/group, ...kernel]');
    const [M, CG] = w.dims;
    const group = ctx.int('group', 1);
    const C = x.shape[0];
    if (group < 1 || C % group !== 0 || M % group !== 0 || CG * group !== C) {
      ctx.fail(`X has ${C} channels, W has dims [${w.dims}] and group = ${group}; need C = group · W[1] and M divisible by group`);
    }
    const stride = pairAttr(ctx, 'strides', n);
    const dilation = pairAttr(ctx, 'dilations', n);
    const pads = windowPads(ctx, x.shape.slice(1), [KH, KW], stride, dilation, n);
    const bias = biasOf(ctx, M);
    const [input, padding] = padInput(ctx, x, pads, 0, () => true);
    const pair = (v: number[]) => v as unknown as [number, number];
    const layer = new Conv2d({ filters: M, kernel: [KH, KW], stride: pair(stride), padding: pair(padding), dilation: pair(dilation), groups: group, bias: !!bias });
    ctx.out(back(ctx.emit(layer, [input], bias ? { weight: w.data, bias: bias.data } : { weight: w.data })));
  },
};

/** ConvTranspose: pads from 'pads', 'output_shape' or 'auto_pad' (ONNX's rules), 'output_padding'. */
const convTranspose: OpSpec = {
  map(ctx) {
    const { x, n, back } = windowInput(ctx, 'X');
    const w = ctx.constant(1, 'W');
    const kernel = kernelOf(ctx, w, n, '[C, M/group, ...kernel]');
    const group = ctx.int('group', 1);
    const C = x.shape[0];
    if (group < 1 || w.dims[0] !== C || C % group !== 0) ctx.fail(`X has ${C} channels, W has dims [${w.dims}] and group = ${group}; need W[0] = C, divisible by group`);
    const M = w.dims[1] * group;
    const stride = pairAttr(ctx, 'strides', n);
    const dilation = pairAttr(ctx, 'dilations', n);
    const lift = (v: number[]) => (n === 1 ? [0, v[0]] : v);
    const outPad = lift(ctx.ints('output_padding', new Array<number>(n).fill(0))!);
    if (outPad.length !== 2 || outPad.some((p, i) => p < 0 || (p >= stride[i] && p >= dilation[i]))) ctx.fail(`'output_padding' [${ctx.ints('output_padding')}] must be ≥ 0 and below the stride or dilation`);
    const full = (i: number) => stride[i] * (x.shape[1 + i] - 1) + outPad[i] + (kernel[i] - 1) * dilation[i] + 1;
    const auto = ctx.string('auto_pad', 'NOTSET');
    const outputShape = ctx.ints('output_shape');
    let pads: number[];
    if (outputShape || auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
      const target = outputShape ? lift(outputShape.slice(-n)) : [0, 1].map((i) => x.shape[1 + i] * stride[i]);
      if (n === 1 && !outputShape) target[0] = 1;
      const total = [0, 1].map((i) => full(i) - target[i]);
      if (total.some((t) => t < 0)) ctx.fail(`'output_shape' [${outputShape}] is larger than the op can make ([${[0, 1].map(full)}])`);
      const upper = auto === 'SAME_UPPER';
      pads = [...total.map((t) => (upper ? Math.floor(t / 2) : t - Math.floor(t / 2))), ...total.map((t) => (upper ? t - Math.floor(t / 2) : Math.floor(t / 2)))];
    } else if (auto === 'VALID' || auto === 'NOTSET') {
      pads = auto === 'VALID' ? [0, 0, 0, 0] : windowPads(ctx, x.shape.slice(1), kernel, stride, dilation, n);
    } else ctx.fail(`'auto_pad' is '${auto}'; ONNX knows NOTSET, SAME_UPPER, SAME_LOWER and VALID`);
    const bias = biasOf(ctx, M);
    const pair = (v: number[]) => v as unknown as [number, number];
    const layer = new ConvTranspose2d({
      filters: M, kernel: pair(kernel), stride: pair(stride), pads: pads! as unknown as [number, number, number, number], outputPadding: pair(outPad),
      dilation: pair(dilation), groups: group, bias: !!bias,
    });
    ctx.out(back(ctx.emit(layer, [x], bias ? { weight: w.data, bias: bias.data } : { weight: w.data })));
  },
};

export const linearOps: Record<string, OpSpec> = { Gemm: gemm, MatMul: matmul, Conv: conv, ConvTranspose: convTranspose };
