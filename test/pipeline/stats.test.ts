// Latency as every step records it: warmed up by time (a cold model is slow for longer than a
// pass or two), then interleaved medians — checked with a fake clock, so no timing is asserted.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forwardLatencies, measureLatency, compareLatency } from '../../src/pipeline/stats.js';
import type { Model } from '../../src/nn/model.js';

/** A model whose passes cost `cold` ms until `warmAfter` ms of fake time have passed, then `warm`. */
function fakeModel(clock: { now: number }, cold: number, warm: number, warmAfter: number, log?: string[], name = '') {
  let spent = 0;
  const input = new Float32Array(8);
  return {
    input: () => ({ f32: () => input }),
    forward: () => {
      const cost = spent < warmAfter ? cold : warm;
      spent += cost;
      clock.now += cost;
      log?.push(name);
    },
  } as unknown as Model;
}

test('a model that is slow while cold is timed warm', () => {
  const clock = { now: 0 };
  // Cold for 250 ms at 13 ms a pass (the first dense step of a run), then 5 ms.
  const model = fakeModel(clock, 13, 5, 250);
  assert.is(measureLatency(model, 64, { clock: () => clock.now }), 5);
});

test('side by side: both warmed up, then timed in alternation', () => {
  const clock = { now: 0 };
  const log: string[] = [];
  const a = fakeModel(clock, 20, 6, 250, log, 'a');
  const b = fakeModel(clock, 9, 3, 250, log, 'b');
  const [x, y] = compareLatency(a, b, 64, { clock: () => clock.now, runs: 5 });
  assert.is(x, 6);
  assert.is(y, 3);
  assert.equal(log.slice(-10), ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
});

test('forwardLatencies refuses wrong arguments by name', () => {
  const clock = { now: 0 };
  const m = fakeModel(clock, 1, 1, 0);
  assert.throws(() => forwardLatencies([], 64), (e: Error) => e instanceof TypeError && /'models' must be a non-empty array/.test(e.message));
  assert.throws(() => forwardLatencies([{} as Model], 64), TypeError);
  assert.throws(() => forwardLatencies([m], 0), (e: Error) => e instanceof RangeError && /'batch' must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => forwardLatencies([m], 64, { runs: 0 }), /'runs' must be an integer ≥ 1/);
});

test.run();
