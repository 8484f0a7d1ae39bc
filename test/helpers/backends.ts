// Every build of the wasm module, loaded once per test process: every kernel test runs on each.
// The order is fixed (simd, scalar, then relaxed) so tests can pick one by position; the relaxed
// build is left out, with the reason printed once, on a host whose WebAssembly rejects it.

import { loadNodeKernels, nodeKernelBuild } from '../../src/node/kernels.js';
import type { Kernels, KernelBuild } from '../../src/kernels/kernels.js';

export interface Backend {
  name: KernelBuild;
  k: Kernels;
}

let loaded: Promise<Backend[]> | undefined;

export function backends(): Promise<Backend[]> {
  loaded ??= Promise.all((['simd', 'scalar', 'relaxed'] as const)
    .filter((build) => build !== 'relaxed' || relaxedRuns())
    .map((build) => loadNodeKernels({ build }).then((k) => ({ name: build, k }))));
  return loaded;
}

/** Whether this host runs the relaxed-SIMD build; says why not (once) when it does not. */
export function relaxedRuns(): boolean {
  const best = nodeKernelBuild();
  if (best !== 'relaxed' && !warned) {
    warned = true;
    console.log(`  (relaxed-SIMD build skipped: this Node, V8 ${process.versions.v8}, does not validate f32x4.relaxed_madd; best build '${best}')`);
  }
  return best === 'relaxed';
}
let warned = false;
