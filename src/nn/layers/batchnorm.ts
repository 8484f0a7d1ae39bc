// BatchNorm (ONNX BatchNormalization): per channel of [C] (1-d), [C, L] or [C, H, W] (2-d),
// y = gamma·(x − mean)/sqrt(var + eps) + beta with the batch's statistics in training (updating
// the running ones, PyTorch's momentum convention) and the running ones in inference.

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import { channels, known, number, planes } from './options.js';

export interface BatchNormOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Weight of the batch statistics in the running ones: run = (1 − m)·run + m·batch; default 0.1. */
  momentum?: number;
}

const SHAPES = '[C], [C, L] or [C, H, W]';

export class BatchNorm extends Layer {
  readonly op = 'BatchNorm';
  readonly eps: number;
  readonly momentum: number;

  constructor(options: BatchNormOptions = {}) {
    super();
    const o = known('BatchNorm', options, ['eps', 'momentum']);
    this.eps = number('BatchNorm', 'eps', o.eps ?? 1e-5, 0);
    this.momentum = number('BatchNorm', 'momentum', o.momentum ?? 0.1, 0, 1, true);
  }

  outputShape([x]: Shape[]): Shape {
    channels(this.op, x, 1, 3, SHAPES);
    return x;
  }

  override params([x]: Shape[]): ParamSpec[] {
    const [C] = channels(this.op, x, 1, 3, SHAPES);
    return [
      { name: 'gamma', shape: [C], init: { kind: 'ones' }, trainable: true, cut: { out: 0 } },
      { name: 'beta', shape: [C], init: { kind: 'zeros' }, trainable: true, cut: { out: 0 } },
      { name: 'runningMean', shape: [C], init: { kind: 'zeros' }, trainable: false, cut: { out: 0 } },
      { name: 'runningVar', shape: [C], init: { kind: 'ones' }, trainable: false, cut: { out: 0 } },
    ];
  }

  /** Inference: one multiply and one add per element (scale and shift folded per channel). */
  flops([x]: Shape[]): number {
    const [C, S] = channels(this.op, x, 1, 3, SHAPES);
    return 2 * C * S;
  }

  /** The last forward's batch statistics, and whether it was a training forward (1) or not (0). */
  override buffers([x]: Shape[]): BufferSpec[] {
    const [C] = channels(this.op, x, 1, 3, SHAPES);
    return [
      { name: 'mean', shape: [C], dtype: 'f32' },
      { name: 'invstd', shape: [C], dtype: 'f32' },
      { name: 'training', shape: [1], dtype: 'i32' },
    ];
  }

  forward({ k, batch, inputs: [x], output: y, params: p, buffers, training }: ForwardPass): void {
    const [C, S] = planes(x.shape);
    buffers.training.i32()[0] = training ? 1 : 0;
    if (!training) {
      k.wasm.f32_batchnorm_fwd_infer(y.offset, x.offset, p.gamma.offset, p.beta.offset,
        p.runningMean.offset, p.runningVar.offset, this.eps, batch, C, S);
      return;
    }
    if (batch * S < 2) {
      throw new RangeError(`BatchNorm: training needs more than one value per channel, got batch ${batch} of [${x.shape.slice(1)}]`);
    }
    k.wasm.f32_batchnorm_fwd_train(y.offset, buffers.mean.offset, buffers.invstd.offset,
      p.runningMean.offset, p.runningVar.offset, x.offset, p.gamma.offset, p.beta.offset,
      this.eps, this.momentum, batch, C, S);
  }

  backward(pass: BackwardPass): void {
    const { k, batch, inputs: [x], params: p, buffers, dOutput: dy, dInputs: [dx], grads } = pass;
    const [C, S] = planes(x.shape);
    if (buffers.training.i32()[0] === 0) {
      this.backwardInference(pass);
      return;
    }
    // The kernel always writes dx: scratch when nobody needs it.
    const dxAt = dx ? dx.offset : k.scratch(x.size * 4);
    k.wasm.f32_batchnorm_bwd(dxAt, grads.gamma.offset, grads.beta.offset, dy.offset, x.offset,
      p.gamma.offset, buffers.mean.offset, buffers.invstd.offset, batch, C, S);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { eps: this.eps, momentum: this.momentum };
  }

  /**
   * Gradients of the inference forward, whose statistics are constants: with
   * k = 1/sqrt(runVar + eps), dx = dy·gamma·k, dgamma = Σ dy·(x − runMean)·k, dbeta = Σ dy.
   * Plain TS: only pruning criteria taken in eval mode need it.
   */
  private backwardInference({ batch, inputs: [x], params: p, dOutput: dy, dInputs: [dx], grads }: BackwardPass): void {
    const [C, S] = planes(x.shape);
    const xv = x.f32();
    const dyv = dy.f32();
    const dxv = dx?.f32();
    const gamma = p.gamma.f32();
    const mean = p.runningMean.f32();
    const variance = p.runningVar.f32();
    const dgamma = grads.gamma.f32();
    const dbeta = grads.beta.f32();
    for (let c = 0; c < C; c++) {
      const inv = 1 / Math.sqrt(variance[c] + this.eps);
      let sDy = 0;
      let sDyXhat = 0;
      for (let b = 0; b < batch; b++) {
        const at = (b * C + c) * S;
        for (let s = at; s < at + S; s++) {
          sDy += dyv[s];
          sDyXhat += dyv[s] * (xv[s] - mean[c]) * inv;
          if (dxv) dxv[s] = dyv[s] * gamma[c] * inv;
        }
      }
      dgamma[c] = sDyXhat;
      dbeta[c] = sDy;
    }
  }
}
