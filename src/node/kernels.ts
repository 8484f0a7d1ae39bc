// Node-only: loads lopper's wasm kernels from the package's build/ folder, choosing the build.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { bestKernelBuild, loadKernels, type KernelBuild, type Kernels } from '../kernels/kernels.js';

export interface NodeKernelOptions {
  /**
   * Which build to load. Default: `$LOPPER_WASM` when set (relaxed, simd or scalar: for benches
   * and bug reports), else the fastest this process runs (`nodeKernelBuild()`).
   */
  build?: KernelBuild;
}

const FILES: Record<KernelBuild, string> = {
  relaxed: 'lopper-relaxed.wasm',
  simd: 'lopper.wasm',
  scalar: 'lopper-scalar.wasm',
};

let flagTried = false;

/**
 * The fastest build this process runs. NOTE: Node 20's V8 (11.3) implements relaxed SIMD with its
 * final opcodes but only behind `--experimental-wasm-relaxed-simd`; later V8s (Chrome ≥ 114,
 * Node ≥ 22) ship it. The flag is read when a module is validated or compiled, and V8 flags are
 * process-wide, so setting it here, before the first relaxed module is compiled, enables it for
 * this process and the worker threads it starts. It is set at most once, and only when the probe
 * fails with SIMD present: a V8 that no longer knows the flag prints an "unrecognized flag" error.
 */
export function nodeKernelBuild(): KernelBuild {
  const best = bestKernelBuild();
  if (best !== 'simd' || flagTried) return best;
  flagTried = true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return bestKernelBuild();
}

// The build `options` or `$LOPPER_WASM` ask for, else the fastest this process runs.
function chooseBuild(options: NodeKernelOptions): KernelBuild {
  if (options.build !== undefined) {
    if (!Object.hasOwn(FILES, options.build)) throw new Error(`loadNodeKernels: build must be relaxed, simd or scalar, got '${String(options.build)}'`);
    return options.build;
  }
  const env = process.env.LOPPER_WASM;
  if (env !== undefined && env !== '') {
    if (!Object.hasOwn(FILES, env)) throw new Error(`lopper: LOPPER_WASM must be relaxed, simd or scalar, got '${env}'`);
    return env as KernelBuild;
  }
  return nodeKernelBuild();
}

/** Path of a built wasm module inside the installed package (default: the one loaded by default). */
export function wasmPath(options: NodeKernelOptions = {}): string {
  return fileURLToPath(import.meta.resolve(`lopper/wasm/${FILES[chooseBuild(options)]}`));
}

const RANK: Record<KernelBuild, number> = { scalar: 0, simd: 1, relaxed: 2 };

export async function loadNodeKernels(options: NodeKernelOptions = {}): Promise<Kernels> {
  const build = chooseBuild(options);
  if (build !== 'scalar') {
    const best = nodeKernelBuild();
    if (RANK[build] > RANK[best]) {
      throw new Error(`lopper: this Node (V8 ${process.versions.v8}) cannot run the ${build} build: its WebAssembly ` +
        `rejects ${build === 'relaxed' ? 'f32x4.relaxed_madd' : 'SIMD'}; the fastest build it runs is '${best}'`);
    }
  }
  const path = wasmPath({ build });
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`lopper: cannot read the wasm kernels at ${path} (run \`npm run build\`): ${(e as Error).message}`);
  }
  return loadKernels(bytes);
}
