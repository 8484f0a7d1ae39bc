// .npy arrays (written by numpy: test/fixtures/npy/) as datasets, and the errors for what lopper
// does not read.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { datasetFromNpy, parseNpy } from '../../src/nn/data/npy.js';
import { loadData } from '../../src/node/data.js';

const at = (name: string) => new URL(`../fixtures/npy/${name}`, import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(at(name)));

test('parseNpy reads numpy\'s float32, int64 and uint8 arrays with their shapes', () => {
  const x = parseNpy(bytes('inputs.npy'), 'inputs.npy');
  assert.is(x.dtype, '<f4');
  assert.equal(x.shape, [24, 1, 8, 8]);
  assert.ok(x.data instanceof Float32Array && x.data.length === 24 * 64);
  const y = parseNpy(bytes('labels.npy'), 'labels.npy');
  assert.equal([y.dtype, y.shape, Array.from(y.data.slice(0, 12), Number)], ['<i8', [24], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]]);
  const u = parseNpy(bytes('u8-hw.npy'), 'u8-hw.npy');
  assert.equal([u.dtype, u.shape, u.data[23]], ['|u1', [2, 3, 4], 23]);
});

test('datasetFromNpy pairs inputs and labels; loadData takes "inputs.npy,labels.npy"', async () => {
  const d = datasetFromNpy(parseNpy(bytes('inputs.npy'), 'x'), parseNpy(bytes('labels.npy'), 'y'));
  assert.equal([d.size, d.shape, d.classes], [24, [1, 8, 8], 10]);
  assert.equal(d.normalise.mean, [0], 'float inputs are taken as they are');
  const flat = datasetFromNpy(parseNpy(bytes('inputs.npy'), 'x'), parseNpy(bytes('labels.npy'), 'y'), { shape: [64] });
  assert.equal(flat.shape, [1, 1, 64]);
  const loaded = await loadData(`${at('inputs.npy').pathname},${at('labels.npy').pathname}`);
  assert.is(loaded.train.size, 24);
  assert.is(loaded.test, undefined);
});

test('refused: not .npy, Fortran order, big-endian, cut short, mismatched labels', () => {
  assert.throws(() => parseNpy(new TextEncoder().encode('hello world, not numpy'), 'a.npy'), /a\.npy: not a \.npy file/);
  assert.throws(() => parseNpy(bytes('fortran.npy'), 'f.npy'), /f\.npy: the array is in Fortran order/);
  assert.throws(() => parseNpy(bytes('big-endian.npy'), 'b.npy'), /b\.npy: dtype '>f4': lopper reads little-endian/);
  const whole = bytes('inputs.npy');
  assert.throws(() => parseNpy(whole.subarray(0, whole.length - 8), 'cut.npy'), /cut\.npy: shape \(24,1,8,8\) of <f4 needs 6144 data bytes, the file has 6136/);
  const x = parseNpy(whole, 'x.npy');
  assert.throws(() => datasetFromNpy(x, parseNpy(bytes('u8-hw.npy'), 'u.npy'), { labelsFile: 'u.npy' }), /u\.npy: shape \(2,3,4\); the labels must be one per input sample, shape \(24,\)/);
  assert.throws(() => datasetFromNpy(x, x, { labelsFile: 'x.npy' }), /x\.npy: shape/);
});

test.run();
