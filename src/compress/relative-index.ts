// Relative-index sparse storage (Han et al. 2016): each stored entry keeps the gap to the previous
// one in a few bits (4 for fully connected layers, 8 for convolutions); a gap too long for them
// is bridged by a filler entry holding zero.

/** Entries of a sparse tensor in storage order: gap before each, and what it stores. */
export interface RelativeIndex {
  /** Zeros skipped before each entry, in [0, 2^gapBits). */
  gaps: Uint8Array;
  /** Element each entry stores, or −1 for a filler zero. */
  slots: Int32Array;
}

/** The relative index of the elements `positions` (increasing) with gaps of `gapBits` bits. */
export function relativeIndex(positions: ArrayLike<number>, gapBits: number): RelativeIndex {
  if (!Number.isInteger(gapBits) || gapBits < 1 || gapBits > 8) throw new RangeError(`relativeIndex: 'gapBits' must be 1–8, got ${gapBits}`);
  const max = 2 ** gapBits - 1;
  const gaps: number[] = [];
  const slots: number[] = [];
  let prev = -1;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    if (!(p > prev)) throw new RangeError(`relativeIndex: positions must increase, got ${p} after ${prev}`);
    let gap = p - prev - 1;
    while (gap > max) {
      gaps.push(max);
      slots.push(-1);
      gap -= max + 1;
    }
    gaps.push(gap);
    slots.push(p);
    prev = p;
  }
  return { gaps: Uint8Array.from(gaps), slots: Int32Array.from(slots) };
}

/**
 * The element each entry lands on, from the gaps alone, for a tensor of `size` elements; `what`
 * names the tensor when the gaps run past its end.
 */
export function positionsOf(gaps: ArrayLike<number>, size: number, what = 'relative index'): Int32Array {
  const at = new Int32Array(gaps.length);
  let p = -1;
  for (let i = 0; i < gaps.length; i++) {
    p += gaps[i] + 1;
    if (p >= size) throw new RangeError(`${what}: entry ${i} lands on element ${p}, the tensor has ${size}`);
    at[i] = p;
  }
  return at;
}
