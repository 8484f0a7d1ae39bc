// The PyTorch-exported ONNX fixtures (scripts/make-onnx-fixtures.py): bytes, input, torch's output.

import { readFileSync, readdirSync } from 'node:fs';

export interface OnnxFixture {
  name: string;
  bytes: Uint8Array;
  input: Float32Array;
  /** Full input dims, batch first. */
  inputDims: number[];
  /** torch's output on `input` (eval mode). */
  output: Float32Array;
  outputDims: number[];
  opset: number;
  description: string;
}

const root = new URL('../fixtures/onnx/', import.meta.url);

function f32(path: URL): Float32Array {
  const bytes = new Uint8Array(readFileSync(path));
  return new Float32Array(bytes.buffer, 0, bytes.length / 4);
}

let cache: OnnxFixture[] | undefined;

export function onnxFixtures(): OnnxFixture[] {
  cache ??= readdirSync(root).sort().map((name) => {
    const dir = new URL(`${name}/`, root);
    const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8')) as { input: number[]; output: number[]; opset: number; description: string };
    return {
      name, bytes: new Uint8Array(readFileSync(new URL('model.onnx', dir))), input: f32(new URL('input.bin', dir)), inputDims: meta.input,
      output: f32(new URL('output.bin', dir)), outputDims: meta.output, opset: meta.opset, description: meta.description,
    };
  });
  return cache;
}
