// `lopper kernels`: loads the wasm kernels and says which build this host runs.

import type { Command } from 'commander';
import { loadNodeKernels, wasmPath } from '../node/kernels.js';
import type { KernelBuild } from '../kernels/kernels.js';
import { choice } from './options.js';

const BUILDS = ['relaxed', 'simd', 'scalar'] as const;
const NAMES: Record<KernelBuild, string> = { relaxed: 'relaxed-SIMD', simd: 'SIMD', scalar: 'scalar' };

export function kernelsCommand(program: Command): void {
  program
    .command('kernels')
    .description('load the wasm kernels and say which build this host runs')
    .option('--build <build>', `load this build (${BUILDS.join(', ')}) instead of the fastest the host runs; $LOPPER_WASM also chooses`,
      choice('--build', BUILDS))
    .action(async (options: { build?: KernelBuild }) => {
      const k = await loadNodeKernels({ build: options.build });
      console.log(`${wasmPath({ build: k.build })}: ${NAMES[k.build]} build, ` +
        `${Object.keys(k.wasm).filter((n) => n.startsWith('f32_')).length} kernels`);
    });
}
