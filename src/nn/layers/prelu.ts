// PRelu (ONNX PRelu): y = x for x > 0, slope·x below, with a trainable slope per channel (the
// channel axis, axis 0 of a per-sample shape; cut with the channels) or one shared slope.
// Plain TypeScript.

import { Layer, type BackwardPass, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import { bool, known, planes, sizeOf } from './options.js';

export interface PReluOptions {
  /** One slope for every channel (default false: one per channel). */
  shared?: boolean;
}

export class PRelu extends Layer {
  readonly op = 'PRelu';
  readonly shared: boolean;

  constructor(options: PReluOptions = {}) {
    super();
    this.shared = bool('PRelu', 'shared', known('PRelu', options, ['shared']).shared ?? false);
  }

  outputShape([x]: Shape[]): Shape {
    if (x.length < 1) throw new RangeError(`PRelu expects a per-sample input [C, ...], got [${x}]`);
    return x;
  }

  override params([x]: Shape[]): ParamSpec[] {
    // NOTE: a new PRelu starts as a ReLU (slope 0); imported ones bring their slopes.
    const init = { kind: 'zeros' } as const;
    return [this.shared
      ? { name: 'slope', shape: [1], init, trainable: true }
      : { name: 'slope', shape: [x[0]], init, trainable: true, cut: { out: 0 } }];
  }

  flops([x]: Shape[]): number {
    return 2 * sizeOf(x);
  }

  forward({ inputs: [x], output: y, params }: ForwardPass): void {
    const xv = x.f32();
    const yv = y.f32();
    const a = params.slope.f32();
    this.each(x.shape, (i, c) => { const v = xv[i]; yv[i] = v > 0 ? v : a[c] * v; });
  }

  backward({ inputs: [x], params, dOutput: dy, dInputs: [dx], grads }: BackwardPass): void {
    const xv = x.f32();
    const dyv = dy.f32();
    const a = params.slope.f32();
    const da = new Float64Array(a.length);
    const dxv = dx?.f32();
    this.each(x.shape, (i, c) => {
      const v = xv[i];
      if (v > 0) { if (dxv) dxv[i] = dyv[i]; }
      else {
        if (dxv) dxv[i] = a[c] * dyv[i];
        da[c] += v * dyv[i];
      }
    });
    grads.slope.f32().set(da);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { shared: this.shared };
  }

  /** fn(index, slopeIndex) over a run-time tensor [B, C, ...]. */
  private each(shape: readonly number[], fn: (i: number, c: number) => void): void {
    const [C, S] = planes(shape);
    let i = 0;
    for (let b = 0; b < shape[0]; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) fn(i++, this.shared ? 0 : c);
  }
}
