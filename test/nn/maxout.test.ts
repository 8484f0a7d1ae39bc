// Maxout: backward against finite differences for [units] and [C, H, W], forward against a naive
// maximum, FLOPs and errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { runLayer, spread } from '../helpers/layer.js';
import { assertClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';
import { Maxout } from '../../src/nn/layers/maxout.js';

test('Maxout backward matches finite differences (distinct inputs, no ties)', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Maxout({ k: 3 }), [[12]], { batch: 3, input: (rng, n) => spread(rng, n) });
    gradCheckLayer(k, new Maxout({ k: 2 }), [[6, 3, 3]], { batch: 2, input: (rng, n) => spread(rng, n) });
    gradCheckLayer(k, new Maxout({ k: 4 }), [[8, 5]], { batch: 2, input: (rng, n) => spread(rng, n) });
    gradCheckLayer(k, new Maxout({ k: 1 }), [[5]], { batch: 2 });
  }
});

test('Maxout forward is the maximum over k adjacent channels', async () => {
  const rng = new Rng(11);
  for (const { k } of await backends()) {
    const [B, C, K, S] = [3, 5, 4, 6];
    const x = rng.f32(B * C * K * S);
    const run = runLayer(k, new Maxout({ k: K }), [[C * K, 2, 3]], [x], { batch: B });
    const want = new Float32Array(B * C * S);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) {
      let m = -Infinity;
      for (let j = 0; j < K; j++) m = Math.max(m, x[((b * C + c) * K + j) * S + s]);
      want[(b * C + c) * S + s] = m;
    }
    assertClose(run.y, want, `Maxout [${k.build}]`, { atol: 0, rtol: 0 });
    run.model.dispose();
  }
});

test('Maxout shapes, FLOPs and attrs', () => {
  const m = new Maxout({ k: 4 });
  assert.equal(m.outputShape([[500]]), [125]);
  assert.equal(m.outputShape([[8, 6, 6]]), [2, 6, 6]);
  assert.is(m.flops([[500]]), 125 * 3);
  assert.is(m.flops([[8, 6, 6]]), 2 * 36 * 3);
  assert.equal(m.attrs(), { k: 4 });
});

test('Maxout throws when options or input shapes are bad', () => {
  assert.throws(() => new Maxout({ k: 0 }), /Maxout: 'k' must be an integer ≥ 1, got 0/);
  assert.throws(() => new Maxout({} as never), /Maxout: 'k' must be an integer ≥ 1, got undefined/);
  assert.throws(() => new Maxout({ k: 2, pieces: 2 } as never), /Maxout: unknown option 'pieces'; known: k/);
  assert.throws(() => new Maxout({ k: 3 }).outputShape([[10]]), /Maxout: the input's 10 channels \(shape \[10\]\) are not divisible by 'k' = 3/);
  assert.throws(() => new Maxout({ k: 2 }).outputShape([[4, 2, 2, 2]]), /Maxout expects a per-sample input \[units\], \[C, L\] or \[C, H, W\], got \[4,2,2,2\]/);
});

test.run();
