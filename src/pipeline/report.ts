// report.html from a pruning run's History: one self-contained page (inline CSS and SVG, no
// scripts, no network) with the run's settings, accuracy and size over the steps, per-layer
// sparsity, sensitivity curves and the table of steps. Core code: no Node built-ins.

import type { History, HistoryStep, Phase, Sensitivity, ThinetRecord } from './history.js';
import { barChart, esc, htmlPage, legend, lineChart, seriesStyle } from './report-svg.js';

const PHASE_COLORS: Record<Phase, string> = {
  dense: '#6b7280', prune: '#e15759', retrain: '#4e79a7', remove: '#f28e2b', final: '#59a14f',
};
const PHASES = Object.keys(PHASE_COLORS) as Phase[];

/** Checks that `value` (e.g. parsed JSON) is a History; errors name the field ("steps[2].accuracy …"). */
export function checkHistory(value: unknown, where = 'history'): History {
  const fail = (path: string, want: string, got: unknown): never => {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60) ?? String(got);
    throw new TypeError(`${where}: ${path} must be ${want}, got ${shown}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : fail(path, 'an object', v));
  const str = (v: unknown, path: string) => (typeof v === 'string' ? v : fail(path, 'a string', v));
  const num = (v: unknown, path: string) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a number', v));
  const arr = (v: unknown, path: string) => (Array.isArray(v) ? v : fail(path, 'an array', v));

  const h = obj(value, 'the history');
  str(h.model, 'model');
  str(h.dataset, 'dataset');
  str(h.method, 'method');
  if (h.seed !== undefined) num(h.seed, 'seed');
  if (h.settings !== undefined) obj(h.settings, 'settings');
  if (h.versions !== undefined) obj(h.versions, 'versions');
  arr(h.steps, 'steps').forEach((s, i) => {
    const p = `steps[${i}]`;
    const step = obj(s, p);
    if (!PHASES.includes(step.phase as Phase)) fail(`${p}.phase`, `one of ${PHASES.join(', ')}`, step.phase);
    for (const k of ['step', 'iteration', 'nonzeroParams', 'params', 'flops', 'sparsity', 'accuracy'] as const) num(step[k], `${p}.${k}`);
    for (const k of ['latencyMs', 'latencyBatch', 'seconds'] as const) if (step[k] !== undefined) num(step[k], `${p}.${k}`);
    for (const [name, l] of Object.entries(obj(step.layers, `${p}.layers`))) {
      const layer = obj(l, `${p}.layers.${name}`);
      for (const k of ['weights', 'zeros', 'channels'] as const) num(layer[k], `${p}.layers.${name}.${k}`);
    }
  });
  if (h.collapse !== undefined) {
    const c = obj(h.collapse, 'collapse');
    if (c.reason !== 'chance' && c.reason !== 'drop') fail('collapse.reason', "'chance' or 'drop'", c.reason);
    for (const k of ['accuracy', 'start', 'chance'] as const) num(c[k], `collapse.${k}`);
    str(c.message, 'collapse.message');
  }
  if (h.sensitivity !== undefined) {
    const s = obj(h.sensitivity, 'sensitivity');
    str(s.method, 'sensitivity.method');
    num(s.baseline, 'sensitivity.baseline');
    arr(s.curves, 'sensitivity.curves').forEach((c, i) => {
      const p = `sensitivity.curves[${i}]`;
      const curve = obj(c, p);
      str(curve.layer, `${p}.layer`);
      const ratios = arr(curve.ratios, `${p}.ratios`);
      const acc = arr(curve.accuracy, `${p}.accuracy`);
      ratios.forEach((v, j) => num(v, `${p}.ratios[${j}]`));
      acc.forEach((v, j) => num(v, `${p}.accuracy[${j}]`));
      if (acc.length !== ratios.length) fail(`${p}.accuracy`, `as long as ratios (${ratios.length})`, `${acc.length} values`);
    });
  }
  if (h.thinet !== undefined) {
    arr(h.thinet, 'thinet').forEach((t, i) => {
      const p = `thinet[${i}]`;
      const r = obj(t, p);
      str(r.layer, `${p}.layer`);
      for (const k of ['unitsBefore', 'removed', 'objective'] as const) num(r[k], `${p}.${k}`);
      arr(r.reweighting, `${p}.reweighting`).forEach((w, j) => {
        const q = obj(w, `${p}.reweighting[${j}]`);
        str(q.consumer, `${p}.reweighting[${j}].consumer`);
        if (q.status !== 'solved' && q.status !== 'fallback') fail(`${p}.reweighting[${j}].status`, "'solved' or 'fallback'", q.status);
      });
    });
  }
  return { settings: {}, versions: {}, seed: 0, ...h } as unknown as History;
}

// ---- number formats (no locale: the same page on every host) ----

const dash = '—';
const int = (n: number): string => (Number.isFinite(n) ? String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : dash);
const pct = (v: number | undefined, d = 1): string => (v === undefined || !Number.isFinite(v) ? dash : `${(100 * v).toFixed(d)}%`);
function si(n: number, d = 2): string {
  if (!Number.isFinite(n)) return dash;
  const a = Math.abs(n);
  for (const [f, u] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (a >= f) return `${+(n / f).toFixed(d)} ${u}`;
  return `${+n.toFixed(d)}`;
}
const times = (v: number): string => (Number.isFinite(v) ? `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}×` : dash);
const layerSparsity = (l: { weights: number; zeros: number } | undefined): number => (l && l.weights > 0 ? l.zeros / l.weights : NaN);

// ---- the page ----

/** The whole report page as one HTML string. */
export function renderReport(history: History): string {
  const h = checkHistory(history);
  const title = `${h.model} on ${h.dataset}`;
  const body = [
    header(h),
    h.collapse ? `<section class="warning"><b>This run collapsed.</b> ${esc(h.collapse.message)}.</section>` : '',
    summary(h.steps),
    settings(h),
    h.steps.length ? overSteps(h.steps) : '<section><h2>Steps</h2><p class="note">This run recorded no steps.</p></section>',
    h.steps.length ? layers(h.steps) : '',
    h.sensitivity ? sensitivity(h.sensitivity) : '',
    h.thinet?.length ? thinetTable(h.thinet) : '',
    h.steps.length ? stepsTable(h.steps) : '',
    footer(h),
  ];
  return htmlPage(`lopper report: ${title}`, CSS, body.filter(Boolean).join('\n'));
}

function header(h: History): string {
  const bits = [`method <b>${esc(h.method)}</b>`, `seed ${esc(h.seed)}`];
  if (h.versions.lopper) bits.push(`lopper ${esc(h.versions.lopper)}`);
  return `<header><p class="kicker">lopper pruning report</p><h1>${esc(h.model)} <span>on ${esc(h.dataset)}</span></h1>` +
    `<p class="sub">${bits.join(' · ')}</p></header>`;
}

function summary(steps: HistoryStep[]): string {
  if (!steps.length) return '';
  const first = steps[0];
  const last = steps[steps.length - 1];
  const dAcc = 100 * (last.accuracy - first.accuracy);
  const card = (label: string, value: string, detail: string) =>
    `<div class="card"><div class="card-label">${esc(label)}</div><div class="card-value">${value}</div><div class="card-detail">${detail}</div></div>`;
  return `<section class="cards">${[
    card('accuracy', esc(pct(last.accuracy, 2)), `${esc(pct(first.accuracy, 2))} at the start · <span class="${dAcc < 0 ? 'down' : 'up'}">${dAcc >= 0 ? '+' : '−'}${Math.abs(dAcc).toFixed(2)} pp</span>`),
    card('non-zero parameters', esc(si(last.nonzeroParams)), `of ${esc(si(first.params))} at the start · <b>${esc(times(first.params / last.nonzeroParams))}</b> smaller`),
    card('FLOPs per sample', esc(si(last.flops)), `of ${esc(si(first.flops))} · <b>${esc(times(first.flops / last.flops))}</b> fewer`),
    structural(steps) && !zeroed(steps)
      ? card('channels removed', esc(pct(channelsRemoved(steps), 1)), `${esc(int(channelTotal(last)))} of ${esc(int(channelTotal(first)))} channels kept · ${steps.length} step${steps.length === 1 ? '' : 's'}`)
      : card('sparsity', esc(pct(last.sparsity)), `of prunable weights · ${steps.length} step${steps.length === 1 ? '' : 's'}`),
  ].join('')}</section>`;
}

function settings(h: History): string {
  const entries = Object.entries(h.settings);
  if (!entries.length) return '';
  const rows = entries.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(settingWords(k, v))}</td></tr>`).join('');
  return `<section><h2>Settings</h2><table class="kv">${rows}</table></section>`;
}

