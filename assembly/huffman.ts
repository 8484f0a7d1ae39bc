// Table-driven decoding of a canonical Huffman bit stream (MSB first); spec:
// src/kernels/reference/huffman.ts. The table is built and validated by the façade
// (src/compress/huffman.ts); the stream is not trusted: a bad code or a read past the end returns −1.

/**
 * Decodes n symbols from bits[0 .. nbytes) into out. table[2^L] holds, for every L-bit prefix,
 * (symbol << 8) | code length, or 0 where no code starts with that prefix. Bytes past the end
 * read as 0. Returns the number of bits consumed, or −1 for a prefix with no code or for a stream
 * that ends before n symbols.
 */
export function i32_huffman_decode(
  out: usize, // i32 [n]
  bits: usize, // u8 [nbytes]
  table: usize, // i32 [2^L]
  n: i32,
  nbytes: i32,
  L: i32,
): i32 {
  // NOTE: buf holds `have` valid bits at its top; refilled a byte at a time up to 57 bits, so
  // any code (≤ 24 bits; the façade keeps them ≤ 12) can be peeked after one refill.
  let buf: u64 = 0;
  let have: i32 = 0;
  let pos: i32 = 0;
  let used: i64 = 0;
  const shift = <u64>(64 - L);
  for (let i = 0; i < n; i++) {
    if (have < L) {
      if (pos + 8 <= nbytes) {
        // Eight bytes at once, big-endian, keeping the whole bytes that fit.
        const w = bswap<u64>(load<u64>(bits + <usize>pos));
        buf |= w >> <u64>have;
        const take = (63 - have) >> 3;
        pos += take;
        have += take << 3;
      } else {
        while (have <= 56) {
          const b: u64 = pos < nbytes ? <u64>load<u8>(bits + <usize>pos) : 0;
          buf |= b << <u64>(56 - have);
          pos++;
          have += 8;
        }
      }
    }
    const e = load<i32>(table + (<usize>(buf >> shift) << 2));
    const len = e & 0xff;
    if (len == 0) return -1;
    store<i32>(out + (<usize>i << 2), e >> 8);
    buf <<= <u64>len;
    have -= len;
    used += len;
  }
  if (used > <i64>nbytes << 3) return -1;
  return <i32>used;
}
