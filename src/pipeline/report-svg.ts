// Small inline-SVG charts for report.html: line charts, horizontal grouped bars and the frame of
// one-bar-per-row charts, drawn as plain strings (no DOM, no scripts, no external fonts), plus HTML
// escaping and the plain pages' shell. Not a charting library: only what the reports need.

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Categorical colours (Tableau 10); past ten, series repeat them with a dash pattern. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

/** Colour and dash of the i-th series. */
export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
}

export interface Point {
  x: number;
  y: number;
  /** Hover text (an SVG <title>). */
  title?: string;
  /** Marker colour, when it differs from the line's. */
  color?: string;
}

export interface Series {
  name: string;
  color: string;
  dash?: string;
  points: Point[];
  /** Draw a dot at each point (default true). */
  markers?: boolean;
}

export interface Axis {
  label: string;
  format: (v: number) => string;
  /** Fixed bounds; by default the data's, widened to round ticks. */
  min?: number;
  max?: number;
  /** Include 0 in the range. */
  zero?: boolean;
  /** Integer ticks only (e.g. step numbers). */
  integer?: boolean;
}

export interface LineChartSpec {
  /** Names the chart for screen readers. */
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  /** Horizontal reference lines (e.g. the dense model's accuracy). */
  guides?: { y: number; label: string }[];
  width?: number;
  height?: number;
}

const M = { top: 14, right: 18, bottom: 44, left: 66 };
const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Round tick values covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.05;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(+(lo + i * step).toPrecision(12));
  return ticks;
}

/**
 * The range an axis shows and its ticks. A value axis widens to round ticks; a `tight` one (x)
 * spans the data exactly, with the round ticks inside it (every integer when there are few).
 */
function domain(values: number[], axis: Axis, tight = false): { lo: number; hi: number; ticks: number[] } {
  const finite = values.filter(Number.isFinite);
  if (axis.zero) finite.push(0);
  let lo = axis.min ?? (finite.length ? Math.min(...finite) : 0);
  let hi = axis.max ?? (finite.length ? Math.max(...finite) : 1);
  if (hi === lo) {
    const pad = tight ? (axis.integer ? 0.5 : 1) : lo === 0 ? 1 : Math.abs(lo) * 0.05;
    if (axis.min === undefined) lo -= pad;
    if (axis.max === undefined || hi === lo) hi += pad;
  }
  let ticks = niceTicks(lo, hi, 5, axis.integer);
  if (tight && axis.integer && hi - lo <= 12) ticks = Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, i) => Math.ceil(lo) + i);
  if (!tight && axis.min === undefined) lo = ticks[0];
  if (!tight && axis.max === undefined) hi = ticks[ticks.length - 1];
  return { lo, hi, ticks: ticks.filter((t) => t >= lo - 1e-9 && t <= hi + 1e-9) };
}

