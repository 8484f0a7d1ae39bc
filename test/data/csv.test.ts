// CSV: header detection, label column by index or name, shapes; bad input named by line, column and value.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCsv } from '../../src/nn/data/csv.js';

test('a headerless file: first column is the label, the rest features of shape [1,1,F]', () => {
  const d = parseCsv('1,0.5,2\n0,-1.25e1,3\n\n2, 7 ,+.5\n', { name: 'plain.csv' });
  assert.is(d.name, 'plain.csv');
  assert.equal(d.shape, [1, 1, 2]);
  assert.equal(Array.from(d.labels), [1, 0, 2]);
  assert.equal(Array.from(d.pixels), [0.5, 2, -12.5, 3, 7, 0.5]);
  assert.is(d.classes, 3);
  assert.is(d.dtype, 'f32');
});

test('a header is detected; the label column can be named or counted from the end; CRLF, BOM, quotes, ; and tabs', () => {
  const text = '\ufeffa,b,"the label"\r\n1,2,0\r\n3,4,1\r\n';
  const d = parseCsv(text, { label: 'the label' });
  assert.equal(Array.from(d.labels), [0, 1]);
  assert.equal(Array.from(d.pixels), [1, 2, 3, 4]);
  assert.equal(Array.from(parseCsv(text, { label: -1 }).labels), [0, 1]);
  assert.equal(Array.from(parseCsv('y;x\n1;2\n0;3').pixels), [2, 3]);
  assert.equal(Array.from(parseCsv('1\t2\t3\n0\t4\t5', { shape: [2, 1, 1], classes: 4 }).pixels), [2, 3, 4, 5]);
  assert.throws(() => parseCsv('label,x\n\n'), /a header but no data rows, an empty dataset is refused/);
  assert.equal(parseCsv('0,1\n1,2', { header: true, label: '0' }).size, 1);
});

test('bad values are refused naming line, column and value', () => {
  assert.throws(() => parseCsv('y,a,b\n1,2,3\n0,4,abc\n', { name: 'd.csv' }), /d.csv line 3, column 3 \('b'\): "abc" is not a number/);
  assert.throws(() => parseCsv('1,2,3\n0,NaN,4\n', { name: 'd.csv' }), /d.csv line 2, column 2: "NaN" is NaN; NaN values are refused/);
  assert.throws(() => parseCsv('1,nan,3\n', { name: 'd.csv' }), /line 1, column 2: "nan" is NaN/);
  assert.throws(() => parseCsv('1,2,3\n0,,4\n'), /csv line 2, column 2: "" is an empty field/);
  assert.throws(() => parseCsv('1,2,3\n0,Infinity,4\n'), /"Infinity" is infinite/);
  assert.throws(() => parseCsv('1,2,3\n0,1e39,4\n'), /"1e39" is outside the float32 range/);
  assert.throws(() => parseCsv('1,2,3\n0,0x10,4\n'), /"0x10" is not a number/);
  assert.throws(() => parseCsv('1,2,3\ncat,1,4\n'), /line 2, column 1: "cat" is not a class label \(an integer ≥ 0\)/);
  assert.throws(() => parseCsv('1,2,3\n-1,1,4\n'), /"-1" is not a class label/);
  assert.throws(() => parseCsv('1,2,3\n0,1\n1,2,3'), /csv line 2: 2 columns, expected 3 \(as on line 1\)/);
  assert.throws(() => parseCsv('1,"2,3\n'), /csv line 1: a quoted field is not closed/);
});

test('empty files, bad options and shapes are refused', () => {
  assert.throws(() => parseCsv('', { name: 'e.csv' }), /e.csv: empty file \(no rows\), an empty dataset is refused/);
  assert.throws(() => parseCsv('\n \n\r\n'), /empty file/);
  assert.throws(() => parseCsv(new Uint8Array(0)), /empty file/);
  assert.throws(() => parseCsv('a,b\n1,2', { label: 'y' }), /no column named 'y' in the header on line 1; columns: a, b/);
  assert.throws(() => parseCsv('1,2\n0,1', { label: 'y', header: false }), /label column 'y' is named, but the file has no header/);
  assert.throws(() => parseCsv('1,2\n0,1', { label: 2 }), /label column 2 is outside the 2 columns on line 1/);
  assert.throws(() => parseCsv('1\n0'), /line 1 has 1 column; a label and at least one feature are needed/);
  assert.throws(() => parseCsv('1,2,3\n0,1,1', { shape: [1, 2, 2] }), /shape \[1,2,2\] holds 4 features, the file has 2 feature columns/);
  assert.throws(() => parseCsv('1,2,3\n0,1,1', { classes: 1 }), /label of sample 0 is 1, outside \[0, 1\)/);
});

test.run();