/** A setting as words: schedules ("iterative, 3 steps"), maps ("fc1 0.9, fc2 0.5"), lists; else JSON. */
export function settingWords(key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object' || x === null) ? v.join(', ') : JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? String(v);
  const o = v as Record<string, unknown>;
  const steps = (n: unknown) => `${n} step${n === 1 ? '' : 's'}`;
  if (key === 'schedule' && o.kind === 'one-shot' && Object.keys(o).length === 1) return 'one shot';
  if (key === 'schedule' && o.kind === 'iterative' && Object.keys(o).join() === 'kind,steps') return `iterative, ${steps(o.steps)} (each keeps the same share of the weights)`;
  if (key === 'schedule' && o.kind === 'agp' && typeof o.steps === 'number') {
    return `gradual (AGP, Zhu & Gupta 2017), ${steps(o.steps)}${typeof o.initial === 'number' ? ` from ${pct(o.initial)}` : ''}`;
  }
  if (key === 'lrSchedule' && typeof o.startEpoch === 'number' && typeof o.epochs === 'number') {
    return `along the start model's cosine over ${o.epochs} epochs, from epoch ${o.startEpoch}`;
  }
  if (key === 'distill' && typeof o.alpha === 'number' && typeof o.temperature === 'number') return `from the start model, weight ${o.alpha}, temperature ${o.temperature}`;
  const parts = Object.entries(o).map(([k, x]) => (k === 'kind' ? settingWords(k, x) : `${k} ${typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)}`));
  return parts.join(', ');
}

