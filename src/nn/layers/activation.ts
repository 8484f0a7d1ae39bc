// The activation a tensor layer (Conv2d, Dense) may carry fused into its output: validation, the
// in-place forward, and the backward through it. Not a layer itself.

import type { Kernels } from '../../kernels/kernels.js';
import type { Tensor } from '../../kernels/tensor.js';
import type { BufferSpec, Shape } from '../layer.js';

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

/** y = max(y, 0) in place. */
export function activationForward(activation: Activation | undefined, k: Kernels, y: Tensor): void {
  if (activation === 'relu') k.wasm.f32_relu_fwd(y.offset, y.offset, y.size);
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
