// CRC-32 against the standard check value and against zlib, including continuation over pieces.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as zlib from 'node:zlib';
import { crc32, hex32 } from '../../src/io/crc32.js';
import { Rng } from '../helpers/rng.js';

test('the check value of "123456789" is 0xcbf43926, and of nothing is 0', () => {
  assert.is(hex32(crc32(new TextEncoder().encode('123456789'))), '0xcbf43926');
  assert.is(crc32(new Uint8Array(0)), 0);
});

test('matches zlib at lengths around the 8-byte stride, and continues over pieces', () => {
  const rng = new Rng(3);
  const bytes = Uint8Array.from({ length: 1000 }, () => rng.int(0, 255));
  const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  for (const n of [1, 7, 8, 9, 15, 16, 17, 129, 1000]) {
    const piece = bytes.subarray(1, 1 + Math.min(n, 999));
    if (zcrc) assert.is(crc32(piece), zcrc(piece), `length ${piece.length}`);
    const cut = Math.floor(piece.length / 3);
    assert.is(crc32(piece.subarray(cut), crc32(piece.subarray(0, cut))), crc32(piece), `continued at ${cut}`);
  }
});

test.run();