function phaseOf(s: HistoryStep): string {
  return `step ${s.step} · ${s.phase}${s.iteration ? ` · iteration ${s.iteration}` : ''}`;
}

function overSteps(steps: HistoryStep[]): string {
  const x = { label: 'step', format: (v: number) => String(v), integer: true };
  const accuracy = lineChart({
    title: 'Accuracy over the steps',
    x,
    y: { label: 'accuracy (%)', format: (v) => `${+v.toFixed(2)}` },
    series: [{
      name: 'accuracy', color: '#374151',
      points: steps.map((s) => ({ x: s.step, y: 100 * s.accuracy, color: PHASE_COLORS[s.phase], title: `${phaseOf(s)}: ${pct(s.accuracy, 2)}` })),
    }],
    guides: [{ y: 100 * steps[0].accuracy, label: `start ${pct(steps[0].accuracy, 2)}` }],
  });
  const size = lineChart({
    title: 'Parameters over the steps',
    x,
    y: { label: 'parameters', format: (v) => si(v, 1), zero: true },
    series: [
      { name: 'non-zero', color: '#4e79a7', points: steps.map((s) => ({ x: s.step, y: s.nonzeroParams, color: PHASE_COLORS[s.phase], title: `${phaseOf(s)}: ${int(s.nonzeroParams)} non-zero` })) },
      { name: 'all (masked included)', color: '#9ca3af', dash: '5 4', markers: false, points: steps.map((s) => ({ x: s.step, y: s.params })) },
    ],
  });
  const used = PHASES.filter((p) => steps.some((s) => s.phase === p));
  return `<section><h2>Accuracy and size over the steps</h2>` +
    `<div class="pair"><figure>${accuracy}<figcaption>Test accuracy; the dashed line is the starting model.</figcaption></figure>` +
    `<figure>${size}<figcaption>Non-zero parameters (solid) and all parameters (dashed).</figcaption></figure></div>` +
    legend([...used.map((p) => ({ name: p, color: PHASE_COLORS[p], dot: true }))]) + `</section>`;
}

