// The latency decomposition of experiments/results/deeprebirth[-T].json as stacked bars (one
// page): every step of each net, at batch 1 and 8, for one seed (default: the first).
//   node --import tsx experiments/deeprebirth-report.ts [--tag T] [--seed N]
// Writes experiments/results/deeprebirth[-T].html.

import { readFile } from 'node:fs/promises';
import { writeAtomic } from '../src/node/data.js';
import { renderLatencyReport, type LatencyRow } from '../src/pipeline/report-latency.js';
import type { LatencyProfile } from '../src/slim/profile.js';
import { flag } from './lib/han-cases.js';

const args = process.argv.slice(2);
const tag = flag(args, 'tag', '');
const base = `experiments/results/deeprebirth${tag ? `-${tag}` : ''}`;
const json = JSON.parse(await readFile(`${base}.json`, 'utf8')) as { profiles: (LatencyProfile & { seed: number; step: string })[] };
const seed = Number(flag(args, 'seed', String(json.profiles[0]?.seed ?? 1)));
const mine = json.profiles.filter((p) => p.seed === seed);
const rows: LatencyRow[] = mine.map((p) => ({ label: `${p.model} · ${p.step}`, profile: p }));
await writeAtomic(`${base}.html`, new TextEncoder().encode(renderLatencyReport(`DeepRebirth on Fashion-MNIST, seed ${seed}`, rows)));
console.log(`wrote ${base}.html (${rows.length} bars)`);
