// Runs one layer on its own (a one-node model) on given inputs: forward output, and the model
// for a backward pass or a look at its parameters and buffers.

import type { Kernels } from '../../src/kernels/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import type { Layer, Shape } from '../../src/nn/layer.js';

export interface LayerRun {
  model: Model;
  /** The output, copied out. */
  y: Float32Array;
  /** Runs the forward pass again (same inputs) and returns a copy of the output. */
  forward(training?: boolean): Float32Array;
}

/** The caller disposes `run.model`. */
export function runLayer(
  k: Kernels, layer: Layer, inputShapes: Shape[], inputs: ArrayLike<number>[],
  { batch = 1, training = false, seed = 0 }: { batch?: number; training?: boolean; seed?: number } = {},
): LayerRun {
  const graph = new Graph({
    name: `run-${layer.op}`,
    inputs: inputShapes.map((shape, i) => ({ name: `x${i}`, shape })),
    nodes: [{ name: 'y', layer, inputs: inputShapes.map((_, i) => `x${i}`) }],
    outputs: ['y'],
  });
  const model = new Model(graph, k, { seed });
  const forward = (t = training) => model.forward(batch, { training: t }).toArray() as Float32Array;
  try {
    inputs.forEach((data, i) => model.input(batch, `x${i}`).set(data));
    return { model, y: forward(), forward };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** n distinct values 0.05 apart in shuffled order: no ties within 2h of each other for max-type layers. */
export function spread(rng: { shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T }, n: number): Float32Array {
  const a = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  return rng.shuffle(a);
}

/** Values with |v| in [0.1, 1): away from the kink of ReLU-type layers. */
export function awayFromZero(rng: { uniform(a: number, b: number): number }, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const v = rng.uniform(0.1, 1);
    return rng.uniform(-1, 1) < 0 ? -v : v;
  });
}
