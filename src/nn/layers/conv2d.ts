// Conv2d (ONNX Conv): weights [filters, C/groups, KH, KW], so cutting filter j drops slab j.
// Forward and backward each run as one wasm call for the whole batch; with activation 'relu' the
// kernel applies the ReLU as it stores each output (the conv's epilogue: no pass of its own).

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import { pair } from '../../kernels/check.js';
import { activationOf, activationBuffers, activationBackward, epilogueOf, type Activation } from './activation.js';
import { EPILOGUE } from '../../kernels/epilogue.js';

export interface Conv2dOptions {
  filters: number;
  kernel: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
  /** A ReLU fused into the layer's output (DeepRebirth's merge of a non-tensor layer); default none. */
  activation?: Activation;
}

export class Conv2d extends Layer {
  readonly op = 'Conv2d';
  readonly filters: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly bias: boolean;
  readonly activation: Activation | undefined;

  constructor(options: Conv2dOptions) {
    super();
    const op = 'Conv2d';
    if (!Number.isInteger(options.filters) || options.filters < 1) {
      throw new RangeError(`${op}: 'filters' must be an integer ≥ 1, got ${options.filters}`);
    }
    this.filters = options.filters;
    this.kernel = pair(op, 'kernel', options.kernel, 1, 1);
    this.stride = pair(op, 'stride', options.stride, 1, 1);
    this.padding = pair(op, 'padding', options.padding, 0, 0);
    this.dilation = pair(op, 'dilation', options.dilation, 1, 1);
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1) throw new RangeError(`${op}: 'groups' must be an integer ≥ 1, got ${options.groups}`);
    if (this.filters % this.groups) throw new RangeError(`${op}: 'filters' (${this.filters}) must be a multiple of 'groups' (${this.groups})`);
    this.bias = options.bias ?? true;
    this.activation = activationOf(op, options.activation);
  }

  outputShape([x]: Shape[]): Shape {
    if (x.length !== 3) throw new RangeError(`Conv2d expects [C, H, W] per sample, got [${x}]`);
    const [C, H, W] = x;
    if (C % this.groups) throw new RangeError(`Conv2d: ${C} input channels are not a multiple of 'groups' (${this.groups})`);
    const [OH, OW] = this.outSize(H, W);
    if (OH < 1 || OW < 1) {
      throw new RangeError(`Conv2d: a ${this.kernel.join('×')} kernel (dilation ${this.dilation.join('×')}, padding ${this.padding.join('×')}) does not fit a ${H}×${W} input`);
    }
    return [this.filters, OH, OW];
  }

  override params([x]: Shape[]): ParamSpec[] {
    const [KH, KW] = this.kernel;
    const fanIn = (x[0] / this.groups) * KH * KW;
    const init = { kind: 'uniform', fanIn, gain: 1 / Math.sqrt(3) } as const;
    // A depthwise conv's weight has one input channel per filter: only its filter axis is cut.
    const cut = this.groups === 1 ? { out: 0, in: 1 } : { out: 0 };
    const weight: ParamSpec = { name: 'weight', shape: [this.filters, x[0] / this.groups, KH, KW], init, trainable: true, cut };
    return this.bias ? [weight, { name: 'bias', shape: [this.filters], init, trainable: true, cut: { out: 0 } }] : [weight];
  }

  flops([x]: Shape[]): number {
    const [OH, OW] = this.outSize(x[1], x[2]);
    const perOutput = 2 * (x[0] / this.groups) * this.kernel[0] * this.kernel[1] + (this.bias ? 1 : 0);
    return this.filters * OH * OW * (perOutput + (this.activation ? 1 : 0));
  }

  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return activationBuffers(this.activation, [batch, ...this.outputShape([x])]);
  }

  forward({ k, batch, inputs: [x], output: y, params }: ForwardPass): void {
    const [, C, H, W] = x.shape;
    const scratch = k.scratch(k.wasm.f32_conv2d_scratch_bytes(C, H, W, ...this.geometry()));
    k.wasm.f32_conv2d_fwd(y.offset, x.offset, params.weight.offset, this.bias ? params.bias.offset : 0,
      batch, C, H, W, this.filters, ...this.geometry(), (this.bias ? EPILOGUE.biasRows : 0) | epilogueOf(this.activation), scratch);
  }

  backward({ k, batch, inputs: [x], output: y, params, dOutput, dInputs: [dx], grads, buffers }: BackwardPass): void {
    const dy = activationBackward(this.activation, k, dOutput, y, buffers);
    const [, C, H, W] = x.shape;
    const scratch = k.scratch(k.wasm.f32_conv2d_bwd_scratch_bytes(C, H, W, ...this.geometry()));
    k.wasm.f32_conv2d_bwd(dx ? dx.offset : 0, grads.weight.offset, this.bias ? grads.bias.offset : 0, dy.offset,
      x.offset, params.weight.offset, batch, C, H, W, this.filters, ...this.geometry(),
      this.bias ? 1 : 0, dx ? 1 : 0, scratch);
  }

  channelFlow([x]: Shape[]): ChannelFlow {
    if (this.groups === 1) return { kind: 'produce' };
    if (this.groups === x[0] && this.filters === x[0]) return { kind: 'elementwise' };
    return { kind: 'fixed', reason: `grouped convolution (${this.groups} groups) ties channels to groups` };
  }

  withChannels(filters: number): Layer {
    // Depthwise: one filter per channel, so the group count follows the channels.
    const groups = this.groups === 1 ? 1 : filters;
    return new Conv2d({ ...this.attrs(), filters, groups } as Conv2dOptions);
  }

  attrs(): Record<string, unknown> {
    return {
      filters: this.filters, kernel: this.kernel, stride: this.stride, padding: this.padding,
      dilation: this.dilation, groups: this.groups, bias: this.bias, ...(this.activation ? { activation: this.activation } : {}),
    };
  }

  private outSize(H: number, W: number): [number, number] {
    const out = (L: number, i: 0 | 1) =>
      Math.floor((L + 2 * this.padding[i] - this.dilation[i] * (this.kernel[i] - 1) - 1) / this.stride[i]) + 1;
    return [out(H, 0), out(W, 1)];
  }

  /** KH, KW, SH, SW, PH, PW, DH, DW, G — the kernel arguments after the input dimensions. */
  private geometry(): [number, number, number, number, number, number, number, number, number] {
    return [...this.kernel, ...this.stride, ...this.padding, ...this.dilation, this.groups] as never;
  }
}