/** A line chart with axes, grid, optional guides and per-point hover titles. */
export function lineChart(spec: LineChartSpec): string {
  const W = spec.width ?? 560;
  const H = spec.height ?? 300;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const xd = domain(all.map((p) => p.x), spec.x, true);
  const yd = domain([...all.map((p) => p.y), ...(spec.guides ?? []).map((g) => g.y)], spec.y);
  const X = (v: number) => M.left + ((v - xd.lo) / (xd.hi - xd.lo)) * pw;
  const Y = (v: number) => M.top + ph - ((v - yd.lo) / (yd.hi - yd.lo)) * ph;
  const out: string[] = [];
  out.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}">`);
  out.push(`<title>${esc(spec.title)}</title>`);
  for (const t of yd.ticks) {
    out.push(`<line class="grid" x1="${M.left}" x2="${M.left + pw}" y1="${f1(Y(t))}" y2="${f1(Y(t))}"/>`);
    out.push(`<text class="tick" x="${M.left - 6}" y="${f1(Y(t) + 4)}" text-anchor="end">${esc(spec.y.format(t))}</text>`);
  }
  for (const t of xd.ticks) {
    out.push(`<line class="tickmark" x1="${f1(X(t))}" x2="${f1(X(t))}" y1="${M.top + ph}" y2="${M.top + ph + 4}"/>`);
    out.push(`<text class="tick" x="${f1(X(t))}" y="${M.top + ph + 17}" text-anchor="middle">${esc(spec.x.format(t))}</text>`);
  }
  out.push(`<line class="axis" x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}"/>`);
  out.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}"/>`);
  out.push(`<text class="label" x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(spec.x.label)}</text>`);
  out.push(`<text class="label" transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.y.label)}</text>`);
  for (const g of spec.guides ?? []) {
    if (!Number.isFinite(g.y)) continue;
    out.push(`<line class="guide" x1="${M.left}" x2="${M.left + pw}" y1="${f1(Y(g.y))}" y2="${f1(Y(g.y))}"><title>${esc(g.label)}</title></line>`);
    out.push(`<text class="guide-label" x="${M.left + pw - 4}" y="${f1(Y(g.y) - 5)}" text-anchor="end">${esc(g.label)}</text>`);
  }
  for (const s of spec.series) {
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f1(X(p.x))} ${f1(Y(p.y))}`;
      pen = true;
    }
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (d) out.push(`<path class="line" d="${d}" stroke="${esc(s.color)}"${dash}><title>${esc(s.name)}</title></path>`);
    if (s.markers === false) continue;
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      const title = p.title ?? `${s.name}: ${spec.y.format(p.y)} at ${spec.x.format(p.x)}`;
      out.push(`<circle cx="${f1(X(p.x))}" cy="${f1(Y(p.y))}" r="3.5" fill="${esc(p.color ?? s.color)}"><title>${esc(title)}</title></circle>`);
    }
  }
  out.push('</svg>');
  return out.join('');
}

export interface BarChartSpec {
  title: string;
  categories: string[];
  series: { name: string; color: string; values: number[] }[];
  /** Value axis from 0 to max (default: the largest value). */
  max?: number;
  format: (v: number) => string;
  label: string;
  width?: number;
}

/** Horizontal grouped bars: one row per category, one bar per series, the value written beside it. */
export function barChart(spec: BarChartSpec): string {
  const W = spec.width ?? 760;
  const bar = 11;
  const gap = 2;
  const rowPad = 9;
  const row = spec.series.length * (bar + gap) - gap + rowPad * 2;
  const longest = Math.max(0, ...spec.categories.map((c) => c.length));
  const left = Math.min(190, Math.max(60, 12 + longest * 7));
  const right = 64;
  const top = 8;
  const pw = W - left - right;
  const H = top + row * spec.categories.length + 36;
  const max = spec.max ?? Math.max(1e-12, ...spec.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const ticks = niceTicks(0, max, 4).filter((t) => t <= max + 1e-9);
  const X = (v: number) => left + (Math.max(0, Math.min(v, max)) / max) * pw;
  const bottom = top + row * spec.categories.length;
  const out: string[] = [];
  out.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}">`);
  out.push(`<title>${esc(spec.title)}</title>`);
  for (const t of ticks) {
    out.push(`<line class="grid" x1="${f1(X(t))}" x2="${f1(X(t))}" y1="${top}" y2="${bottom}"/>`);
    out.push(`<text class="tick" x="${f1(X(t))}" y="${bottom + 15}" text-anchor="middle">${esc(spec.format(t))}</text>`);
  }
  out.push(`<text class="label" x="${left + pw / 2}" y="${H - 4}" text-anchor="middle">${esc(spec.label)}</text>`);
  spec.categories.forEach((name, i) => {
    const y0 = top + i * row;
    if (i % 2 === 1) out.push(`<rect class="band" x="0" y="${y0}" width="${W}" height="${row}"/>`);
    const shown = name.length > 26 ? `${name.slice(0, 25)}…` : name;
    out.push(`<text class="cat" x="${left - 8}" y="${f1(y0 + row / 2 + 4)}" text-anchor="end">${esc(shown)}<title>${esc(name)}</title></text>`);
    spec.series.forEach((s, j) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) return;
      const y = y0 + rowPad + j * (bar + gap);
      const w = Math.max(0, X(v) - left);
      out.push(`<rect x="${left}" y="${y}" width="${f1(Math.max(w, 0.5))}" height="${bar}" fill="${esc(s.color)}"><title>${esc(`${name} · ${s.name}: ${spec.format(v)}`)}</title></rect>`);
      out.push(`<text class="value" x="${f1(left + w + 4)}" y="${y + bar - 2}">${esc(spec.format(v))}</text>`);
    });
  });
  out.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/>`);
  out.push('</svg>');
  return out.join('');
}

export interface RowChartFrame {
  /** Value → x coordinate (0 at the left axis). */
  X: (v: number) => number;
  /** Top edge of row i's bar. */
  barTop: (i: number) => number;
  /** The chart: the frame around these bars' markup. */
  finish: (bars: readonly string[]) => string;
}

/**
 * The frame of a chart with one horizontal bar per row (the size waterfall, the stacked latency
 * bars): vertical grid with value ticks from 0 to `max`, the axis label, each row's label right-aligned
 * in the left margin, the left axis. The caller draws the bars at X(value) and barTop(i).
 */
export function rowChartFrame(o: {
  title: string; rows: readonly string[]; max: number; format: (v: number) => string; label: string;
  width: number; left: number; right: number; bar: number; row: number;
}): RowChartFrame {
  const top = 8;
  const pw = o.width - o.left - o.right;
  const bottom = top + o.row * o.rows.length;
  const H = bottom + 36;
  const X = (v: number) => o.left + (v / o.max) * pw;
  const barTop = (i: number) => top + i * o.row + (o.row - o.bar) / 2;
  const head = [`<svg class="chart" viewBox="0 0 ${o.width} ${H}" role="img" aria-label="${esc(o.title)}"><title>${esc(o.title)}</title>`];
  for (const t of niceTicks(0, o.max, 5).filter((t) => t <= o.max * (1 + 1e-9))) {
    head.push(`<line class="grid" x1="${X(t).toFixed(1)}" x2="${X(t).toFixed(1)}" y1="${top}" y2="${bottom}"/>`);
    head.push(`<text class="tick" x="${X(t).toFixed(1)}" y="${bottom + 15}" text-anchor="middle">${esc(o.format(t))}</text>`);
  }
  head.push(`<text class="label" x="${o.left + pw / 2}" y="${H - 4}" text-anchor="middle">${esc(o.label)}</text>`);
  o.rows.forEach((name, i) => head.push(`<text class="cat" x="${o.left - 8}" y="${(barTop(i) + o.bar / 2 + 4).toFixed(1)}" text-anchor="end">${esc(name)}</text>`));
  const finish = (bars: readonly string[]) => `${head.join('')}${bars.join('')}<line class="axis" x1="${o.left}" x2="${o.left}" y1="${top}" y2="${bottom}"/></svg>`;
  return { X, barTop, finish };
}

/** An HTML legend: a short line (with its dash) or a dot per entry. */
export function legend(entries: { name: string; color: string; dash?: string; dot?: boolean }[]): string {
  const items = entries.map((e) => {
    const mark = e.dot
      ? `<svg class="swatch" viewBox="0 0 12 12" width="12" height="12"><circle cx="6" cy="6" r="4.5" fill="${esc(e.color)}"/></svg>`
      : `<svg class="swatch" viewBox="0 0 26 12" width="26" height="12"><line x1="1" x2="25" y1="6" y2="6" stroke="${esc(e.color)}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${esc(e.dash)}"` : ''}/></svg>`;
    return `<li>${mark}${esc(e.name)}</li>`;
  });
  return `<ul class="legend">${items.join('')}</ul>`;
}

// The style of the plain report pages (the latency page and the .lop size page).
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

/** A self-contained HTML page (no scripts, nothing fetched): the reports' one shell. */
export function htmlPage(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lopper">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
