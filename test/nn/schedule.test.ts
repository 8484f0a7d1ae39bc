// Learning-rate schedule arithmetic.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { learningRate, checkSchedule } from '../../src/nn/optim/schedule.js';

test('constant, step and cosine schedules', () => {
  assert.is(learningRate(0.1, { kind: 'constant' }, 7), 0.1);
  assert.is(learningRate(0.1, { kind: 'step', every: 3, gamma: 0.5 }, 2.9), 0.1);
  assert.is(learningRate(0.1, { kind: 'step', every: 3, gamma: 0.5 }, 3), 0.05);
  assert.ok(Math.abs(learningRate(0.1, { kind: 'step', every: 3, gamma: 0.5 }, 7) - 0.025) < 1e-15);
  assert.is(learningRate(0.1, { kind: 'cosine', epochs: 10 }, 0), 0.1);
  assert.ok(Math.abs(learningRate(0.1, { kind: 'cosine', epochs: 10 }, 5) - 0.05) < 1e-15);
  assert.is(learningRate(0.1, { kind: 'cosine', epochs: 10, minLr: 0.01 }, 10), 0.01);
  assert.is(learningRate(0.1, { kind: 'cosine', epochs: 10, minLr: 0.01 }, 12), 0.01, 'clamped after the end');
});

test('startEpoch goes on with a schedule where an earlier training stopped', () => {
  const whole = { kind: 'cosine', epochs: 10 } as const;
  for (const e of [0, 0.5, 2.25, 3]) assert.is(learningRate(0.1, { ...whole, startEpoch: 7 }, e), learningRate(0.1, whole, 7 + e));
  assert.is(learningRate(0.1, { kind: 'step', every: 3, gamma: 0.5, startEpoch: 2 }, 1), 0.05);
  assert.is(learningRate(0.1, { kind: 'constant', startEpoch: 5 }, 1), 0.1);
});

test('schedules refuse bad parameters', () => {
  assert.throws(() => checkSchedule({ kind: 'step', every: 2, gamma: 1.5 }), /'gamma' must be in \(0, 1\], got 1.5/);
  assert.throws(() => checkSchedule({ kind: 'cosine', epochs: 0 }), /'epochs' must be > 0, got 0/);
  assert.throws(() => checkSchedule({ kind: 'cosine', epochs: 4, startEpoch: -1 }), /'startEpoch' must be a finite number ≥ 0, got -1/);
  assert.throws(() => checkSchedule({ kind: 'warm' } as never), /kind must be one of constant, step, cosine; got 'warm'/);
});

test.run();
