// The activation a tensor layer (Conv2d, Dense) may carry fused into its output: validation, the
// kernels' epilogue flag for it (the forward), and the backward through it. Not a layer itself.

import type { Kernels } from '../../kernels/kernels.js';
import type { Tensor } from '../../kernels/tensor.js';
import type { BufferSpec, Shape } from '../layer.js';
import { EPILOGUE } from '../../kernels/epilogue.js';

export type Activation = 'relu';

export const ACTIVATIONS: readonly Activation[] = ['relu'];

export function activationOf(layer: string, v: unknown): Activation | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(ACTIVATIONS as readonly unknown[]).includes(v)) {
    throw new TypeError(`${layer}: 'activation' must be one of ${ACTIVATIONS.join(', ')} (or absent), got ${JSON.stringify(v)}`);
  }
  return v as Activation;
}

/** The gradient before the activation, [batch, ...output], kept apart so `dOutput` stays dL/dy. */
export function activationBuffers(activation: Activation | undefined, output: Shape): BufferSpec[] {
  return activation ? [{ name: 'dPre', shape: output, dtype: 'f32' }] : [];
}

/** The epilogue flag of f32_gemm_epilogue / f32_conv2d_fwd that applies the activation. */
export function epilogueOf(activation: Activation | undefined): number {
  return activation === 'relu' ? EPILOGUE.relu : 0;
}

/**
 * The gradient w.r.t. the pre-activation: dy where y > 0 (the same positions as the
 * pre-activation's, since y = max(pre, 0)), else 0; `dy` itself without an activation.
 */
export function activationBackward(activation: Activation | undefined, k: Kernels, dy: Tensor, y: Tensor, buffers: Record<string, Tensor>): Tensor {
  if (!activation) return dy;
  const dPre = buffers.dPre;
  k.wasm.f32_relu_bwd(dPre.offset, dy.offset, y.offset, dy.size);
  return dPre;
}
