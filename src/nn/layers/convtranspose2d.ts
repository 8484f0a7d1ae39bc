// ConvTranspose2d (ONNX ConvTranspose): the adjoint of a convolution, each input value spreading
// W[c, m, ·, ·] over a window of the output. Weights [C, filters/groups, KH, KW] (input channels
// first, as ONNX), so the filters are axis 1 of the weight. Plain TypeScript loops: the op is rare
// in classifiers (decoders, segmentation heads) and these are direct, not blocked.
//   OH = SH·(H − 1) + OPH + DH·(KH − 1) + 1 − PT − PB   (likewise OW)

import { Layer, type BackwardPass, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import { bool, describe, int, known } from './options.js';

export interface ConvTranspose2dOptions {
  filters: number;
  kernel: readonly [number, number];
  stride?: readonly [number, number];
  /** [top, left, bottom, right], removed from the full output; default none. */
  pads?: readonly [number, number, number, number];
  /** Added at the bottom and right (ONNX output_padding); each < stride or dilation. */
  outputPadding?: readonly [number, number];
  dilation?: readonly [number, number];
  groups?: number;
  bias?: boolean;
}

export class ConvTranspose2d extends Layer {
  readonly op = 'ConvTranspose2d';
  readonly filters: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly pads: [number, number, number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly bias: boolean;

  constructor(options: ConvTranspose2dOptions) {
    super();
    const op = 'ConvTranspose2d';
    const o = known(op, options, ['filters', 'kernel', 'stride', 'pads', 'outputPadding', 'dilation', 'groups', 'bias']);
    const list = (name: string, v: unknown, n: number, lo: number, fallback: number[]): number[] => {
      const got = v ?? fallback;
      if (!Array.isArray(got) || got.length !== n || !got.every((d) => Number.isInteger(d) && d >= lo)) {
        throw new RangeError(`${op}: '${name}' must be ${n} integers ≥ ${lo}, got ${describe(v)}`);
      }
      return [...got];
    };
    this.filters = int(op, 'filters', o.filters, 1);
    this.kernel = list('kernel', o.kernel, 2, 1, []) as [number, number];
    this.stride = list('stride', o.stride, 2, 1, [1, 1]) as [number, number];
    this.pads = list('pads', o.pads, 4, 0, [0, 0, 0, 0]) as [number, number, number, number];
    this.outputPadding = list('outputPadding', o.outputPadding, 2, 0, [0, 0]) as [number, number];
    this.dilation = list('dilation', o.dilation, 2, 1, [1, 1]) as [number, number];
    this.groups = int(op, 'groups', o.groups ?? 1, 1);
    if (this.filters % this.groups) throw new RangeError(`${op}: 'filters' (${this.filters}) must be a multiple of 'groups' (${this.groups})`);
    this.bias = bool(op, 'bias', o.bias ?? true);
  }

  outputShape([x]: Shape[]): Shape {
    if (x.length !== 3) throw new RangeError(`ConvTranspose2d expects [C, H, W] per sample, got [${x}]`);
    if (x[0] % this.groups) throw new RangeError(`ConvTranspose2d: ${x[0]} input channels are not a multiple of 'groups' (${this.groups})`);
    const [OH, OW] = this.outSize(x[1], x[2]);
    if (OH < 1 || OW < 1) throw new RangeError(`ConvTranspose2d: pads [${this.pads}] leave no output from a ${x[1]}×${x[2]} input`);
    return [this.filters, OH, OW];
  }

  override params([x]: Shape[]): ParamSpec[] {
    const [KH, KW] = this.kernel;
    const init = { kind: 'uniform', fanIn: (this.filters / this.groups) * KH * KW, gain: 1 / Math.sqrt(3) } as const;
    const cut = this.groups === 1 ? { out: 1, in: 0 } : { out: 1 };
    const weight: ParamSpec = { name: 'weight', shape: [x[0], this.filters / this.groups, KH, KW], init, trainable: true, cut };
    return this.bias ? [weight, { name: 'bias', shape: [this.filters], init, trainable: true, cut: { out: 0 } }] : [weight];
  }

  flops([x]: Shape[]): number {
    return 2 * x[0] * x[1] * x[2] * (this.filters / this.groups) * this.kernel[0] * this.kernel[1] + (this.bias ? this.filters * this.outSize(x[1], x[2]).reduce((a, b) => a * b) : 0);
  }

  forward({ inputs: [x], output: y, params }: ForwardPass): void {
    const yv = y.f32();
    const bias = this.bias ? params.bias.f32() : undefined;
    const [B, M, OH, OW] = y.shape;
    const plane = OH * OW;
    for (let b = 0; b < B; b++) for (let m = 0; m < M; m++) yv.fill(bias ? bias[m] : 0, (b * M + m) * plane, (b * M + m + 1) * plane);
    const xv = x.f32();
    const wv = params.weight.f32();
    this.each(x.shape, y.shape, (xi, wi, yi) => { yv[yi] += xv[xi] * wv[wi]; });
  }

  backward({ inputs: [x], params, dOutput: dy, dInputs: [dx], grads }: BackwardPass): void {
    const xv = x.f32();
    const wv = params.weight.f32();
    const dyv = dy.f32();
    const dxv = dx?.f32();
    const dw = new Float64Array(wv.length);
    const dxs = dxv ? new Float64Array(dxv.length) : undefined;
    this.each(x.shape, dy.shape, (xi, wi, yi) => {
      dw[wi] += xv[xi] * dyv[yi];
      if (dxs) dxs[xi] += wv[wi] * dyv[yi];
    });
    grads.weight.f32().set(dw);
    if (dxv && dxs) dxv.set(dxs);
    if (this.bias) {
      const [B, M, OH, OW] = dy.shape;
      const db = new Float64Array(M);
      for (let b = 0; b < B; b++) for (let m = 0; m < M; m++) for (let p = 0; p < OH * OW; p++) db[m] += dyv[(b * M + m) * OH * OW + p];
      grads.bias.f32().set(db);
    }
  }

  channelFlow([x]: Shape[]): ChannelFlow {
    if (this.groups === 1) return { kind: 'produce' };
    if (this.groups === x[0] && this.filters === x[0]) return { kind: 'elementwise' };
    return { kind: 'fixed', reason: `grouped transposed convolution (${this.groups} groups) ties channels to groups` };
  }

  withChannels(filters: number): Layer {
    return new ConvTranspose2d({ ...this.attrs(), filters, groups: this.groups === 1 ? 1 : filters } as ConvTranspose2dOptions);
  }

  attrs(): Record<string, unknown> {
    return {
      filters: this.filters, kernel: [...this.kernel], stride: [...this.stride], pads: [...this.pads], outputPadding: [...this.outputPadding],
      dilation: [...this.dilation], groups: this.groups, bias: this.bias,
    };
  }

  private outSize(H: number, W: number): [number, number] {
    const out = (L: number, i: 0 | 1) => this.stride[i] * (L - 1) + this.outputPadding[i] + this.dilation[i] * (this.kernel[i] - 1) + 1 - this.pads[i] - this.pads[i + 2];
    return [out(H, 0), out(W, 1)];
  }

  /** fn(xIndex, weightIndex, yIndex) for every product of the op, input [B, C, H, W] to output [B, M, OH, OW]. */
  private each(xs: readonly number[], ys: readonly number[], fn: (xi: number, wi: number, yi: number) => void): void {
    const [B, C, H, W] = xs;
    const [, M, OH, OW] = ys;
    const [KH, KW] = this.kernel;
    const [SH, SW] = this.stride;
    const [DH, DW] = this.dilation;
    const [PT, PL] = this.pads;
    const CG = C / this.groups;
    const MG = M / this.groups;
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const g = Math.floor(c / CG);
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) {
            const xi = ((b * C + c) * H + h) * W + w;
            for (let mg = 0; mg < MG; mg++) {
              const m = g * MG + mg;
              for (let kh = 0; kh < KH; kh++) {
                const oh = h * SH - PT + kh * DH;
                if (oh < 0 || oh >= OH) continue;
                for (let kw = 0; kw < KW; kw++) {
                  const ow = w * SW - PL + kw * DW;
                  if (ow < 0 || ow >= OW) continue;
                  fn(xi, ((c * MG + mg) * KH + kh) * KW + kw, ((b * M + m) * OH + oh) * OW + ow);
                }
              }
            }
          }
        }
      }
    }
  }
}
