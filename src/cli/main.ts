#!/usr/bin/env node
// The `lopper` command line. Node-only; the commands themselves live beside this file.

import { Command } from 'commander';
import { createRequire } from 'node:module';
import { loadNodeKernels, wasmPath } from '../node/kernels.js';

const { version } = createRequire(import.meta.url)('lopper/package.json') as { version: string };

const program = new Command('lopper')
  .description('Prune and compress neural networks anywhere JavaScript runs.')
  .version(version);

program
  .command('kernels')
  .description('load the wasm kernels and say which build this host runs')
  .option('--scalar', 'load the scalar build instead of the SIMD one')
  .action(async (options: { scalar?: boolean }) => {
    const k = await loadNodeKernels({ scalar: options.scalar });
    console.log(`${wasmPath({ scalar: options.scalar })}: ${k.simd ? 'SIMD' : 'scalar'} build, ` +
      `${Object.keys(k.wasm).filter((n) => n.startsWith('f32_')).length} kernels`);
  });

await program.parseAsync();
