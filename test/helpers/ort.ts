// onnxruntime-web as an outside reference for ONNX semantics: one-node models built in memory,
// run on float32 inputs. For tests only.

import * as ort from 'onnxruntime-web';
import { onnx } from '../../src/io/onnx/proto.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export type OrtAttr = number | number[] | { float: number };

function attribute(name: string, v: OrtAttr) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return { name, type: T.FLOAT, f: v.float };
}

function valueInfo(name: string, dims: number[]) {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/** Runs `opType` (opset 17) on the inputs ([data, dims] each) and returns the first output's data. */
export async function ortRun(
  opType: string, inputs: [Float32Array, number[]][], outDims: number[], attrs: Record<string, OrtAttr> = {}, opset = 17,
): Promise<Float32Array> {
  const names = inputs.map((_, i) => `x${i}`);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: opType,
      node: [{ opType, input: names, output: ['y'], attribute: Object.entries(attrs).map(([n, v]) => attribute(n, v)) }],
      input: inputs.map(([, dims], i) => valueInfo(names[i], dims)),
      output: [valueInfo('y', outDims)],
    },
  });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { executionProviders: ['wasm'] });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    inputs.forEach(([data, dims], i) => { feeds[names[i]] = new ort.Tensor('float32', data, dims); });
    const out = await session.run(feeds);
    return out.y.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Runs a whole ONNX model (bytes) on float32 inputs, in graph-input order; returns every output's data and dims. */
export async function ortRunModel(bytes: Uint8Array, inputs: [Float32Array, number[]][]): Promise<{ data: Float32Array; dims: number[] }[]> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, i) => { feeds[name] = new ort.Tensor('float32', inputs[i][0], inputs[i][1]); });
    const out = await session.run(feeds);
    return session.outputNames.map((name) => ({ data: out[name].data as Float32Array, dims: [...out[name].dims] }));
  } finally {
    await session.release();
  }
}
