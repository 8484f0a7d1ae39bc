// Slice: backward against finite differences, forward against index arithmetic, channel flow, errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { Slice } from '../../src/nn/layers/slice.js';

test('Slice backward matches finite differences (steps, several axes)', async () => {
  const [{ k }] = await backends();
  gradCheckLayer(k, new Slice({ axes: [1, 2], starts: [1, 0], ends: [4, 5], steps: [2, 3] }), [[3, 5, 5]]);
  gradCheckLayer(k, new Slice({ axes: [0], starts: [2], ends: [7] }), [[7]], { batch: 3 });
});

test('Slice forward picks start, start + step, … below end; channel slices pass their channels on unless stepped', async () => {
  const [{ k }] = await backends();
  const x = Array.from({ length: 2 * 4 * 3 }, (_, i) => i);
  const run = runLayer(k, new Slice({ axes: [1, 0], starts: [1, 1], ends: [3, 4], steps: [1, 2] }), [[4, 3]], [x], { batch: 2 });
  // Per sample [4, 3]: rows 1 and 3, columns 1 and 2.
  assert.equal(Array.from(run.y), [4, 5, 10, 11, 16, 17, 22, 23]);
  run.model.dispose();
  assert.equal(new Slice({ axes: [1, 0], starts: [1, 2], ends: [3, 5] }).channelFlow(), { kind: 'slice', start: 2, end: 5 });
  assert.match(JSON.stringify(new Slice({ axes: [0], starts: [0], ends: [4], steps: [2] }).channelFlow()), /"fixed".*step 2 ties the channels/);
  assert.is(new Slice({ axes: [1], starts: [0], ends: [2] }).channelFlow().kind, 'elementwise');
});

test('Slice bounds move down by the input channels cut below them', () => {
  const s = new Slice({ axes: [1, 0], starts: [1, 3], ends: [4, 7] });
  const cut = s.withInputsCut(new Set([0, 4, 6, 9])) as Slice;
  assert.equal([cut.axes, cut.starts, cut.ends], [[1, 0], [1, 2], [4, 4]]);
  assert.is(s.withInputsCut(new Set()), s);
  assert.is((new Slice({ axes: [1], starts: [0], ends: [2] }).withInputsCut(new Set([1])) as Slice).starts[0], 0, 'no channel axis: nothing moves');
});

test('Slice refuses empty ranges, repeated axes and ends past the axis', () => {
  assert.throws(() => new Slice({ axes: [0], starts: [3], ends: [3] }), /axis 0 is sliced \[3, 3\), which is empty/);
  assert.throws(() => new Slice({ axes: [1, 1], starts: [0, 0], ends: [1, 1] }), /each axis once/);
  assert.throws(() => new Slice({ axes: [0], starts: [0], ends: [2], steps: [0] }), /'steps' must be a list of integers ≥ 1/);
  assert.throws(() => new Slice({ axes: [0], starts: [0], ends: [9] }).outputShape([[4, 2]]), /has 4 entries; the slice ends at 9/);
});

test.run();
