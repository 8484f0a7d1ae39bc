// onnxruntime-web (its wasm build, one thread) as a baseline: one-node ONNX models built in memory.

import * as ort from 'onnxruntime-web';
import { onnx } from '../../src/io/onnx/proto.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

interface Port {
  name: string;
  dims: number[];
}

function valueInfo({ name, dims }: Port) {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  };
}

/** A session running a single ONNX node with the given inputs, constant weights and output. */
export async function singleOpSession(
  opType: string,
  inputs: Port[],
  weights: { name: string; dims: number[]; data: Float32Array }[],
  output: Port,
  attribute: { name: string; ints: number[] }[] = [],
): Promise<ort.InferenceSession> {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: opType,
      node: [{
        opType,
        input: [...inputs.map((i) => i.name), ...weights.map((w) => w.name)],
        output: [output.name],
        attribute: attribute.map((a) => ({ name: a.name, ints: a.ints, type: onnx.AttributeProto.AttributeType.INTS })),
      }],
      initializer: weights.map((w) => ({ name: w.name, dims: w.dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(w.data) })),
      input: inputs.map(valueInfo),
      output: [valueInfo(output)],
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

export function ortTensor(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export const ortVersion: string = ort.env.versions.web ?? 'unknown';
