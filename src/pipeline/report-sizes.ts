// The size of a .lop file as a page: a waterfall of the bytes at each Deep Compression stage
// (dense f32 → pruned → shared → Huffman, what each stage saves shaded) and the size per layer and
// part; self-contained HTML (inline SVG, no scripts).

import type { StageBytes, SizeStage } from '../compress/sizes.js';
import { esc, htmlPage, PAGE_CSS, PALETTE, rowChartFrame } from './report-svg.js';

const STAGE_NAMES: Record<SizeStage, string> = {
  dense: 'dense f32',
  pruned: 'pruned (relative index, f32 values)',
  shared: 'shared (codebooks, fixed-width indices)',
  huffman: 'Huffman coded (the .lop file)',
};

// As the CLI's tables write sizes (src/cli/output.ts bytes): 1 kB = 1024 B.
const kB = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} kB` : `${b} B`);

/** One bar per stage from 0 to its bytes, the part the stage removed from the one before shaded. */
export function waterfallChart(title: string, stages: readonly StageBytes[], width = 760): string {
  const bar = 20;
  const names = stages.map((s) => STAGE_NAMES[s.stage]);
  const { X, barTop, finish } = rowChartFrame({ title, rows: names, max: Math.max(1, ...stages.map((s) => s.bytes)), format: kB, label: 'bytes', width, left: 270, right: 150, bar, row: 32 });
  return finish(stages.flatMap((s, i) => {
    const y = barTop(i);
    const before = i > 0 ? stages[i - 1].bytes : s.bytes;
    const out = [`<rect x="${X(0)}" y="${y}" width="${Math.max(0.5, X(s.bytes) - X(0)).toFixed(2)}" height="${bar}" fill="${PALETTE[0]}"><title>${esc(`${names[i]}: ${s.bytes} bytes`)}</title></rect>`];
    if (before > s.bytes) {
      out.push(`<rect x="${X(s.bytes).toFixed(2)}" y="${y}" width="${(X(before) - X(s.bytes)).toFixed(2)}" height="${bar}" fill="${PALETTE[0]}" opacity="0.18"><title>${esc(`saved by this stage: ${before - s.bytes} bytes`)}</title></rect>`);
    }
    out.push(`<text class="value" x="${(X(Math.max(before, s.bytes)) + 5).toFixed(1)}" y="${y + bar / 2 + 4}">${esc(`${kB(s.bytes)} · ${(stages[0].bytes / s.bytes).toFixed(1)}×`)}</text>`);
    return out;
  }));
}

/** The page: the waterfall, then a table of the bytes per layer and part (header row first). */
export function renderSizeReport(title: string, stages: readonly StageBytes[], parts: readonly string[][]): string {
  const [head, ...rows] = parts;
  const last = stages[stages.length - 1];
  return htmlPage(`lopper sizes: ${title}`, PAGE_CSS, `<h1>${esc(title)}</h1>
<p class="note">Bytes at each stage of Deep Compression (Han, Mao &amp; Dally 2016), for this file's architecture: ${esc(kB(last.bytes))} on disk, ${esc((stages[0].bytes / last.bytes).toFixed(1))}× smaller than its parameters as dense f32. Shaded: what each stage saved.</p>
<figure>${waterfallChart(title, stages)}</figure>
<h2>Per layer and part</h2>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
<footer>Made by lopper. This page needs no network: the chart is inline SVG.</footer>`);
}
