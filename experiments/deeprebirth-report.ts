// The latency decomposition of experiments/results/deeprebirth[-T].json as stacked bars (one
// page): every step of each net, at batch 1 and 8, for one seed (default: the first).
//   node --import tsx experiments/deeprebirth-report.ts [--tag T] [--seed N]
// Writes experiments/results/deeprebirth[-T].html, and prints per net and step the speed-up over
// the original by the sum of the layers' medians (steadier on a loaded machine than the untimed
// totals the JSON's summary uses), mean over seeds.

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
const sum = (p: LatencyProfile) => p.tensorMs + p.nonTensorMs;
const keys = [...new Set(json.profiles.map((p) => `${p.model}|${p.step}`))];
console.log('net              step        batch  layer-sum ms  speed-up (mean over seeds)');
for (const key of keys) {
  const [model, step] = key.split('|');
  for (const batch of [...new Set(json.profiles.map((p) => p.batch))]) {
    const mine = json.profiles.filter((p) => p.model === model && p.step === step && p.batch === batch);
    const ups = mine.map((p) => sum(json.profiles.find((o) => o.model === model && o.seed === p.seed && o.batch === batch && o.step === 'original')!) / sum(p));
    const ms = mine.reduce((a, p) => a + sum(p), 0) / mine.length;
    console.log(`${model.padEnd(16)} ${step.padEnd(11)} ${String(batch).padStart(5)}  ${ms.toFixed(3).padStart(12)}  ${(ups.reduce((a, b) => a + b, 0) / ups.length).toFixed(2)}× (${mine.length} seeds)`);
  }
}
