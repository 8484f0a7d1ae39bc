// renderReport on a synthetic history: one self-contained page (inline SVG, no scripts, no
// network), escaped text, the sensitivity section only when there is an analysis, and
// checkHistory's refusals naming the field.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory, renderReport } from '../../src/pipeline/report.js';
import { esc, niceTicks } from '../../src/pipeline/report-svg.js';
import { syntheticHistory } from '../helpers/history.js';

const charts = (html: string) => html.match(/<svg class="chart"/g)?.length ?? 0;

function selfContained(html: string): void {
  assert.ok(html.startsWith('<!doctype html>'));
  assert.not.match(html, /https?:\/\//, 'no URL of any kind');
  assert.not.match(html, /<script|<link|<img|<iframe|@import|url\(/i, 'nothing loaded or run');
  assert.not.match(html, /NaN|undefined|Infinity/, 'no unformatted numbers');
}

test('with sensitivity: header, cards, four charts, a legend per layer, one table row per step', () => {
  const h = syntheticHistory({ sensitivity: true });
  const html = renderReport(h);
  selfContained(html);
  assert.is(charts(html), 4, 'accuracy, size, per-layer sparsity, sensitivity');
  assert.match(html, '<h1>lenet-300-100 <span>on fashion-mnist</span></h1>');
  assert.match(html, 'magnitude (Han et al. 2015)');
  assert.match(html, '<h2>Sensitivity</h2>');
  for (const layer of ['fc1', 'fc2', 'fc3']) assert.match(html, `</svg>${layer}</li>`, `legend entry for ${layer}`);
  assert.is(html.match(/class="pill"/g)?.length, h.steps.length, 'one row per step');
  assert.match(html, '9.70×', 'compression of the final step (266,610 / 27,480)');
  assert.match(html, '88.51%', 'final accuracy');
  assert.match(html, '<th>schedule</th><td>iterative, iterations 3</td>', 'settings shown as words');
  assert.not.match(html, '&quot;kind&quot;', 'no raw JSON');
});

test('without sensitivity: three charts and no sensitivity section', () => {
  const html = renderReport(syntheticHistory());
  selfContained(html);
  assert.is(charts(html), 3);
  assert.not.match(html, 'Sensitivity');
});

test('a structural method (filters removed, no zeros) gets channels and weights per layer, not a 0 % sparsity chart', () => {
  const h = syntheticHistory();
  h.method = 'l1-filter (Li et al. 2017)';
  const kept = { fc1: 150, fc2: 50, fc3: 10 } as Record<string, number>;
  h.steps = h.steps.slice(0, 3).map((s, i) => ({
    ...s, phase: (['dense', 'remove', 'retrain'] as const)[i], sparsity: 0,
    layers: Object.fromEntries(Object.entries(h.steps[0].layers).map(([n, l]) => {
      const channels = i === 0 ? l.channels : kept[n];
      return [n, { weights: Math.round(l.weights * channels / l.channels), zeros: 0, channels }];
    })),
  }));
  const html = renderReport(h);
  selfContained(html);
  assert.not.match(html, 'Sparsity per layer');
  assert.match(html, '<h2>Channels per layer</h2>');
  assert.match(html, '<tr><th>fc1</th><td>300</td><td>150</td><td>50.0%</td><td>235,200</td><td>117,600</td><td>50.0%</td></tr>');
  assert.match(html, 'channels removed</div><div class="card-value">48.8%</div><div class="card-detail">210 of 410 channels kept');
  assert.not.match(html, 'card-label">sparsity');
  // Magnitude pruning that also removed dead units: both views.
  const both = syntheticHistory();
  both.steps[both.steps.length - 1].layers.fc1 = { ...both.steps[both.steps.length - 1].layers.fc1, channels: 290 };
  const page = renderReport(both);
  assert.match(page, 'Sparsity per layer');
  assert.match(page, 'Channels per layer');
  assert.match(page, 'card-label">sparsity');
});

test('the sensitivity x-axis spans the ratios measured, not from 0', () => {
  const h = syntheticHistory({ sensitivity: true });
  for (const c of h.sensitivity!.curves) c.ratios = c.ratios.map((_, i) => 0.5 + 0.09 * i);
  const section = renderReport(h).split('<h2>Sensitivity</h2>')[1];
  const xTicks = [...section.matchAll(/<text class="tick"[^>]*text-anchor="middle">([^<]*)<\/text>/g)].map((m) => Number(m[1]));
  assert.ok(xTicks.length >= 3, `x ticks ${xTicks}`);
  assert.ok(xTicks[0] >= 50, `the axis starts at the data: ${xTicks}`);
});

test('settings as words: schedules, learning-rate schedules, maps and lists', async () => {
  const { settingWords } = await import('../../src/pipeline/report.js');
  assert.is(settingWords('schedule', { kind: 'iterative', steps: 3 }), 'iterative, 3 steps (each keeps the same share of the weights)');
  assert.is(settingWords('schedule', { kind: 'one-shot' }), 'one shot');
  assert.is(settingWords('schedule', { kind: 'agp', steps: 1 }), 'gradual (AGP, Zhu & Gupta 2017), 1 step');
  assert.is(settingWords('lrSchedule', { startEpoch: 10, epochs: 30 }), "along the start model's cosine over 30 epochs, from epoch 10");
  assert.is(settingWords('layerSparsity', { fc1: 0.9, fc2: 0.5 }), 'fc1 0.9, fc2 0.5');
  assert.is(settingWords('layers', ['conv1', 'conv2']), 'conv1, conv2');
  assert.is(settingWords('distill', { alpha: 0.5, temperature: 4 }), 'from the start model, weight 0.5, temperature 4');
  assert.is(settingWords('sparsity', 0.92), '0.92');
});

test('all text is escaped', () => {
  const h = syntheticHistory({ model: '<img src=x onerror="alert(1)">&co', sensitivity: true });
  h.dataset = "it's <b>";
  h.steps[0].layers['<fc>'] = { weights: 10, zeros: 5, channels: 2 };
  h.sensitivity!.curves[0].layer = '</title><script>';
  const html = renderReport(h);
  selfContained(html);
  assert.match(html, '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;co');
  assert.match(html, 'it&#39;s &lt;b&gt;');
  assert.match(html, '&lt;fc&gt;');
  assert.match(html, '&lt;/title&gt;&lt;script&gt;');
  assert.is(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('edge cases: one step, no steps, a step without latency', () => {
  const one = syntheticHistory();
  one.steps = one.steps.slice(0, 1);
  delete one.steps[0].latencyMs;
  const html = renderReport(one);
  selfContained(html);
  assert.is(charts(html), 3);
  assert.not.match(html, 'sparsity (first)', 'no first/final comparison with one step');
  const none = syntheticHistory();
  none.steps = [];
  const empty = renderReport(none);
  selfContained(empty);
  assert.match(empty, 'recorded no steps');
  assert.is(charts(empty), 0);
});

test('checkHistory refuses malformed histories, naming the field', () => {
  const bad = (edit: (h: Record<string, any>) => void, pattern: RegExp) => {
    const h = JSON.parse(JSON.stringify(syntheticHistory({ sensitivity: true })));
    edit(h);
    assert.throws(() => checkHistory(h, 'run.json'), (e: Error) => e.message.startsWith('run.json: ') && pattern.test(e.message));
    assert.throws(() => renderReport(h), pattern);
  };
  bad((h) => { h.steps[2].accuracy = '0.9'; }, /: steps\[2\]\.accuracy must be a number, got "0\.9"$/);
  bad((h) => { h.steps[0].phase = 'shrink'; }, /steps\[0\]\.phase must be one of dense, prune, retrain, remove, final, got "shrink"/);
  bad((h) => { delete h.steps[1].layers.fc2.zeros; }, /steps\[1\]\.layers\.fc2\.zeros must be a number, got nothing/);
  bad((h) => { h.sensitivity.curves[1].accuracy.pop(); }, /sensitivity\.curves\[1\]\.accuracy must be as long as ratios \(6\)/);
  bad((h) => { h.steps = {}; }, /steps must be an array/);
  bad((h) => { delete h.model; }, /model must be a string, got nothing/);
  assert.throws(() => checkHistory([], 'x.json'), /x\.json: the history must be an object/);
});

test('niceTicks: round steps that cover the range', () => {
  assert.equal(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(72, 89.12), [70, 75, 80, 85, 90]);
  assert.equal(niceTicks(0, 266610), [0, 100000, 200000, 300000]);
  assert.equal(niceTicks(0, 7, 5, true), [0, 2, 4, 6, 8]);
  assert.ok(niceTicks(5, 5).length >= 2, 'a single value still gets an axis');
});

test.run();
