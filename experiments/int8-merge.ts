// Merges int8 result files into experiments/results/int8.json: records keyed by (model, pruned,
// seed, method), a later file's record replacing an earlier one's; each file's command is kept.
//   node --import tsx experiments/int8-merge.ts results/int8-a.json results/int8-b.json …

import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../src/node/data.js';

interface Run { model: string; pruned: boolean; seed: number; method: string }
const files = process.argv.slice(2);
if (files.length === 0) throw new RangeError('int8-merge: give the result files to merge');
const byKey = new Map<string, Run>();
const sources: { file: string; command: string; date: string; versions: unknown }[] = [];
for (const file of files) {
  const json = JSON.parse(await readFile(new URL(file, import.meta.url), 'utf8'));
  sources.push({ file, command: json.command, date: json.date, versions: json.versions });
  for (const r of json.records as Run[]) byKey.set(`${r.model}|${r.pruned}|${r.seed}|${r.method}`, r);
}
const records = [...byKey.values()].sort((a, b) => a.model.localeCompare(b.model) || +a.pruned - +b.pruned || a.seed - b.seed);
const out = new URL('./results/int8.json', import.meta.url).pathname;
await writeAtomic(out, new TextEncoder().encode(`${JSON.stringify({ experiment: 'int8', date: new Date().toISOString(), command: `node --import tsx experiments/int8-merge.ts ${files.join(' ')}`, sources, records }, null, 2)}\n`));
console.log(`wrote ${out}: ${records.length} records from ${files.length} files`);
