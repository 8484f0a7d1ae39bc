// findCollapse: a run that ends near chance or falls more than ten points is flagged, one that holds
// up is not; the report shows the finding.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findCollapse, COLLAPSE_THRESHOLDS } from '../../src/pipeline/collapse.js';
import { renderReport, checkHistory } from '../../src/pipeline/report.js';
import { syntheticHistory } from '../helpers/history.js';

const withFinal = (accuracy: number) => {
  const h = syntheticHistory();
  h.steps[h.steps.length - 1].accuracy = accuracy;
  return h;
};

test('a run ending at or near chance is flagged, with the numbers', () => {
  const c = findCollapse(withFinal(0.1).steps, 10);
  assert.ok(c);
  assert.is(c.reason, 'chance');
  assert.is(c.chance, 0.1);
  assert.is(c.start, 0.8912);
  assert.match(c.message, 'accuracy ended at 10.00%, at or near chance (10.00% for 10 classes; started at 89.12%)');
  assert.is(findCollapse(withFinal(0.149).steps, 10)?.reason, 'chance');
});

test('a fall of more than the threshold is flagged; a small loss is not', () => {
  const c = findCollapse(withFinal(0.7).steps, 10);
  assert.is(c?.reason, 'drop');
  assert.match(c!.message, 'accuracy fell 19.12 points, from 89.12% to 70.00%');
  assert.is(findCollapse(withFinal(0.8).steps, 10), undefined, '9.1 points: kept');
  assert.is(findCollapse(withFinal(0.8851).steps, 10), undefined);
  assert.is(findCollapse(withFinal(0.8).steps, 10, { ...COLLAPSE_THRESHOLDS, maxDrop: 0.05 })?.reason, 'drop');
  assert.is(findCollapse([], 10), undefined);
});

test('findCollapse refuses wrong arguments by name', () => {
  assert.throws(() => findCollapse(syntheticHistory().steps, 1), (e: Error) => e instanceof RangeError && /'classes' must be an integer ≥ 2, got 1/.test(e.message));
  assert.throws(() => findCollapse({} as never, 10), (e: Error) => e instanceof TypeError && /'steps' must be an array/.test(e.message));
});

test('the report says the run collapsed; checkHistory checks the mark', () => {
  const h = withFinal(0.1);
  h.collapse = findCollapse(h.steps, 10);
  const html = renderReport(h);
  assert.match(html, 'This run collapsed.');
  assert.match(html, 'at or near chance');
  assert.not.match(renderReport(syntheticHistory()), 'This run collapsed.');
  assert.throws(() => checkHistory({ ...h, collapse: { ...h.collapse, reason: 'bad' } }), /collapse.reason must be 'chance' or 'drop'/);
});

test.run();
