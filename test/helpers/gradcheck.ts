// Checks a model's backward pass against central finite differences of L = Σ r ⊙ y, the loss
// summed in float64. Coordinates are sampled when a tensor is large.

import * as assert from 'uvu/assert';
import type { Kernels } from '../../src/kernels/kernels.js';
import { Graph, type GraphDef } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import type { Layer, Shape } from '../../src/nn/layer.js';
import { Rng } from './rng.js';

export interface GradCheckOptions {
  batch?: number;
  seed?: number;
  /** Step of the finite difference (default 1e-2: f32 forward noise dominates below that). */
  h?: number;
  atol?: number;
  rtol?: number;
  /** How many coordinates of each tensor to probe (default 40). */
  probes?: number;
  /** Input values; defaults to U(−1, 1). */
  input?: (rng: Rng, n: number, index: number) => Float32Array;
  training?: boolean;
}

/** One layer on its own: a graph with one input per layer input. */
export function gradCheckLayer(k: Kernels, layer: Layer, inputShapes: Shape[], options: GradCheckOptions = {}): void {
  const def: GraphDef = {
    name: `check-${layer.op}`,
    inputs: inputShapes.map((shape, i) => ({ name: `x${i}`, shape })),
    nodes: [{ name: 'y', layer, inputs: inputShapes.map((_, i) => `x${i}`) }],
    outputs: ['y'],
  };
  gradCheck(k, def, options);
}

export function gradCheck(k: Kernels, def: GraphDef, options: GradCheckOptions = {}): void {
  const { batch = 2, seed = 1, h = 1e-2, atol = 1e-3, rtol = 5e-3, probes = 40, training = true } = options;
  const rng = new Rng(seed);
  const model = new Model(new Graph(def), k, { seed });
  try {
    const inputs = model.graph.inputs.map((input, i) => {
      const n = batch * input.shape.reduce((a, b) => a * b, 1);
      const data = options.input ? options.input(rng, n, i) : rng.f32(n);
      model.input(batch, input.name).set(data);
      return data;
    });
    const out = model.forward(batch, { training });
    const r = k.from(rng.f32(out.size), out.shape);
    const rv = r.toArray();
    const loss = (): number => {
      // Same dropout mask every time: reseed before each pass.
      model.reseed(seed);
      const y = model.forward(batch, { training }).f32();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += rv[i] * y[i];
      return s;
    };
    loss();
    model.backward(r, { inputGradients: true });
    const where = `${def.name}`;

    const probe = (label: string, n: number, get: () => Float32Array, analytic: Float32Array) => {
      const picks = n <= probes ? [...Array(n).keys()] : Array.from({ length: probes }, () => rng.int(0, n - 1));
      for (const i of picks) {
        const v = get();
        const old = v[i];
        v[i] = old + h;
        const up = loss();
        get()[i] = old - h;
        const down = loss();
        get()[i] = old;
        const numeric = (up - down) / (2 * h);
        const diff = Math.abs(numeric - analytic[i]);
        assert.ok(diff <= atol + rtol * Math.abs(numeric),
          `${where}: d loss / d ${label}[${i}] is ${analytic[i]} by backward, ${numeric} by finite differences`);
      }
    };

    model.graph.inputs.forEach((input, i) => {
      const analytic = model.gradient(input.name).toArray() as Float32Array;
      probe(`input '${input.name}'`, inputs[i].length, () => model.input(batch, input.name).f32(), analytic);
    });
    const grads = model.params.grads.toArray() as Float32Array;
    for (const e of model.params.entries.filter((p) => p.trainable)) {
      probe(`${e.node}.${e.name}`, e.size, () => model.params.values.f32().subarray(e.start, e.start + e.size),
        grads.subarray(e.start, e.start + e.size));
    }
    r.dispose();
  } finally {
    model.dispose();
  }
}
