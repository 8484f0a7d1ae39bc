// `npm run bench -- <suite> [--quick]`: runs a bench suite, prints its table and writes
// bench/results/<suite>.json. --quick uses small sizes to check the bench itself works.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { BenchRecord } from './lib/measure.js';

export interface SuiteOptions {
  quick: boolean;
}

const suites: Record<string, () => Promise<{ run(o: SuiteOptions): Promise<{ records: BenchRecord[]; versions: Record<string, string> }> }>> = {
  kernels: () => import('./kernels.js'),
  train: () => import('./train.js'),
  prune: () => import('./prune.js'),
  ceiling: () => import('./ceiling.js'),
  stats: () => import('./stats.js'),
  thinet: () => import('./thinet.js'),
  sparse: () => import('./sparse.js'),
  int8: () => import('./int8.js'),
  slim: () => import('./slim.js'),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !(n in suites));
if (names.length === 0 || unknown.length > 0) {
  console.error(`bench: ${unknown.length ? `unknown suite ${unknown.map((n) => `'${n}'`).join(', ')}; ` : ''}` +
    `choose from: ${Object.keys(suites).join(', ')} (add --quick for small sizes)`);
  process.exit(2);
}

for (const name of names) {
  const suite = await suites[name]();
  console.log(`\n# bench ${name}${quick ? ' (quick)' : ''}\n`);
  const { records, versions } = await suite.run({ quick });
  const out = new URL(`./results/${name}${quick ? '-quick' : ''}.json`, import.meta.url);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  const json = {
    suite: name,
    date: new Date().toISOString(),
    quick,
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
    versions,
    records,
  };
  const tmp = new URL(`${out.pathname}.tmp`, 'file://');
  await writeFile(tmp, JSON.stringify(json, null, 2) + '\n');
  await rename(tmp, out);
  console.log(`\nwrote ${out.pathname}`);
}
