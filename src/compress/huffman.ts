// Canonical Huffman coding of small alphabets (cluster indices, index gaps): code lengths from
// symbol counts, limited to MAX_CODE_BITS so the decoder's table stays small, MSB-first bit
// streams, and the decoder table the wasm kernel (assembly/huffman.ts) reads.

/** Longest code: the decoder's table has 2^L entries for the longest code L in use. */
export const MAX_CODE_BITS = 12;

/**
 * Code lengths of an optimal prefix code for `counts` (0 for a symbol that never occurs), none
 * longer than `maxBits`. A stream of one distinct symbol gets a 1-bit code, an empty one none.
 */
export function codeLengths(counts: ArrayLike<number>, maxBits = MAX_CODE_BITS): Uint8Array {
  const n = counts.length;
  const used = Array.from({ length: n }, (_, s) => s).filter((s) => counts[s] > 0);
  if (used.length > 2 ** maxBits) throw new RangeError(`codeLengths: ${used.length} symbols do not fit codes of ${maxBits} bits`);
  const lengths = new Uint8Array(n);
  if (used.length === 1) lengths[used[0]] = 1;
  if (used.length < 2) return lengths;
  // NOTE: a code over the limit is rare; flattening the counts (halving, keeping ≥ 1) until the
  // tree fits costs a little optimality and never fails, since equal counts give a balanced tree.
  let weights = used.map((s) => counts[s]);
  for (;;) {
    const depth = huffmanDepths(weights);
    if (Math.max(...depth) <= maxBits) {
      used.forEach((s, i) => (lengths[s] = depth[i]));
      return lengths;
    }
    weights = weights.map((w) => Math.max(1, Math.floor(w / 2)));
  }
}

// Depth of each leaf in a Huffman tree over `weights` (≥ 2 of them): merge the two lightest, with
// ties broken by creation order so the result is deterministic.
function huffmanDepths(weights: number[]): number[] {
  const parent: number[] = [];
  let live = weights.map((w, i) => ({ w, id: i }));
  let next = weights.length;
  while (live.length > 1) {
    live.sort((a, b) => a.w - b.w || a.id - b.id);
    const [a, b] = live;
    parent[a.id] = next;
    parent[b.id] = next;
    live = [{ w: a.w + b.w, id: next++ }, ...live.slice(2)];
  }
  return weights.map((_, i) => {
    let d = 0;
    for (let j = i; parent[j] !== undefined; j = parent[j]) d++;
    return d;
  });
}

/**
 * Canonical codes for `lengths` (shorter codes first, then by symbol), after checking that they
 * form a prefix code: lengths ≤ MAX_CODE_BITS, Kraft sum ≤ 1. `what` names the table in errors.
 */
export function canonicalCodes(lengths: ArrayLike<number>, what = 'Huffman table'): Uint32Array {
  let kraft = 0;
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (!Number.isInteger(l) || l < 0 || l > MAX_CODE_BITS) throw new RangeError(`${what}: symbol ${s} has code length ${l}, allowed 0–${MAX_CODE_BITS}`);
    if (l) kraft += 2 ** (MAX_CODE_BITS - l);
  }
  if (kraft > 2 ** MAX_CODE_BITS) throw new RangeError(`${what}: the code lengths over-fill the code space (Kraft sum ${kraft / 2 ** MAX_CODE_BITS} > 1)`);
  const codes = new Uint32Array(lengths.length);
  const order = Array.from({ length: lengths.length }, (_, s) => s).filter((s) => lengths[s] > 0)
    .sort((a, b) => lengths[a] - lengths[b] || a - b);
  let code = 0;
  let len = order.length ? lengths[order[0]] : 0;
  for (const s of order) {
    code <<= lengths[s] - len;
    len = lengths[s];
    codes[s] = code++;
  }
  return codes;
}

/** Symbol counts of a stream over an alphabet of `size` symbols. */
export function countSymbols(symbols: ArrayLike<number>, size: number): Uint32Array {
  const counts = new Uint32Array(size);
  for (let i = 0; i < symbols.length; i++) counts[symbols[i]]++;
  return counts;
}

/** The stream coded MSB first with the canonical codes of `lengths`, padded with 0 bits to a byte. */
export function huffmanEncode(symbols: ArrayLike<number>, lengths: ArrayLike<number>): Uint8Array {
  const codes = canonicalCodes(lengths);
  let total = 0;
  for (let i = 0; i < symbols.length; i++) {
    const l = lengths[symbols[i]];
    if (!l) throw new RangeError(`huffmanEncode: symbol ${symbols[i]} (at ${i}) has no code`);
    total += l;
  }
  const out = new Uint8Array(Math.ceil(total / 8));
  let acc = 0; // pending bits, right-aligned
  let have = 0;
  let at = 0;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    acc = (acc << lengths[s]) | codes[s];
    have += lengths[s];
    while (have >= 8) {
      have -= 8;
      out[at++] = (acc >>> have) & 0xff;
    }
    acc &= (1 << have) - 1;
  }
  if (have) out[at] = (acc << (8 - have)) & 0xff;
  return out;
}

/** Bits of the coded stream, without building it. */
export function codedBits(counts: ArrayLike<number>, lengths: ArrayLike<number>): number {
  let bits = 0;
  for (let s = 0; s < counts.length; s++) bits += counts[s] * lengths[s];
  return bits;
}

/**
 * The decoder's table for `lengths` (checked by canonicalCodes): its width L (the longest code, ≥ 1)
 * and, per L-bit prefix, (symbol << 8) | length, 0 where no code starts with that prefix.
 */
export function decodeTable(lengths: ArrayLike<number>, what?: string): { table: Int32Array; L: number } {
  const codes = canonicalCodes(lengths, what);
  let L = 1;
  for (let s = 0; s < lengths.length; s++) L = Math.max(L, lengths[s]);
  const table = new Int32Array(1 << L);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (!l) continue;
    const start = codes[s] << (L - l);
    table.fill((s << 8) | l, start, start + (1 << (L - l)));
  }
  return { table, L };
}
