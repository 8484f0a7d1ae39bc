// Merges the parts experiments/criteria.ts wrote (one per model or criterion, run at different
// budgets) into experiments/results/criteria.json, keeping each part's command and settings.
//   node --import tsx experiments/criteria-merge.ts part.json[:rename=from>to] … [--out experiments/results/criteria.json]
// `rename` relabels a criterion in that part (records made before a criterion changed).
import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../src/node/data.js';

const args = process.argv.slice(2);
const at = args.indexOf('--out');
const out = at >= 0 ? args[at + 1] : 'experiments/results/criteria.json';
const parts = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--out');
const records: Record<string, unknown>[] = [];
const heads: Record<string, unknown>[] = [];
for (const part of parts) {
  const [file, rename] = part.split(':rename=');
  const json = JSON.parse(await readFile(file, 'utf8')) as { records: Record<string, unknown>[]; command: string; settings: unknown; versions: unknown; date: string };
  const [from, to] = rename ? rename.split('>') : [];
  heads.push({ file, command: json.command, settings: json.settings, versions: json.versions, date: json.date, ...(rename ? { renamed: { from, to } } : {}) });
  for (const r of json.records) records.push({ ...r, ...(rename && r.criterion === from ? { criterion: to } : {}), part: file });
}
await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
  experiment: 'criteria', date: new Date().toISOString(),
  command: `node --import tsx experiments/criteria-merge.ts ${args.join(' ')}`, parts: heads, records,
}, null, 2) + '\n'));
console.log(`wrote ${out}: ${records.length} records from ${parts.length} parts`);
