// Huffman coding: code lengths (optimal, limited, deterministic), canonical codes, and the
// round trip through the wasm decoder and its twin on skewed, uniform and single-symbol streams.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { codeLengths, codedBits, countSymbols, decodeTable, huffmanEncode, canonicalCodes, MAX_CODE_BITS } from '../../src/compress/huffman.js';
import { huffmanDecode } from '../../src/kernels/ops/huffman.js';

/** Bytes packed into words, the way the twin helper carries them. */
function words(bytes: Uint8Array): Int32Array {
  const w = new Int32Array(Math.ceil(bytes.length / 4) + 2);
  new Uint8Array(w.buffer).set(bytes);
  return w;
}

const streams = (rng: Rng): [string, number, Int32Array][] => [
  ['skewed', 33, Int32Array.from({ length: 5000 }, () => Math.min(32, Math.floor(-Math.log(1 - rng.next()) * 2)))],
  ['uniform', 257, Int32Array.from({ length: 3001 }, () => Math.floor(rng.next() * 257))],
  ['single symbol', 16, new Int32Array(777).fill(5)],
  ['one of each', 7, Int32Array.from([0, 1, 2, 3, 4, 5, 6])],
  ['geometric (codes past the limit)', 40, Int32Array.from(Array.from({ length: 40 }, (_, s) => new Array(s < 17 ? 2 ** (16 - s) : 1).fill(s)).flat())],
];

test('code lengths: a prefix code, within the limit, optimal on a textbook case', () => {
  assert.equal([...codeLengths([45, 13, 12, 16, 9, 5])], [1, 3, 3, 3, 4, 4]); // CLRS: 224 bits
  assert.equal([...codeLengths([0, 0, 9, 0])], [0, 0, 1, 0]);
  assert.equal([...codeLengths([0, 0])], [0, 0]);
  const fib: number[] = Array.from({ length: 30 }, (_, i) => (i < 2 ? 1 : 0));
  for (let i = 2; i < 30; i++) fib[i] = fib[i - 1] + fib[i - 2]; // Fibonacci counts: a 29-deep tree unlimited
  const lengths = codeLengths(fib);
  assert.ok(Math.max(...lengths) <= MAX_CODE_BITS, `max length ${Math.max(...lengths)}`);
  let kraft = 0;
  for (const l of lengths) kraft += 2 ** -l;
  assert.ok(kraft <= 1 + 1e-12);
});

test('canonical codes refuse over-full and over-long length tables, naming the table', () => {
  assert.throws(() => canonicalCodes([1, 1, 1], 'gap code'), /gap code: .*over-fill/);
  assert.throws(() => canonicalCodes([13, 1], 'index code'), /index code: symbol 0 has code length 13/);
  assert.equal([...canonicalCodes([2, 1, 3, 3])], [0b10, 0b0, 0b110, 0b111]);
});

test('round trip: wasm decoder and twin give back every stream, bits counted exactly', async () => {
  const rng = new Rng(5);
  for (const { k } of await backends()) {
    for (const [label, size, symbols] of streams(rng)) {
      const lengths = codeLengths(countSymbols(symbols, size));
      const bits = huffmanEncode(symbols, lengths);
      assert.is(bits.length, Math.ceil(codedBits(countSymbols(symbols, size), lengths) / 8), label);
      const { table, L } = decodeTable(lengths);
      assert.equal([...huffmanDecode(k, bits, table, L, symbols.length)], [...symbols], `${label} [${k.build}]`);
      twin(k, 'i32_huffman_decode', [new Int32Array(symbols.length), words(bits), table, symbols.length, bits.length, L], label, { atol: 0, rtol: 0 });
    }
  }
});

test('a damaged or short stream is refused, never read past its end', async () => {
  const { k } = (await backends())[0];
  const rng = new Rng(9);
  const symbols = Int32Array.from({ length: 1000 }, () => Math.floor(rng.next() * 5));
  const lengths = codeLengths([1, 1, 1, 1, 0, 0, 0, 0].map((c, i) => (i < 5 ? 10 + i : c)));
  const bits = huffmanEncode(symbols.map((s) => s % 4), lengths);
  const { table, L } = decodeTable(lengths);
  assert.throws(() => huffmanDecode(k, bits.subarray(0, bits.length - 3), table, L, 1000, 'IDX'), /IDX: .*(damaged|ends)/);
  assert.throws(() => huffmanDecode(k, bits, table, L, 999, 'IDX'), /IDX: 999 symbols take/);
  assert.throws(() => huffmanDecode(k, bits, table, L, 1e9, 'IDX'), /IDX: 1000000000 symbols cannot fit/);
  // An incomplete code (one symbol): the other prefix has no code.
  const one = decodeTable([0, 1]);
  assert.throws(() => huffmanDecode(k, Uint8Array.of(0x80), one.table, one.L, 1), /damaged/);
  twin(k, 'i32_huffman_decode', [new Int32Array(4), words(Uint8Array.of(0x10)), one.table, 4, 1, one.L], 'invalid prefix', { atol: 0, rtol: 0 });
});

test.run();
