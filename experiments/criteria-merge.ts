// Merges the parts experiments/criteria.ts (or thinet.ts, with --experiment thinet) wrote, one per
// model or criterion, run at different budgets, into experiments/results/<experiment>.json,
// keeping each part's command, settings and every other field but its records.
//   node --import tsx experiments/criteria-merge.ts part.json[:rename=from>to] … [--experiment criteria]
//     [--out experiments/results/<experiment>.json]
// `rename` relabels a criterion in that part (records made before a criterion changed).
import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../src/node/data.js';

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const experiment = value('--experiment', 'criteria');
const out = value('--out', `experiments/results/${experiment}.json`);
const parts = args.filter((a, i) => !a.startsWith('--') && !['--out', '--experiment'].includes(args[i - 1]));
const records: Record<string, unknown>[] = [];
const heads: Record<string, unknown>[] = [];
for (const part of parts) {
  const [file, rename] = part.split(':rename=');
  const { records: partRecords, ...head } = JSON.parse(await readFile(file, 'utf8')) as { records: Record<string, unknown>[] };
  const [from, to] = rename ? rename.split('>') : [];
  heads.push({ file, ...head, ...(rename ? { renamed: { from, to } } : {}) });
  for (const r of partRecords) records.push({ ...r, ...(rename && r.criterion === from ? { criterion: to } : {}), part: file });
}
await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
  experiment, date: new Date().toISOString(),
  command: `node --import tsx experiments/criteria-merge.ts ${args.join(' ')}`, parts: heads, records,
}, null, 2) + '\n'));
console.log(`wrote ${out}: ${records.length} records from ${parts.length} parts`);
