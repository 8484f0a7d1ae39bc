// The latency decomposition as a page (DeepRebirth's Figure 2): one stacked bar per model and
// batch size, a segment per kind of layer (conv, dense, pooling, LRN, batch norm, activations,
// concat, other), before and after slimming; a self-contained HTML page (inline SVG, no scripts).

import type { LatencyProfile } from '../slim/profile.js';
import { esc, htmlPage, legend, niceTicks, PALETTE } from './report-svg.js';

/** Kinds of layer, tensor ones first, each with the ops it covers. */
export const LAYER_KINDS: readonly { kind: string; ops: readonly string[] }[] = [
  { kind: 'conv', ops: ['Conv2d'] },
  { kind: 'dense', ops: ['Dense'] },
  { kind: 'pooling', ops: ['MaxPool2d', 'AvgPool2d', 'GlobalAvgPool'] },
  { kind: 'LRN', ops: ['Lrn'] },
  { kind: 'batch norm', ops: ['BatchNorm'] },
  { kind: 'activation', ops: ['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'HardSigmoid', 'HardSwish', 'Maxout', 'Softmax', 'LogSoftmax'] },
  { kind: 'concat', ops: ['Concat'] },
  { kind: 'other', ops: [] },
];

export function layerKind(op: string): string {
  return LAYER_KINDS.find((k) => k.ops.includes(op))?.kind ?? 'other';
}

/** Milliseconds per layer kind of one profile (kinds with no layer are 0). */
export function byKind(p: LatencyProfile): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(LAYER_KINDS.map((k) => [k.kind, 0]));
  for (const l of p.layers) out[layerKind(l.op)] += l.ms;
  return out;
}

export interface LatencyRow {
  /** What the bar shows, e.g. "original" or "slimmed". */
  label: string;
  profile: LatencyProfile;
}

/** Horizontal stacked bars, one per row, segments by layer kind, the row's total beside it. */
export function stackedLatencyChart(title: string, rows: readonly LatencyRow[], width = 760): string {
  const kinds = LAYER_KINDS.map((k) => k.kind);
  const parts = rows.map((r) => byKind(r.profile));
  const totals = parts.map((p) => kinds.reduce((s, k) => s + p[k], 0));
  const max = Math.max(1e-9, ...totals);
  const left = Math.min(220, Math.max(80, 12 + Math.max(...rows.map((r) => r.label.length)) * 7));
  const right = 170;
  const bar = 18;
  const row = 30;
  const top = 8;
  const pw = width - left - right;
  const bottom = top + row * rows.length;
  const H = bottom + 36;
  const X = (v: number) => left + (v / max) * pw;
  const out: string[] = [`<svg class="chart" viewBox="0 0 ${width} ${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`];
  for (const t of niceTicks(0, max, 5).filter((t) => t <= max + 1e-12)) {
    out.push(`<line class="grid" x1="${X(t).toFixed(1)}" x2="${X(t).toFixed(1)}" y1="${top}" y2="${bottom}"/>`);
    out.push(`<text class="tick" x="${X(t).toFixed(1)}" y="${bottom + 15}" text-anchor="middle">${esc(+t.toPrecision(3))}</text>`);
  }
  out.push(`<text class="label" x="${left + pw / 2}" y="${H - 4}" text-anchor="middle">milliseconds per forward pass (sum of the layers' medians)</text>`);
  rows.forEach((r, i) => {
    const y = top + i * row + (row - bar) / 2;
    out.push(`<text class="cat" x="${left - 8}" y="${(y + bar / 2 + 4).toFixed(1)}" text-anchor="end">${esc(r.label)}</text>`);
    let at = 0;
    kinds.forEach((k, j) => {
      const ms = parts[i][k];
      if (ms <= 0) return;
      out.push(`<rect x="${X(at).toFixed(2)}" y="${y}" width="${Math.max(0.5, X(at + ms) - X(at)).toFixed(2)}" height="${bar}" fill="${PALETTE[j % PALETTE.length]}">` +
        `<title>${esc(`${r.label} · ${k}: ${ms.toFixed(3)} ms (${((100 * ms) / totals[i]).toFixed(1)}%)`)}</title></rect>`);
      at += ms;
    });
    const nonTensor = totals[i] > 0 ? (100 * r.profile.nonTensorMs) / totals[i] : 0;
    out.push(`<text class="value" x="${(X(totals[i]) + 5).toFixed(1)}" y="${(y + bar / 2 + 4).toFixed(1)}">${esc(`${totals[i].toFixed(3)} ms, ${nonTensor.toFixed(0)}% non-tensor`)}</text>`);
  });
  out.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/></svg>`);
  return out.join('');
}

/** A page with one stacked-bar chart per batch size and a per-layer table per row. */
export function renderLatencyReport(title: string, rows: readonly LatencyRow[]): string {
  const batches = [...new Set(rows.map((r) => r.profile.batch))];
  const key = legend(LAYER_KINDS.map((k, j) => ({ name: k.kind, color: PALETTE[j % PALETTE.length], dot: true })));
  const charts = batches.map((b) => `<figure>${stackedLatencyChart(`${title}, batch ${b}`, rows.filter((r) => r.profile.batch === b))}<figcaption>batch ${esc(b)}</figcaption></figure>`);
  const tables = rows.map((r) => `<details><summary>${esc(r.label)}, batch ${esc(r.profile.batch)}: ${r.profile.layers.length} layers, ` +
    `${r.profile.totalMs.toFixed(3)} ms untimed forward</summary><table><thead><tr><th>layer</th><th>op</th><th>kind</th><th>ms</th></tr></thead><tbody>` +
    r.profile.layers.map((l) => `<tr><td>${esc(l.name)}</td><td>${esc(l.op)}</td><td>${l.tensor ? 'tensor' : 'non-tensor'}</td><td>${l.ms.toFixed(4)}</td></tr>`).join('') +
    '</tbody></table></details>');
  return htmlPage(`lopper latency: ${title}`, PAGE_CSS, `<h1>${esc(title)}</h1>
<p class="note">Where a forward pass spends its time, by kind of layer: tensor layers (conv, dense) and the non-tensor ones DeepRebirth merges away. Each layer's median over timed runs.</p>
${key}
${charts.join('\n')}
<h2>Per layer</h2>
${tables.join('\n')}
<footer>Made by lopper. This page needs no network: charts are inline SVG.</footer>`);
}

// The style of the plain report pages (this one and the .lop size page).
export const PAGE_CSS = `
body{margin:0;color:#1f2937;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}
.note,figcaption,footer{color:#6b7280;font-size:13px}
figure{margin:8px 0 18px}
.chart{width:100%;height:auto;display:block}
.chart text{font-size:11.5px;fill:#1f2937}.chart .tick,.chart .label,.chart .value{fill:#6b7280}
.chart .grid{stroke:#e5e7eb}.chart .axis{stroke:#9ca3af}
.legend{list-style:none;padding:0;margin:8px 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12.5px}
.legend li{display:flex;align-items:center;gap:6px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:6px 0 12px}
th,td{padding:2px 10px;border-bottom:1px solid #e5e7eb;text-align:left}
td:last-child{text-align:right}
footer{margin-top:30px;border-top:1px solid #e5e7eb;padding-top:8px}
`;
