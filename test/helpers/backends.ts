// Both builds of the wasm module, loaded once per test process: every kernel test runs on each.

import { loadNodeKernels } from '../../src/node/kernels.js';
import type { Kernels } from '../../src/kernels/kernels.js';

export interface Backend {
  name: 'simd' | 'scalar';
  k: Kernels;
}

let loaded: Promise<Backend[]> | undefined;

export function backends(): Promise<Backend[]> {
  loaded ??= Promise.all([
    loadNodeKernels().then((k) => ({ name: 'simd' as const, k })),
    loadNodeKernels({ scalar: true }).then((k) => ({ name: 'scalar' as const, k })),
  ]);
  return loaded;
}
