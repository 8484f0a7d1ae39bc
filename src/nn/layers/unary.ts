// The shared body of element-wise one-input layers (Sigmoid, Tanh, HardSigmoid, HardSwish, Clip,
// Identity): y_i = f(x_i), dx_i = dy_i · f'(x_i, y_i). Plain TypeScript over the tensor views;
// these ops are light next to the convolutions around them. Not a layer on its own.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { sizeOf } from './options.js';

export abstract class Unary extends Layer {
  /** The value for one input. */
  protected abstract f(x: number): number;

  /** The derivative at x, given y = f(x). */
  protected abstract df(x: number, y: number): number;

  /** Arithmetic per element, for flops(). */
  protected readonly cost: number = 1;

  outputShape([x]: Shape[]): Shape {
    return x;
  }

  flops([x]: Shape[]): number {
    return this.cost * sizeOf(x);
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const yv = y.f32();
    for (let i = 0; i < xv.length; i++) yv[i] = this.f(xv[i]);
  }

  backward({ inputs: [x], output: y, dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const xv = x.f32();
    const yv = y.f32();
    const dyv = dy.f32();
    const dxv = dx.f32();
    for (let i = 0; i < dyv.length; i++) dxv[i] = dyv[i] * this.df(xv[i], yv[i]);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }
}
