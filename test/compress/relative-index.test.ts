// Relative-index storage: gaps in gapBits bits, filler entries where a gap overflows, positions
// recovered from the gaps alone, and the end of the tensor enforced.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../helpers/rng.js';
import { positionsOf, relativeIndex } from '../../src/compress/relative-index.js';

test('the paper\'s example: 3-bit gaps, a filler after a gap of 8', () => {
  // Han et al. Fig. 2 stores positions 1, 4 and 15 with 3-bit gaps (max 7 zeros skipped).
  const { gaps, slots } = relativeIndex([1, 4, 15], 3);
  assert.equal([...gaps], [1, 2, 7, 2]);
  assert.equal([...slots], [1, 4, -1, 15]);
  assert.equal([...positionsOf(gaps, 16)], [1, 4, 12, 15]);
});

test('round trip on random masks, 4 and 8 bits, long empty stretches', () => {
  const rng = new Rng(8);
  for (const bits of [4, 8]) {
    for (const density of [0.9, 0.1, 0.005]) {
      const size = 5000;
      const positions = Array.from({ length: size }, (_, i) => i).filter(() => rng.next() < density);
      const { gaps, slots } = relativeIndex(positions, bits);
      assert.ok(gaps.every((g) => g < 2 ** bits));
      const at = positionsOf(gaps, size);
      assert.equal([...at].filter((_, i) => slots[i] >= 0), positions);
      slots.forEach((s, i) => s >= 0 && assert.is(at[i], s));
    }
  }
});

test('gaps past the end of the tensor are refused, naming it', () => {
  assert.throws(() => positionsOf([3, 4], 8, 'fc1.weight'), /fc1.weight: entry 1 lands on element 8, the tensor has 8/);
  assert.throws(() => relativeIndex([3, 3], 4), /positions must increase/);
  assert.throws(() => relativeIndex([1], 9), /'gapBits' must be 1–8/);
});

test.run();
