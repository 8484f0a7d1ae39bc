// Lrn (ONNX LRN): local response normalisation across channels, for ONNX import (AlexNet,
// GoogLeNet, DeepRebirth). Plain TypeScript over the tensor views: no wasm kernel exists for it.
//
// For channel c of C, with lo = floor((size − 1)/2) and hi = ceil((size − 1)/2) (ONNX's window,
// asymmetric for even sizes):
//   d_c = bias + alpha/size · Σ_{i = max(0, c−lo)}^{min(C−1, c+hi)} x_i²,    y_c = x_c · d_c^(−beta)
// and, since channel i is in the window of every c with i − hi ≤ c ≤ i + lo,
//   dx_i = dy_i · d_i^(−beta) − 2·alpha·beta/size · x_i · Σ_{c = max(0, i−hi)}^{min(C−1, i+lo)} dy_c·y_c/d_c.

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { channels, int, known, number, planes } from './options.js';

export interface LrnOptions {
  /** Channels in the window (default 5). */
  size?: number;
  /** Default 1e-4. */
  alpha?: number;
  /** Default 0.75. */
  beta?: number;
  /** Default 1; > 0, so that d > 0. */
  bias?: number;
}

const SHAPES = '[C], [C, L] or [C, H, W]';

export class Lrn extends Layer {
  readonly op = 'Lrn';
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly bias: number;

  constructor(options: LrnOptions = {}) {
    super();
    const o = known('Lrn', options, ['size', 'alpha', 'beta', 'bias']);
    this.size = int('Lrn', 'size', o.size ?? 5, 1);
    this.alpha = number('Lrn', 'alpha', o.alpha ?? 1e-4, 0);
    this.beta = number('Lrn', 'beta', o.beta ?? 0.75);
    this.bias = number('Lrn', 'bias', o.bias ?? 1);
    if (this.bias <= 0) throw new RangeError(`Lrn: 'bias' must be > 0, got ${this.bias}`);
  }

  outputShape([x]: Shape[]): Shape {
    channels(this.op, x, 1, 3, SHAPES);
    return x;
  }

  /** Per value: a square, size − 1 additions, a multiply and an add for d, a power, a multiply. */
  flops([x]: Shape[]): number {
    const [C, S] = channels(this.op, x, 1, 3, SHAPES);
    return C * S * (this.size + 4);
  }

  /** d per value, for the backward pass. */
  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [{ name: 'd', shape: [batch, ...x], dtype: 'f32' }];
  }

  forward({ batch, inputs: [x], output: y, buffers }: ForwardPass): void {
    const [C, S] = planes(x.shape);
    const xv = x.f32();
    const yv = y.f32();
    const dv = buffers.d.f32();
    const lo = Math.floor((this.size - 1) / 2);
    const hi = this.size - 1 - lo;
    const a = this.alpha / this.size;
    const sumSq = new Float64Array(S);
    for (let b = 0; b < batch; b++) {
      const sample = b * C * S;
      for (let c = 0; c < C; c++) {
        sumSq.fill(0);
        for (let i = Math.max(0, c - lo); i <= Math.min(C - 1, c + hi); i++) {
          const row = sample + i * S;
          for (let s = 0; s < S; s++) sumSq[s] += xv[row + s] * xv[row + s];
        }
        const row = sample + c * S;
        for (let s = 0; s < S; s++) {
          const d = this.bias + a * sumSq[s];
          dv[row + s] = d;
          yv[row + s] = xv[row + s] * Math.pow(d, -this.beta);
        }
      }
    }
  }

  backward({ batch, inputs: [x], output: y, buffers, dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const [C, S] = planes(x.shape);
    const xv = x.f32();
    const yv = y.f32();
    const dv = buffers.d.f32();
    const dyv = dy.f32();
    const dxv = dx.f32();
    const lo = Math.floor((this.size - 1) / 2);
    const hi = this.size - 1 - lo;
    const cross = (2 * this.alpha * this.beta) / this.size;
    const t = new Float64Array(C * S); // dy·y/d of one sample
    const sumT = new Float64Array(S);
    for (let b = 0; b < batch; b++) {
      const sample = b * C * S;
      for (let j = 0; j < C * S; j++) t[j] = (dyv[sample + j] * yv[sample + j]) / dv[sample + j];
      for (let i = 0; i < C; i++) {
        sumT.fill(0);
        for (let c = Math.max(0, i - hi); c <= Math.min(C - 1, i + lo); c++) {
          for (let s = 0; s < S; s++) sumT[s] += t[c * S + s];
        }
        const row = sample + i * S;
        for (let s = 0; s < S; s++) {
          dxv[row + s] = dyv[row + s] * Math.pow(dv[row + s], -this.beta) - cross * xv[row + s] * sumT[s];
        }
      }
    }
  }

  channelFlow(): ChannelFlow {
    return { kind: 'fixed', reason: 'LRN normalises each channel by its neighbours' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { size: this.size, alpha: this.alpha, beta: this.beta, bias: this.bias };
  }
}
