// The torchvision-family ONNX fixtures (scripts/make-onnx-zoo.py: bytes, input, torch's output) and
// the hand-built newest-opset ones (scripts/make-onnx-newest.ts: onnxruntime-web's output), one layout.

import { readFileSync, readdirSync } from 'node:fs';
import type { OnnxFixture } from './onnx-fixtures.js';

export interface ZooFixture extends OnnxFixture {
  family: string;
}


function f32(path: URL): Float32Array {
  const bytes = new Uint8Array(readFileSync(path));
  return new Float32Array(bytes.buffer, 0, bytes.length / 4);
}

export function zooFixtures(suite: 'onnx-zoo' | 'onnx-newest' = 'onnx-zoo'): ZooFixture[] {
  const root = new URL(`../fixtures/${suite}/`, import.meta.url);
  return readdirSync(root).sort().map((name) => {
    const dir = new URL(`${name}/`, root);
    const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8')) as { family: string; input: number[]; output: number[]; opset: number; description: string };
    return {
      name, family: meta.family, bytes: new Uint8Array(readFileSync(new URL('model.onnx', dir))), input: f32(new URL('input.bin', dir)), inputDims: meta.input,
      output: f32(new URL('output.bin', dir)), outputDims: meta.output, opset: meta.opset, description: meta.description,
    };
  });
}
