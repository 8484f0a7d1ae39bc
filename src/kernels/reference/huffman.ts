// Plain-TypeScript twin of the Huffman decoder (assembly/huffman.ts): the spec. MSB-first bits,
// table[prefix of L bits] = (symbol << 8) | code length, 0 where no code starts there.

/**
 * Decodes n symbols of `bits` (bytes packed little-endian into words; nbytes of them count, the
 * rest read as 0). Returns the bits consumed, or −1 for a prefix with no code or a stream too short.
 */
export function i32_huffman_decode(out: Int32Array, bits: Int32Array, table: Int32Array, n: number, nbytes: number, L: number): number {
  const bytes = new Uint8Array(bits.buffer, bits.byteOffset, Math.min(nbytes, bits.byteLength));
  let bit = 0;
  const at = (b: number) => (b >> 3 < bytes.length ? (bytes[b >> 3] >> (7 - (b & 7))) & 1 : 0);
  for (let i = 0; i < n; i++) {
    let prefix = 0;
    for (let j = 0; j < L; j++) prefix = (prefix << 1) | at(bit + j);
    const e = table[prefix];
    const len = e & 0xff;
    if (len === 0) return -1;
    out[i] = e >> 8;
    bit += len;
  }
  return bit > nbytes * 8 ? -1 : bit;
}
