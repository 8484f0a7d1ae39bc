// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320; the one zlib, PNG and gzip use), for the
// integrity checks of lopper's binary files (.lopd datasets, .lop models). Not a cryptographic hash.

// NOTE: slicing-by-8: TABLE[k][b] is the CRC of byte b followed by k zero bytes, so eight input
// bytes fold into the state with eight lookups instead of eight dependent table steps.
const TABLE: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0][b] = c;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) t[k][b] = (t[k - 1][b] >>> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
})();

/**
 * CRC-32 of `bytes`, as an unsigned 32-bit number. Pass the previous result as `crc` to continue a
 * checksum over data that arrives in pieces: `crc32(b, crc32(a))` equals the CRC of a followed by b.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLE;
  let c = ~crc;
  const n = bytes.length;
  let i = 0;
  for (const end = n - 7; i < end; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c = t7[lo & 0xff] ^ t6[(lo >>> 8) & 0xff] ^ t5[(lo >>> 16) & 0xff] ^ t4[lo >>> 24] ^
      t3[bytes[i + 4]] ^ t2[bytes[i + 5]] ^ t1[bytes[i + 6]] ^ t0[bytes[i + 7]];
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** `0x1234abcd`-style hex of a CRC, for error messages. */
export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}
