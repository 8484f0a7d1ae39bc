// Huffman decoding on the wasm heap (assembly/huffman.ts): copies the stream and the table in,
// decodes, and refuses a stream that does not decode to exactly `count` symbols.

import * as check from '../check.js';
import type { Kernels } from '../kernels.js';

/**
 * The `count` symbols coded in `bits` by the decoder table of src/compress/huffman.ts; `what`
 * names the stream in errors (a damaged stream is refused, never read past its end).
 */
export function huffmanDecode(k: Kernels, bits: Uint8Array, table: Int32Array, L: number, count: number, what = 'huffmanDecode'): Int32Array {
  check.int('huffmanDecode', 'count', count, 0);
  check.int('huffmanDecode', 'L', L, 1);
  if (table.length !== 2 ** L) throw new RangeError(`huffmanDecode: a table of ${L} bits has ${2 ** L} entries, got ${table.length}`);
  if (count === 0) {
    if (bits.length) throw new Error(`${what}: no symbols are coded, yet the stream has ${bits.length} bytes`);
    return new Int32Array(0);
  }
  // NOTE: every code is ≥ 1 bit, so a stream of `bits.length` bytes holds at most 8× that many
  // symbols: a count beyond that is refused before allocating for it.
  if (count > bits.length * 8) throw new RangeError(`${what}: ${count} symbols cannot fit in ${bits.length} bytes`);
  // One scratch block, 16-byte aligned parts: [out i32 × count | table i32 × 2^L | stream bytes].
  const tableAt = Math.ceil(count / 4) * 16;
  const bitsAt = tableAt + table.length * 4;
  const base = k.scratch(bitsAt + Math.max(8, bits.length));
  const mem = k.wasm.memory.buffer;
  new Int32Array(mem, base + tableAt, table.length).set(table);
  new Uint8Array(mem, base + bitsAt, bits.length).set(bits);
  const used = k.wasm.i32_huffman_decode(base, base + bitsAt, base + tableAt, count, bits.length, L);
  if (used < 0) throw new Error(`${what}: the Huffman stream is damaged (an invalid code, or it ends before ${count} symbols)`);
  if (Math.ceil(used / 8) !== bits.length) throw new Error(`${what}: ${count} symbols take ${Math.ceil(used / 8)} bytes, the stream has ${bits.length}`);
  return new Int32Array(k.wasm.memory.buffer, base, count).slice();
}
