// The latency page: a stacked bar per row and batch size with one segment per kind of layer that
// took time, the non-tensor share beside it, a table per row; self-contained and escaped.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { byKind, layerKind, renderLatencyReport } from '../../src/pipeline/report-latency.js';
import type { LatencyProfile } from '../../src/slim/profile.js';

const profile = (batch: number, layers: [string, string, boolean, number][]): LatencyProfile => {
  const ls = layers.map(([name, op, tensor, ms]) => ({ name, op, tensor, ms }));
  const sum = (t: boolean) => ls.filter((l) => l.tensor === t).reduce((s, l) => s + l.ms, 0);
  return { model: 'm', batch, totalMs: sum(true) + sum(false), tensorMs: sum(true), nonTensorMs: sum(false), layers: ls };
};

test('kinds of layer, and milliseconds summed per kind', () => {
  assert.is(layerKind('Conv2d'), 'conv');
  assert.is(layerKind('Lrn'), 'LRN');
  assert.is(layerKind('Flatten'), 'other');
  const p = profile(1, [['c1', 'Conv2d', true, 1], ['l', 'Lrn', false, 3], ['c2', 'Conv2d', true, 0.5]]);
  assert.equal(byKind(p).conv, 1.5);
  assert.equal(byKind(p).LRN, 3);
  assert.equal(byKind(p).dense, 0);
});

test('the page: one chart per batch size, segments per kind that took time, shares, tables; escaped, no scripts', () => {
  const rows = [
    { label: 'before', profile: profile(1, [['c<1>', 'Conv2d', true, 1], ['l', 'Lrn', false, 3]]) },
    { label: 'after', profile: profile(1, [['c<1>', 'Conv2d', true, 1]]) },
    { label: 'before', profile: profile(8, [['c<1>', 'Conv2d', true, 4], ['l', 'Lrn', false, 12]]) },
  ];
  const html = renderLatencyReport('net <x>', rows);
  assert.is((html.match(/<svg class="chart"/g) ?? []).length, 2);
  assert.is((html.match(/<rect /g) ?? []).length, 5);
  assert.match(html, /4\.000 ms, 75% non-tensor/);
  assert.match(html, /1\.000 ms, 0% non-tensor/);
  assert.match(html, /before · LRN: 3\.000 ms \(75\.0%\)/);
  assert.match(html, /<td>c&lt;1&gt;<\/td>/);
  assert.match(html, /<title>lopper latency: net &lt;x&gt;<\/title>/);
  assert.not.match(html, /<script|https?:\/\//);
});

test.run();
