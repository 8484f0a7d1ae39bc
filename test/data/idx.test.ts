// IDX: tiny files built here round-trip into datasets; each header error names the file and what it expected.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { datasetFromIdx, encodeIdx, parseIdx } from '../../src/nn/data/idx.js';
import { Rng } from '../helpers/rng.js';

const rng = new Rng(9);
const pixels = Uint8Array.from({ length: 5 * 4 * 3 }, () => rng.int(0, 255));
const labels = Uint8Array.from([3, 0, 9, 9, 1]);
const images = encodeIdx(pixels, [5, 4, 3]);
const labelFile = encodeIdx(labels, [5]);

test('header bytes follow the IDX layout (big-endian) and round-trip', () => {
  assert.equal(Array.from(images.subarray(0, 16)), [0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3]);
  assert.equal(Array.from(labelFile.subarray(0, 8)), [0, 0, 8, 1, 0, 0, 0, 5]);
  const back = parseIdx(images, 'img');
  assert.is(back.type, 'u8');
  assert.equal(back.dims, [5, 4, 3]);
  assert.equal(back.data, pixels);
  const f = new Float32Array([1.5, -2, 3.25, 1e-3]);
  const fb = encodeIdx(f, [2, 2]);
  assert.equal(Array.from(fb.subarray(0, 8)), [0, 0, 0x0d, 2, 0, 0, 0, 2]);
  assert.equal(Array.from(fb.subarray(12, 16)), [0x3f, 0xc0, 0, 0], '1.5 as big-endian float32');
  assert.equal(parseIdx(fb, 'f').data, f);
});

test('datasetFromIdx: N×H×W images become [1,H,W]; N×C×H×W and float32 images work too', () => {
  const d = datasetFromIdx(images, labelFile, 'tiny', { classes: 10 });
  assert.is(d.size, 5);
  assert.equal(d.shape, [1, 4, 3]);
  assert.equal(d.pixels, pixels);
  assert.equal(Array.from(d.labels), [3, 0, 9, 9, 1]);
  assert.equal(Array.from(d.classCounts()), [1, 1, 0, 1, 0, 0, 0, 0, 0, 2]);
  const d4 = datasetFromIdx(encodeIdx(pixels, [5, 3, 2, 2]), labelFile, 'rgb');
  assert.equal(d4.shape, [3, 2, 2]);
  const df = datasetFromIdx(encodeIdx(new Float32Array(pixels), [5, 4, 3]), labelFile, 'f');
  assert.is(df.dtype, 'f32');
  assert.equal(Array.from(df.pixels), Array.from(pixels));
});

test('header errors name the file, the magic expected, and the sizes', () => {
  const opts = { imagesFile: 'train-images-idx3-ubyte', labelsFile: 'train-labels-idx1-ubyte' };
  const short = images.subarray(0, 16 + 7);
  assert.throws(() => datasetFromIdx(short, labelFile, 't', opts),
    /train-images-idx3-ubyte: header says 5×4×3 = 60 bytes of pixels, file has 7$/);
  assert.throws(() => datasetFromIdx(labelFile, labelFile, 't', opts),
    /train-images-idx3-ubyte: magic 0x00000801 \(u8, 1 dimension\); expected images: 0x00000803 \(u8, N×H×W\)/);
  assert.throws(() => datasetFromIdx(images, images, 't', opts),
    /train-labels-idx1-ubyte: magic 0x00000803 \(u8, 3 dimensions\); expected labels: 0x00000801 \(u8, N\)/);
  assert.throws(() => datasetFromIdx(images, encodeIdx(labels.subarray(0, 4), [4]), 't', opts),
    /train-images-idx3-ubyte has 5 images, train-labels-idx1-ubyte has 4 labels/);
  assert.throws(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'a.zip'), /a.zip: magic 0x504b0304 is not an IDX magic; expected 0x000008nn/);
  assert.throws(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0, 0]), 'x.gz'), /x.gz: magic 0x1f8b0800 is gzip, not IDX: decompress the file first/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 0]), 'i32'), /i32: magic 0x00000c01: IDX type 0x0c \(int32\) is not supported/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 5]), 'h'), /h: an IDX header of 3 dimensions is 16 bytes, file has 8/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0]), 'tiny'), /tiny: 2 bytes, too short for an IDX header/);
  const extra = new Uint8Array(labelFile.length + 1);
  extra.set(labelFile);
  assert.throws(() => datasetFromIdx(images, extra, 't', opts), /train-labels-idx1-ubyte: header says 5 = 5 bytes of labels, file has 6 \(1 extra\)/);
  assert.throws(() => datasetFromIdx(encodeIdx(new Uint8Array(0), [0, 4, 3]), encodeIdx(new Uint8Array(0), [0]), 'none'), /dataset 'none' is empty/);
  const nan = new Float32Array(pixels);
  nan[13] = NaN;
  assert.throws(() => datasetFromIdx(encodeIdx(nan, [5, 4, 3]), labelFile, 'n'), /dataset 'n': sample 1 has NaN at \[c=0, h=0, w=1\]/);
});

test.run();
