// `lopper kernels`: loads the wasm kernels and says which build this host runs.

import type { Command } from 'commander';
import { loadNodeKernels, wasmPath } from '../node/kernels.js';

export function kernelsCommand(program: Command): void {
  program
    .command('kernels')
    .description('load the wasm kernels and say which build this host runs')
    .option('--scalar', 'load the scalar build instead of the SIMD one')
    .action(async (options: { scalar?: boolean }) => {
      const k = await loadNodeKernels({ scalar: options.scalar });
      console.log(`${wasmPath({ scalar: options.scalar })}: ${k.simd ? 'SIMD' : 'scalar'} build, ` +
        `${Object.keys(k.wasm).filter((n) => n.startsWith('f32_')).length} kernels`);
    });
}
