// Node-only: loads lopper's wasm kernels from the package's build/ folder.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadKernels, type Kernels } from '../kernels/kernels.js';

export interface NodeKernelOptions {
  /** Load the scalar build (no SIMD) instead of the SIMD one. */
  scalar?: boolean;
}

/** Path of the built wasm module inside the installed package. */
export function wasmPath(options: NodeKernelOptions = {}): string {
  const name = options.scalar ? 'lopper-scalar.wasm' : 'lopper.wasm';
  return fileURLToPath(import.meta.resolve(`lopper/wasm/${name}`));
}

export async function loadNodeKernels(options: NodeKernelOptions = {}): Promise<Kernels> {
  const path = wasmPath(options);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`lopper: cannot read the wasm kernels at ${path} (run \`npm run build\`): ${(e as Error).message}`);
  }
  return loadKernels(bytes);
}
