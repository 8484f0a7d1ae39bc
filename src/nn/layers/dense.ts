// Dense (ONNX Gemm with transB): y = x·Wᵀ + b, W [out, in] so cutting output neuron j drops row j;
// bias and ReLU (activation 'relu') are the gemm's epilogue, applied as each output is stored.

import { Layer, type BackwardPass, type BufferSpec, type ForwardPass, type ParamSpec, type Shape, type ChannelFlow } from '../layer.js';
import { activationOf, activationBuffers, activationBackward, epilogueOf, type Activation } from './activation.js';
import { EPILOGUE } from '../../kernels/epilogue.js';

export interface DenseOptions {
  units: number;
  bias?: boolean;
  /** A ReLU fused into the layer's output; default none. */
  activation?: Activation;
}

export class Dense extends Layer {
  readonly op = 'Dense';
  readonly units: number;
  readonly bias: boolean;
  readonly activation: Activation | undefined;

  constructor(options: DenseOptions) {
    super();
    if (!Number.isInteger(options.units) || options.units < 1) {
      throw new RangeError(`Dense: 'units' must be an integer ≥ 1, got ${options.units}`);
    }
    this.units = options.units;
    this.bias = options.bias ?? true;
    this.activation = activationOf('Dense', options.activation);
  }

  outputShape([x]: Shape[]): Shape {
    if (x.length !== 1) throw new RangeError(`Dense expects a rank-1 input per sample (flatten first), got [${x}]`);
    return [this.units];
  }

  override params([x]: Shape[]): ParamSpec[] {
    // PyTorch's default: U(±1/sqrt(fanIn)) for weights and bias.
    const init = { kind: 'uniform', fanIn: x[0], gain: 1 / Math.sqrt(3) } as const;
    const weight: ParamSpec = { name: 'weight', shape: [this.units, x[0]], init, trainable: true, cut: { out: 0, in: 1 } };
    return this.bias ? [weight, { name: 'bias', shape: [this.units], init, trainable: true, cut: { out: 0 } }] : [weight];
  }

  flops([x]: Shape[]): number {
    return 2 * x[0] * this.units + (this.bias ? this.units : 0) + (this.activation ? this.units : 0);
  }

  override buffers(_inputs: Shape[], batch: number): BufferSpec[] {
    return activationBuffers(this.activation, [batch, this.units]);
  }

  forward({ k, batch, inputs: [x], output: y, params }: ForwardPass): void {
    const w = params.weight;
    const [out, inn] = w.shape;
    const epilogue = (this.bias ? EPILOGUE.biasCols : 0) | epilogueOf(this.activation);
    k.wasm.f32_gemm_epilogue(y.offset, x.offset, w.offset, this.bias ? params.bias.offset : 0, 1, 0, batch, out, inn, 0, 1, epilogue,
      k.scratch(k.wasm.f32_gemm_scratch_bytes()));
  }

  backward({ k, batch, inputs: [x], output: y, params, dOutput, dInputs: [dx], grads, buffers }: BackwardPass): void {
    const dy = activationBackward(this.activation, k, dOutput, y, buffers);
    const w = params.weight;
    const [out, inn] = w.shape;
    const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
    // dW[out, in] = dyᵀ[out, B] · x[B, in]
    k.wasm.f32_gemm(grads.weight.offset, dy.offset, x.offset, 1, 0, out, inn, batch, 1, 0, scratch);
    if (this.bias) k.wasm.f32_bias_grad(grads.bias.offset, dy.offset, batch, out, 1);
    // dx[B, in] = dy[B, out] · W[out, in]
    if (dx) k.wasm.f32_gemm(dx.offset, dy.offset, w.offset, 1, 0, batch, inn, out, 0, 0, scratch);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'produce' };
  }

  withChannels(units: number): Layer {
    return new Dense({ units, bias: this.bias, ...(this.activation ? { activation: this.activation } : {}) });
  }

  attrs(): Record<string, unknown> {
    return { units: this.units, bias: this.bias, ...(this.activation ? { activation: this.activation } : {}) };
  }
}
