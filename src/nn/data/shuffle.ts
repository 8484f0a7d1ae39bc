// Seeded data order: a Fisher–Yates permutation from lopper's seeded generator, so the same seed
// gives the same order in every runtime. Not for anything security-related.

import { Rng } from '../random.js';

/**
 * The numbers 0 … n−1 in an order fixed by `seed`. Pass a different seed per epoch (for example
 * `seed + epoch`) to get a different order each epoch.
 */
export function permutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be an integer ≥ 0, got ${n}`);
  if (!Number.isInteger(seed)) throw new RangeError(`permutation: seed must be an integer, got ${seed}`);
  return new Rng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
}
