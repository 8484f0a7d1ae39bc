// The contract every op of a lopper model implements: shapes, parameters, FLOPs, forward and
// backward. Shapes are per sample (no batch axis); tensors at run time carry the batch first.

import type { Kernels } from '../kernels/kernels.js';
import type { Tensor, DType } from '../kernels/tensor.js';

export type Shape = readonly number[];

/** How a parameter starts: seeded by the model, so the same seed gives the same network. */
export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** U(−b, b) with b = gain·sqrt(3 / fanIn): Kaiming-uniform for gain √2 (ReLU nets). */
  | { kind: 'uniform'; fanIn: number; gain: number };

export interface ParamSpec {
  name: string;
  shape: Shape;
  init: Init;
  /** false for state such as batch-norm running statistics: saved, never trained. */
  trainable: boolean;
  /**
   * Axes along which the layer's output channels (`out`) and input channels (`in`) lie, so that
   * removing channels slices this parameter. Absent: the parameter does not depend on them.
   */
  cut?: { out?: number; in?: number };
}

/**
 * How channel indices (axis 0 of a per-sample shape) flow from a layer's inputs to its output:
 * the basis of dependency groups (src/graph/dependency.ts).
 */
export type ChannelFlow =
  /** Output channels are the layer's own (Dense, Conv2d); inputs are read along their channel axis. */
  | { kind: 'produce' }
  /** Output channel c is channel c of every input (activations, pooling, batch norm, Add, depthwise conv). */
  | { kind: 'elementwise' }
  /** Output channels are the inputs' channels one input after another (Concat on axis 0). */
  | { kind: 'concat' }
  /** Output neuron c·S + s comes from channel c, S = H·W (Flatten). */
  | { kind: 'flatten' }
  /**
   * Output channel j is input channel start + j, j < end − start (Slice of the channel axis, each
   * Split output): the groups of the input are seen in part, and cutting them moves the bounds.
   */
  | { kind: 'slice'; start: number; end: number }
  /** Output channel j comes from input channels [j·size, (j+1)·size) (Maxout). */
  | { kind: 'group'; size: number }
  /** Channels on both sides are fixed: removing any would change what the layer computes (LRN, grouped conv). */
  | { kind: 'fixed'; reason: string };

/** Scratch a layer keeps between forward and backward (argmax, batch statistics, masks). */
export interface BufferSpec {
  name: string;
  /** Absolute shape, batch included where it applies. */
  shape: Shape;
  dtype: DType;
}

export interface ForwardPass {
  k: Kernels;
  batch: number;
  /** [batch, ...inputShape] per input. */
  inputs: Tensor[];
  /** [batch, ...outputShape], to be overwritten. */
  output: Tensor;
  params: Record<string, Tensor>;
  buffers: Record<string, Tensor>;
  training: boolean;
  /** Seeded uniform [0, 1) for stochastic layers (dropout). */
  random: () => number;
}

export interface BackwardPass extends ForwardPass {
  /** Gradient of the loss w.r.t. the output. */
  dOutput: Tensor;
  /** Gradient w.r.t. each input, to be overwritten; null where nobody needs it. */
  dInputs: (Tensor | null)[];
  /** Gradient w.r.t. each trainable parameter, to be overwritten. */
  grads: Record<string, Tensor>;
}

export abstract class Layer {
  /** The op's name, as saved and as ONNX knows it where they agree. */
  abstract readonly op: string;

  /** The output shape for these input shapes; throws a RangeError naming the shapes if invalid. */
  abstract outputShape(inputs: Shape[]): Shape;

  /** Multiply-adds × 2 (and other arithmetic) per sample for one forward pass. */
  abstract flops(inputs: Shape[]): number;

  abstract forward(pass: ForwardPass): void;

  abstract backward(pass: BackwardPass): void;

  /** The attributes that rebuild this layer (saved with the model). */
  abstract attrs(): Record<string, unknown>;

  abstract channelFlow(inputs: Shape[]): ChannelFlow;

  /**
   * This layer with `channels` output channels, for structural pruning: a new layer when its
   * attributes count them (Dense units, Conv2d filters), `this` when they follow the input.
   * Parameters are sliced separately, along the axes their ParamSpec `cut` names.
   */
  abstract withChannels(channels: number): Layer;

  /**
   * This layer once input channels `removed` (indices on axis 0 of input 0) are cut: a new layer
   * when its attributes point at channels (a channel Slice's bounds), else `this`.
   */
  withInputsCut(_removed: ReadonlySet<number>): Layer {
    return this;
  }

  params(_inputs: Shape[]): ParamSpec[] {
    return [];
  }

  buffers(_inputs: Shape[], _batch: number): BufferSpec[] {
    return [];
  }

  /** How many inputs the op takes (Add and Concat take several). */
  arity(): { min: number; max: number } {
    return { min: 1, max: 1 };
  }
}
