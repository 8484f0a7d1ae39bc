// The latency decomposition as a page (DeepRebirth's Figure 2): one stacked bar per model and
// batch size, a segment per kind of layer (conv, dense, pooling, LRN, batch norm, activations,
// concat, other), before and after slimming; a self-contained HTML page (inline SVG, no scripts).

import type { LatencyProfile } from '../slim/profile.js';
import { esc, htmlPage, legend, PAGE_CSS, PALETTE, rowChartFrame } from './report-svg.js';

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
  const bar = 18;
  const { X, barTop, finish } = rowChartFrame({
    title, rows: rows.map((r) => r.label), max: Math.max(1e-9, ...totals), format: (t) => String(+t.toPrecision(3)),
    label: "milliseconds per forward pass (sum of the layers' medians)", width,
    left: Math.min(220, Math.max(80, 12 + Math.max(...rows.map((r) => r.label.length)) * 7)), right: 170, bar, row: 30,
  });
  return finish(rows.flatMap((r, i) => {
    const y = barTop(i);
    const out: string[] = [];
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
    return out;
  }));
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
