// The .lopd format: round trips, and damaged, truncated or foreign bytes refused with clear errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dataset } from '../../src/nn/data/dataset.js';
import { decodeDataset, encodeDataset } from '../../src/nn/data/lop-dataset.js';
import { Rng } from '../helpers/rng.js';

function u8(): Dataset {
  const rng = new Rng(1);
  return new Dataset({
    name: 'tiny/train ✓', shape: [3, 4, 5], classes: 7,
    pixels: Uint8Array.from({ length: 11 * 60 }, () => rng.int(0, 255)),
    labels: rng.i32(11, 0, 6),
  });
}

function same(a: Dataset, b: Dataset): void {
  assert.is(b.name, a.name);
  assert.equal(b.shape, a.shape);
  assert.is(b.classes, a.classes);
  assert.is(b.dtype, a.dtype);
  assert.equal(b.labels, a.labels);
  assert.equal(b.pixels, a.pixels);
  assert.equal(b.normalise, a.normalise, 'normalisation constants recorded exactly');
}

test('round trip: 8-bit pixels, float pixels, and more than 256 classes (32-bit labels)', () => {
  const a = u8();
  const bytes = encodeDataset(a);
  assert.is(new TextDecoder().decode(bytes.subarray(0, 4)), 'LOPD');
  same(a, decodeDataset(bytes));
  const f = new Dataset({ name: 'f', shape: [1, 1, 3], pixels: new Rng(2).f32(6, -1e6, 1e6), labels: [300, 5], classes: 301 });
  same(f, decodeDataset(encodeDataset(f)));
  const offset = new Uint8Array(bytes.length + 3);
  offset.set(bytes, 3);
  same(a, decodeDataset(offset.subarray(3)));
});

test('a flipped byte anywhere is a CRC error with both checksums', () => {
  const bytes = encodeDataset(u8());
  for (const at of [bytes.length - 5, bytes.length - 100, 40]) {
    const bad = bytes.slice();
    bad[at] ^= 0x10;
    assert.throws(() => decodeDataset(bad, 'tiny.lopd'), /tiny.lopd: CRC-32 mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} \(the file is damaged/);
  }
});

test('truncated, padded, foreign and newer files are refused, expected against found', () => {
  const bytes = encodeDataset(u8());
  assert.throws(() => decodeDataset(bytes.subarray(0, bytes.length - 1), 'c.lopd'),
    new RegExp(`c.lopd: truncated: header says 11 × \\[3,4,5\\] u8 with 1-byte labels = ${bytes.length} bytes, file has ${bytes.length - 1}`));
  assert.throws(() => decodeDataset(bytes.subarray(0, 10), 'c.lopd'), /c.lopd: truncated: 10 bytes, a LOPD file has at least 36/);
  const longer = new Uint8Array(bytes.length + 2);
  longer.set(bytes);
  assert.throws(() => decodeDataset(longer, 'c.lopd'), /file has \d+ \(2 extra; the file is damaged/);
  const foreign = bytes.slice();
  foreign.set([0x89, 0x50, 0x4e, 0x47], 0);
  assert.throws(() => decodeDataset(foreign, 'c.lopd'), /c.lopd: not a LOPD file: starts with ".PNG" \(89 50 4e 47\), expected "LOPD"/);
  const newer = bytes.slice();
  newer[4] = 2;
  assert.throws(() => decodeDataset(newer, 'c.lopd'), /c.lopd: LOPD version 2, this lopper reads version 1/);
  const kind = bytes.slice();
  kind[29] = 7;
  assert.throws(() => decodeDataset(kind, 'c.lopd'), /c.lopd: pixel type 7, expected 1 \(u8\) or 2 \(f32\)/);
});

test.run();
