// What the slimming passes ask of the tensor layers: which ones they are, a copy with changed
// attributes, and their bias as an array (zeros when the layer has none).

import type { Layer } from '../nn/layer.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { Dense } from '../nn/layers/dense.js';
import { layerFromAttrs } from '../nn/layers/index.js';
import type { DraftNode } from './draft.js';

/** Layers that multiply by a weight tensor (DeepRebirth's "tensor layers"); the rest are non-tensor. */
export const TENSOR_OPS: readonly string[] = ['Conv2d', 'Dense'];

export function isTensorLayer(layer: Layer): boolean {
  return TENSOR_OPS.includes(layer.op);
}

/** The same kind of layer with some attributes changed. */
export function relayer<T extends Layer>(layer: T, changes: Record<string, unknown>): T {
  return layerFromAttrs(layer.op, { ...layer.attrs(), ...changes }) as T;
}

/** The bias of a Conv2d or Dense node, or zeros when it has none. */
export function biasOf(n: DraftNode): Float32Array {
  const layer = n.layer as Conv2d | Dense;
  const out = layer instanceof Conv2d ? layer.filters : layer.units;
  return n.params.bias ?? new Float32Array(out);
}

/** A plain 2-d convolution: one group, no dilation, no fused activation. */
export function isPlainConv(layer: Layer): layer is Conv2d {
  return layer instanceof Conv2d && layer.groups === 1 && layer.dilation[0] === 1 && layer.dilation[1] === 1 && !layer.activation;
}

/** A 1×1 convolution that maps channels only: stride 1, no padding. */
export function isPointwise(layer: Layer): layer is Conv2d {
  return isPlainConv(layer) && layer.kernel.every((k) => k === 1) && layer.stride.every((s) => s === 1) && layer.padding.every((p) => p === 0);
}
