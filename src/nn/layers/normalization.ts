// InstanceNormalization and LayerNormalization (ONNX ops of those names): each sample's values
// standardised over groups — per channel over the spatial axes (instance), or over the last axes
// (layer) — then scaled and shifted by trainable parameters. Statistics come from the sample itself,
// in training and inference alike. Plain TypeScript (rare in CNNs; GAN and transformer blocks).
//   x̂ = (x − μ) / √(σ² + ε),  y = γ·x̂ + β,
//   dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / √(σ² + ε)  with dx̂ = dy·γ, per group.

import { Layer, type BackwardPass, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import type { Tensor } from '../../kernels/tensor.js';
import { bool, int, known, number, sizeOf } from './options.js';

/** The layout of one normalisation: `groups` runs of `n` values; the affine index of value j of group g. */
interface Groups {
  groups: number;
  n: number;
  affine: (g: number, j: number) => number;
}

function forwardGroups(x: Float32Array, y: Float32Array, { groups, n, affine }: Groups, eps: number, gamma: Float32Array, beta: Float32Array | undefined): void {
  for (let g = 0; g < groups; g++) {
    const at = g * n;
    let mean = 0;
    for (let j = 0; j < n; j++) mean += x[at + j];
    mean /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[at + j] - mean) ** 2;
    const r = 1 / Math.sqrt(v / n + eps);
    for (let j = 0; j < n; j++) {
      const p = affine(g, j);
      y[at + j] = (x[at + j] - mean) * r * gamma[p] + (beta ? beta[p] : 0);
    }
  }
}

function backwardGroups(x: Float32Array, dy: Float32Array, dx: Float32Array | undefined, { groups, n, affine }: Groups, eps: number,
  gamma: Float32Array, dGamma: Float64Array, dBeta: Float64Array | undefined): void {
  const hat = new Float64Array(n);
  const dHat = new Float64Array(n);
  for (let g = 0; g < groups; g++) {
    const at = g * n;
    let mean = 0;
    for (let j = 0; j < n; j++) mean += x[at + j];
    mean /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[at + j] - mean) ** 2;
    const r = 1 / Math.sqrt(v / n + eps);
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < n; j++) {
      const p = affine(g, j);
      hat[j] = (x[at + j] - mean) * r;
      dGamma[p] += dy[at + j] * hat[j];
      if (dBeta) dBeta[p] += dy[at + j];
      dHat[j] = dy[at + j] * gamma[p];
      m1 += dHat[j];
      m2 += dHat[j] * hat[j];
    }
    if (!dx) continue;
    m1 /= n;
    m2 /= n;
    for (let j = 0; j < n; j++) dx[at + j] = (dHat[j] - m1 - hat[j] * m2) * r;
  }
}

abstract class Normalization extends Layer {
  abstract readonly eps: number;
  protected abstract hasBias(): boolean;
  protected abstract layout(shape: readonly number[]): Groups;

  forward({ inputs: [x], output: y, params }: ForwardPass): void {
    forwardGroups(x.f32(), y.f32(), this.layout(x.shape), this.eps, params.scale.f32(), this.hasBias() ? params.bias.f32() : undefined);
  }

  backward({ inputs: [x], params, dOutput: dy, dInputs: [dx], grads }: BackwardPass): void {
    const dGamma = new Float64Array(params.scale.size);
    const dBeta = this.hasBias() ? new Float64Array(params.bias.size) : undefined;
    backwardGroups(x.f32(), dy.f32(), dx?.f32(), this.layout(x.shape), this.eps, params.scale.f32(), dGamma, dBeta);
    grads.scale.f32().set(dGamma);
    if (dBeta) (grads.bias as Tensor).f32().set(dBeta);
  }

  outputShape([x]: Shape[]): Shape {
    return x;
  }

  /** Two passes for the statistics, one for the result. */
  flops([x]: Shape[]): number {
    return 7 * sizeOf(x);
  }
}

export interface InstanceNormOptions {
  /** Default 1e-5, as ONNX. */
  eps?: number;
}

/** Per sample and channel, over the spatial axes; scale and bias per channel (cut with the channels). */
export class InstanceNorm extends Normalization {
  readonly op = 'InstanceNorm';
  readonly eps: number;

  constructor(options: InstanceNormOptions = {}) {
    super();
    this.eps = number('InstanceNorm', 'eps', known('InstanceNorm', options, ['eps']).eps ?? 1e-5, 0);
  }

  override outputShape([x]: Shape[]): Shape {
    if (x.length < 2) throw new RangeError(`InstanceNorm expects a per-sample input [C, L] or [C, H, W] (spatial axes to normalise over), got [${x}]`);
    return x;
  }

  override params([x]: Shape[]): ParamSpec[] {
    return [
      { name: 'scale', shape: [x[0]], init: { kind: 'ones' }, trainable: true, cut: { out: 0 } },
      { name: 'bias', shape: [x[0]], init: { kind: 'zeros' }, trainable: true, cut: { out: 0 } },
    ];
  }

  protected hasBias(): boolean {
    return true;
  }

  protected layout(shape: readonly number[]): Groups {
    const C = shape[1];
    return { groups: shape[0] * C, n: sizeOf(shape.slice(2)), affine: (g) => g % C };
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { eps: this.eps };
  }
}

export interface LayerNormOptions {
  /** First per-sample axis normalised over (with every later one); default −1 (the last), as ONNX. */
  axis?: number;
  eps?: number;
  /** A trainable shift (ONNX's optional B); default true. */
  bias?: boolean;
}

/** Per sample, over the axes from `axis` on; scale (and bias) of the normalised shape. */
export class LayerNorm extends Normalization {
  readonly op = 'LayerNorm';
  readonly axis: number;
  readonly eps: number;
  readonly bias: boolean;

  constructor(options: LayerNormOptions = {}) {
    super();
    const o = known('LayerNorm', options, ['axis', 'eps', 'bias']);
    this.axis = int('LayerNorm', 'axis', o.axis ?? -1, -Infinity);
    this.eps = number('LayerNorm', 'eps', o.eps ?? 1e-5, 0);
    this.bias = bool('LayerNorm', 'bias', o.bias ?? true);
  }

  /** The per-sample axis normalisation starts at, checked against `x`. */
  axisFor(x: Shape): number {
    const a = this.axis < 0 ? this.axis + x.length : this.axis;
    if (a < 0 || a >= x.length) throw new RangeError(`LayerNorm: axis ${this.axis} is outside a per-sample shape of rank ${x.length} ([${x}])`);
    return a;
  }

  override outputShape([x]: Shape[]): Shape {
    this.axisFor(x);
    return x;
  }

  override params([x]: Shape[]): ParamSpec[] {
    const shape = x.slice(this.axisFor(x));
    const scale: ParamSpec = { name: 'scale', shape, init: { kind: 'ones' }, trainable: true };
    return this.bias ? [scale, { name: 'bias', shape, init: { kind: 'zeros' }, trainable: true }] : [scale];
  }

  protected hasBias(): boolean {
    return this.bias;
  }

  protected layout(shape: readonly number[]): Groups {
    const n = sizeOf(shape.slice(1 + this.axisFor(shape.slice(1))));
    return { groups: sizeOf(shape) / n, n, affine: (_g, j) => j };
  }

  channelFlow([x]: Shape[]): ChannelFlow {
    return this.axisFor(x) === 0 ? { kind: 'fixed', reason: 'layer normalisation over the channel axis mixes the channels' } : { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { axis: this.axis, eps: this.eps, bias: this.bias };
  }
}
