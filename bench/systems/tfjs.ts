// @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; threads are off under Node) as a baseline.

import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

let ready: Promise<typeof tf> | undefined;

export function tfjsWasm(): Promise<typeof tf> {
  ready ??= (async () => {
    // NOTE: setWasmPaths wants a directory prefix ending in '/'.
    setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + '/');
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  })();
  return ready;
}

export const tfjsVersion: string = tf.version_core;
