// The portable suite on Node, through the package as Node resolves it ('lopper/node'): prints the
// results as JSON (the reference the other hosts are compared with). `--no-pool` runs on this thread.

import { readFile } from 'node:fs/promises';
import * as L from 'lopper/node';
import { runSuite } from './suite.js';

const pooled = !process.argv.includes('--no-pool');
const results = await runSuite(L, {
  name: 'node',
  wasm: await readFile(L.wasmPath({ build: 'simd' })),
  pool: () => (pooled ? L.createNodePool({ workers: 2 }) : undefined),
});
process.stdout.write(JSON.stringify(results));
