// Seeded randomness for data order: a small PRNG (mulberry32) and a Fisher–Yates permutation.
// The same seed gives the same order in every runtime; not for anything security-related.

/** A generator of uniform floats in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The numbers 0 … n−1 in an order fixed by `seed` (Fisher–Yates). Pass a different seed per epoch
 * (for example `seed + epoch`) to get a different order each epoch.
 */
export function permutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be an integer ≥ 0, got ${n}`);
  if (!Number.isInteger(seed)) throw new RangeError(`permutation: seed must be an integer, got ${seed}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
