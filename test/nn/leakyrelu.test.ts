// LeakyRelu: backward against finite differences, forward values, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { awayFromZero, runLayer } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { LeakyRelu } from '../../src/nn/layers/leakyrelu.js';

test('LeakyRelu backward matches finite differences (inputs away from the kink)', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new LeakyRelu(), [[3, 4, 5]], { input: awayFromZero });
    gradCheckLayer(k, new LeakyRelu({ slope: 0.2 }), [[37]], { batch: 3, input: awayFromZero });
    gradCheckLayer(k, new LeakyRelu({ slope: -0.5 }), [[6, 2]], { input: awayFromZero });
  }
});

test('LeakyRelu forward: x where x > 0, slope·x elsewhere', async () => {
  for (const { k } of await backends()) {
    const x = [-2, -0.5, 0, 0.5, 3, -1e-3, 7];
    const run = runLayer(k, new LeakyRelu({ slope: 0.1 }), [[7]], [x]);
    assertClose(run.y, x.map((v) => (v > 0 ? v : 0.1 * v)), 'LeakyRelu', { atol: 0, rtol: 1e-7 });
    run.model.dispose();
  }
});

test('LeakyRelu FLOPs and attrs', () => {
  assert.is(new LeakyRelu().flops([[4, 5, 5]]), 200);
  assert.equal(new LeakyRelu().attrs(), { slope: 0.01 });
  assert.equal(new LeakyRelu({ slope: 0.3 }).attrs(), { slope: 0.3 });
});

test('LeakyRelu throws when options are bad', () => {
  assert.throws(() => new LeakyRelu({ slope: NaN }), /LeakyRelu: 'slope' must be a finite number, got NaN/);
  assert.throws(() => new LeakyRelu({ slope: '0.1' } as never), /LeakyRelu: 'slope' must be a finite number, got "0.1"/);
  assert.throws(() => new LeakyRelu({ alpha: 0.1 } as never), /LeakyRelu: unknown option 'alpha'; known: slope/);
});

test.run();
