// One ONNX model, two runtimes: onnxruntime-web and lopper (after import, and lopper's re-export
// in onnxruntime-web again) on the same random inputs, outputs within 1e-4.

import * as assert from 'uvu/assert';
import { assertClose } from './close.js';
import { ortRunModel } from './ort.js';
import { Rng } from './rng.js';
import { onnxModel, type ModelSpec } from './onnx-build.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { Model } from '../../src/nn/model.js';

/** Runs `spec` in onnxruntime-web and in lopper on the same inputs (`dims`, batch first); returns the model. */
export async function agree(k: Kernels, label: string, spec: ModelSpec, dims: number[][], input?: (rng: Rng, n: number) => Float32Array,
  tol = { atol: 1e-4, rtol: 1e-4 }): Promise<Model> {
  const rng = new Rng(7);
  const bytes = onnxModel(spec);
  const xs = dims.map((d) => {
    const n = d.reduce((a, b) => a * b, 1);
    return [input ? input(rng, n) : rng.f32(n).map((v) => v * 2), d] as [Float32Array, number[]];
  });
  const [want] = await ortRunModel(bytes, xs);
  const model = importOnnx(bytes, k, { file: label });
  const B = dims[0][0];
  model.graph.inputs.forEach((i, j) => model.input(B, i.name).set(xs[j][0]));
  const got = model.forward(B).toArray();
  assert.equal([B, ...model.graph.shapeOf(model.graph.outputs[0])], want.dims, `${label}: output dims`);
  assertClose(got, want.data, `${label}: lopper vs onnxruntime-web`, tol);
  // And lopper's own export of what it imported runs the same.
  const [again] = await ortRunModel(exportOnnx(model), xs);
  assertClose(again.data, want.data, `${label}: re-exported`, tol);
  return model;
}

/** One node on input x [dims], output y. */
export function single(op: string, xDims: (number | string)[], attrs: ModelSpec['nodes'][0]['attrs'] = {}, extra: { inputs?: string[]; init?: ModelSpec['init']; opset?: number } = {}): ModelSpec {
  return {
    opset: extra.opset ?? 13,
    inputs: [{ name: 'x', dims: xDims }],
    outputs: [{ name: 'y' }],
    nodes: [{ op, inputs: ['x', ...(extra.inputs ?? [])], outputs: ['y'], attrs }],
    init: extra.init,
  };
}

export const ops = (m: Model) => m.graph.nodes.map((n) => n.layer.op);

export const i64 = (name: string, ints: number[], dims = [ints.length]) => ({ name, dims, ints });