/** Whether the run removed structure: a layer's channels changed between the first and last steps. */
function structural(steps: HistoryStep[]): boolean {
  const first = steps[0];
  const last = steps[steps.length - 1];
  return Object.entries(first.layers).some(([n, l]) => last.layers[n] !== undefined && last.layers[n].channels !== l.channels);
}

/** Whether some step has more zero weights than the first (a method that masks, not only removes). */
const zeroed = (steps: HistoryStep[]): boolean => steps.some((s) => s.sparsity > steps[0].sparsity + 1e-6);
const channelTotal = (s: HistoryStep): number => Object.values(s.layers).reduce((n, l) => n + l.channels, 0);
const channelsRemoved = (steps: HistoryStep[]): number => 1 - channelTotal(steps[steps.length - 1]) / channelTotal(steps[0]);

/**
 * Channels and weights per layer, first and last step: what a structural method (filter pruning,
 * dead-unit removal) changed, where a sparsity chart would show nothing.
 */
function channels(steps: HistoryStep[]): string {
  const first = steps[0];
  const last = steps[steps.length - 1];
  const names = Object.keys(first.layers).filter((n) => last.layers[n] !== undefined);
  const series = [
    { name: `first (step ${first.step}, ${first.phase})`, color: '#bab0ac', values: names.map((n) => first.layers[n].channels) },
    { name: `final (step ${last.step}, ${last.phase})`, color: '#f28e2b', values: names.map((n) => last.layers[n].channels) },
  ];
  const chart = barChart({ title: 'Channels per layer', categories: names, series, label: 'output channels or neurons', format: (v) => int(v) });
  const rows = names.map((n) => {
    const a = first.layers[n];
    const b = last.layers[n];
    return `<tr><th>${esc(n)}</th><td>${int(a.channels)}</td><td>${int(b.channels)}</td><td>${pct(1 - b.channels / a.channels)}</td>` +
      `<td>${int(a.weights)}</td><td>${int(b.weights)}</td><td>${pct(1 - b.weights / a.weights)}</td></tr>`;
  }).join('');
  return `<section><h2>Channels per layer</h2><figure class="wide">${chart}</figure>${legend(series.map((x) => ({ name: x.name, color: x.color, dot: true })))}` +
    `<table class="num"><thead><tr><th>layer</th><th>channels (first)</th><th>channels (final)</th><th>removed</th>` +
    `<th>weights (first)</th><th>weights (final)</th><th>removed</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function layers(steps: HistoryStep[]): string {
  const first = steps[0];
  const last = steps[steps.length - 1];
  const names = [...new Set([...Object.keys(first.layers), ...Object.keys(last.layers)])];
  if (!names.length) return '';
  const removed = structural(steps);
  // A method that only removes structure leaves no zeros: its channels say what it did.
  if (removed && !zeroed(steps)) return channels(steps);
  const one = steps.length === 1;
  const series = [
    ...(one ? [] : [{ name: `first (step ${first.step}, ${first.phase})`, color: '#bab0ac', values: names.map((n) => layerSparsity(first.layers[n])) }]),
    { name: `final (step ${last.step}, ${last.phase})`, color: '#e15759', values: names.map((n) => layerSparsity(last.layers[n])) },
  ];
  const chart = barChart({
    title: 'Sparsity per layer', categories: names, series, max: 1, label: 'share of zero weights',
    format: (v) => `${+(100 * v).toFixed(1)}%`,
  });
  const rows = names.map((n) => {
    const a = first.layers[n];
    const b = last.layers[n];
    const ch = a && b && a.channels !== b.channels ? `${int(a.channels)} → ${int(b.channels)}` : int((b ?? a).channels);
    return `<tr><th>${esc(n)}</th><td>${int(b?.weights ?? NaN)}</td><td>${int(b ? b.weights - b.zeros : NaN)}</td>` +
      `${one ? '' : `<td>${pct(layerSparsity(a))}</td>`}<td>${pct(layerSparsity(b))}</td><td>${ch}</td></tr>`;
  }).join('');
  return `<section><h2>Sparsity per layer</h2><figure class="wide">${chart}</figure>${legend(series.map((s) => ({ name: s.name, color: s.color, dot: true })))}` +
    `<table class="num"><thead><tr><th>layer</th><th>weights</th><th>non-zero</th>${one ? '' : '<th>sparsity (first)</th>'}` +
    `<th>sparsity (final)</th><th>channels</th></tr></thead><tbody>${rows}</tbody></table></section>` + (removed ? channels(steps) : '');
}

function sensitivity(s: Sensitivity): string {
  const curves = s.curves.map((c, i) => ({ ...seriesStyle(i), c }));
  const chart = lineChart({
    title: 'Sensitivity: accuracy with one layer pruned',
    // The data's range: curves measured from 50 % need no empty band from 0.
    x: { label: 'pruning ratio of the layer (%)', format: (v) => `${+v.toFixed(1)}` },
    y: { label: 'accuracy (%)', format: (v) => `${+v.toFixed(1)}` },
    series: curves.map(({ color, dash: d, c }) => ({
      name: c.layer, color, dash: d,
      points: c.ratios.map((r, j) => ({ x: 100 * r, y: 100 * c.accuracy[j], title: `${c.layer} pruned ${pct(r, 0)}: ${pct(c.accuracy[j], 2)}` })),
    })),
    guides: [{ y: 100 * s.baseline, label: `baseline ${pct(s.baseline, 2)}` }],
    width: 760, height: 360,
  });
  return `<section><h2>Sensitivity</h2><p class="note">Test accuracy with only one layer pruned (${esc(s.method)}) at each ratio; ` +
    `the dashed line is the unpruned model. Flat curves mark layers that can be pruned hard.</p>` +
    (s.curves.length ? `<figure class="wide">${chart}</figure>${legend(curves.map(({ color, dash: d, c }) => ({ name: c.layer, color, dash: d })))}` : '<p class="note">No curves were recorded.</p>') +
    `</section>`;
}

/** ThiNet's layers in the order pruned: channels, the sampled objective, each reader's least squares. */
function thinetTable(records: ThinetRecord[]): string {
  const rows = records.map((t) => {
    const fit = t.reweighting.length
      ? t.reweighting.map((w) => `${esc(w.consumer)}: ${esc(w.status)}${w.reason ? ` (${esc(w.reason)})` : ''}`).join('<br>')
      : 'off';
    return `<tr><th>${esc(t.layer)}</th><td>${int(t.unitsBefore)}</td><td>${int(t.unitsBefore - t.removed)}</td><td>${esc(t.objective.toPrecision(3))}</td><td>${fit}</td></tr>`;
  }).join('');
  return `<section><h2>ThiNet per layer</h2><p class="note">Layers in the order they were pruned; the objective is ‖Σ x̂‖² over the removed ` +
    `channels at the sampled outputs of the layers reading them (smaller: less of their output taken away); least squares per reader.</p>` +
    `<table class="num"><thead><tr><th>layer</th><th>channels before</th><th>after</th><th>objective</th><th>least squares</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function stepsTable(steps: HistoryStep[]): string {
  const base = steps[0].params;
  const rows = steps.map((s) => {
    const latency = s.latencyMs === undefined ? dash : `${s.latencyMs.toFixed(2)} ms${s.latencyBatch ? ` / ${int(s.latencyBatch)}` : ''}`;
    return `<tr><td>${int(s.step)}</td><td><span class="pill" style="--c:${PHASE_COLORS[s.phase]}">${esc(s.phase)}</span></td>` +
      `<td>${int(s.iteration)}</td><td>${int(s.params)}</td><td>${int(s.nonzeroParams)}</td><td>${times(base / s.nonzeroParams)}</td>` +
      `<td>${si(s.flops)}</td><td>${pct(s.sparsity)}</td><td>${pct(s.accuracy, 2)}</td><td>${latency}</td>` +
      `<td>${s.seconds === undefined ? dash : s.seconds.toFixed(1)}</td></tr>`;
  }).join('');
  return `<section><h2>Steps</h2><div class="scroll"><table class="num"><thead><tr><th>step</th><th>phase</th><th>iteration</th>` +
    `<th>params</th><th>non-zero</th><th>compression</th><th>FLOPs</th><th>sparsity</th><th>accuracy</th><th>latency</th><th>seconds</th>` +
    `</tr></thead><tbody>${rows}</tbody></table></div>` +
    `<p class="note">Compression is the first step's parameters over each step's non-zero parameters; latency is one forward pass of the batch shown, ` +
    `the median of interleaved passes after a warm-up; steps are measured minutes apart, under whatever else the machine was doing.</p></section>`;
}

function footer(h: History): string {
  const v = Object.entries(h.versions).map(([k, x]) => `${esc(k)} ${esc(x)}`).join(' · ');
  return `<footer>Made by lopper${v ? ` · ${v}` : ''}. This page needs no network: charts are inline SVG.</footer>`;
}

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--band:#f9fafb;--accent:#e15759}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 28px 48px}
header{border-bottom:1px solid var(--line);padding-bottom:14px;margin-bottom:18px}
.kicker{margin:0;color:var(--accent);font-size:12px;font-weight:600;letter-spacing:.08em;text-transform:uppercase}
h1{margin:2px 0 4px;font-size:28px;line-height:1.2}
h1 span{color:var(--muted);font-weight:400}
h2{font-size:18px;margin:30px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.sub,.note,figcaption{color:var(--muted)}
.sub{margin:0}
.note{font-size:13px;margin:6px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:var(--band)}
.card-label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.card-value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
.card-detail{font-size:12.5px;color:var(--muted)}
.warning{border:1px solid #c53030;border-radius:8px;padding:10px 14px;margin-bottom:14px;background:#fff5f5;color:#9b2c2c}
.up{color:#2f855a}.down{color:#c53030}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
table.num td,table.num thead th{text-align:right}
table.num td:first-child,table.num th:first-child,table.num td:nth-child(2){text-align:left}
table.num tbody tr:nth-child(even){background:var(--band)}
table.kv th{font-weight:500;color:var(--muted);white-space:nowrap}
table.kv td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-word}
.scroll{overflow-x:auto}
.pill{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;color:#fff;background:var(--c)}
figure{margin:0}
figcaption{font-size:12.5px;margin-top:2px}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:20px}
figure.wide{max-width:900px}
.chart{width:100%;height:auto;display:block}
.chart text{font-size:11.5px;fill:var(--fg)}
.chart .tick{fill:var(--muted)}
.chart .label{font-size:12px;fill:var(--muted)}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .axis,.chart .tickmark{stroke:#9ca3af;stroke-width:1}
.chart .line{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.chart circle{stroke:#fff;stroke-width:1}
.chart .guide{stroke:#6b7280;stroke-width:1;stroke-dasharray:4 4}
.chart .guide-label{fill:var(--muted);font-size:11px}
.chart .band{fill:var(--band)}
.chart .value{font-size:10.5px;fill:var(--muted)}
.legend{list-style:none;padding:0;margin:8px 0 12px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12.5px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{flex:none}
footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
@media print{main{padding:0}.pair{grid-template-columns:1fr 1fr}}
`;
