// Dropout: backward against finite differences (fixed mask), the mask's statistics and seeding,
// identity in inference, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer } from '../helpers/layer.js';
import { Rng } from '../helpers/rng.js';
import { Dropout } from '../../src/nn/layers/dropout.js';

test('Dropout backward matches finite differences in training (the mask is fixed by reseeding)', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Dropout({ rate: 0.3 }), [[4, 5, 5]], { batch: 2 });
    gradCheckLayer(k, new Dropout({ rate: 0.5 }), [[64]], { batch: 3 });
    gradCheckLayer(k, new Dropout({ rate: 0 }), [[10]], { batch: 2 });
    gradCheckLayer(k, new Dropout({ rate: 0.5 }), [[10]], { batch: 2, training: false });
  }
});

test('Dropout drops about rate of the values, scales the rest by 1/(1 − rate), and is the identity in inference', async () => {
  const rng = new Rng(2);
  for (const { k } of await backends()) {
    const n = 20000;
    const x = rng.f32(n, 0.5, 1.5);
    const run = runLayer(k, new Dropout({ rate: 0.25 }), [[n]], [x], { training: true, seed: 4 });
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      if (run.y[i] === 0) zeros++;
      else assert.ok(Math.abs(run.y[i] - x[i] / 0.75) <= 1e-6 * Math.abs(run.y[i]), `kept value ${i} is x/(1 − rate)`);
    }
    assert.ok(Math.abs(zeros / n - 0.25) < 0.015, `dropped ${zeros} of ${n}`);
    assert.not.equal(run.forward(), run.y, 'a new mask on every training forward');
    assert.equal(run.forward(false), x, 'inference is the identity');
    const again = runLayer(k, new Dropout({ rate: 0.25 }), [[n]], [x], { training: true, seed: 4 });
    assert.equal(again.y, run.y, 'the same model seed gives the same mask');
    run.model.dispose();
    again.model.dispose();
  }
});

test('Dropout FLOPs and attrs', () => {
  assert.is(new Dropout({ rate: 0.5 }).flops(), 0);
  assert.equal(new Dropout({ rate: 0.5 }).outputShape([[3, 4]]), [3, 4]);
  assert.equal(new Dropout({ rate: 0.2 }).attrs(), { rate: 0.2 });
});

test('Dropout throws when options are bad', () => {
  assert.throws(() => new Dropout({ rate: 1 }), /Dropout: 'rate' must be a number in \[0, 1\), got 1/);
  assert.throws(() => new Dropout({ rate: -0.1 }), /Dropout: 'rate' must be a number in \[0, 1\), got -0.1/);
  assert.throws(() => new Dropout({} as never), /Dropout: 'rate' must be a number in \[0, 1\), got undefined/);
  assert.throws(() => new Dropout({ rate: 0.5, p: 0.5 } as never), /Dropout: unknown option 'p'; known: rate/);
});

test.run();
