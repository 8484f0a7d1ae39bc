// The README's claims a newcomer acts on, checked against the code: the set-up section counts its
// commands right, readModelFile returns what it says, the ONNX export opset is stated once and
// truly, the inference recipe normalises as the datasets do, onEpoch's example prints the CLI's
// epoch numbers, the CLI help says what `mnist` holds, and the ONNX ops table lists exactly the
// ops import maps.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lopper, root } from './helpers/cli.js';
import { loadNodeKernels } from '../src/node/kernels.js';
import { readModelFile, writeModelFile } from '../src/node/model-file.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet300100 } from '../src/nn/nets.js';
import { Dataset } from '../src/nn/data/dataset.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { parseOnnx } from '../src/io/onnx/import.js';
import { epochLine } from '../src/cli/train.js';
import { onnxOps } from '../src/io/onnx/ops/index.js';

const readme = await readFile(join(root, 'README.md'), 'utf8');
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five'];

test('the set-up section names as many commands as it lists', () => {
  const m = /^## (\w+) commands[^\n]*\n\n((?: {4}.*\n)+)/m.exec(readme);
  assert.ok(m, 'a "## N commands" section with an indented block');
  const listed = m[2].split('\n').filter((l) => l.trim() !== '').length;
  assert.is(WORDS.indexOf(m[1].toLowerCase()), listed, `"${m[1]} commands" lists ${listed}`);
});

test('readModelFile returns the keys the README lists', async () => {
  const m = /`readModelFile` returns `\{ ([^}]+) \}`/.exec(readme.replace(/\s+/g, ' '));
  assert.ok(m, 'the README documents what readModelFile returns');
  const documented = m[1].split(',').map((s) => s.trim()).sort();
  const k = await loadNodeKernels();
  const dir = await mkdtemp(join(tmpdir(), 'lopper-readme-'));
  const model = new Model(new Graph(lenet300100()), k);
  try {
    await writeModelFile(join(dir, 'm.onnx'), model, { note: 1 });
    const file = await readModelFile(join(dir, 'm.onnx'), k);
    assert.equal(Object.keys(file).sort(), documented);
    file.model.dispose();
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the ONNX export opset: one default, the one exportOnnx writes', async () => {
  const claims = [...readme.matchAll(/opset (\d+) (?:by default|\(or)/g)].map((m) => Number(m[1]));
  assert.ok(claims.length >= 1, 'the README states the default opset');
  const k = await loadNodeKernels();
  const model = new Model(new Graph(lenet300100()), k);
  const written = parseOnnx(exportOnnx(model)).info.opset;
  model.dispose();
  for (const c of claims) assert.is(c, written);
  assert.not.match(readme, /Export writes[^.]*\(opset 13–18\)/, 'no range stated as if it were what export writes');
});

test("the inference recipe normalises a sample exactly as the dataset does", () => {
  assert.match(readme, 'Float32Array.from(pixels, (p) => (p / 255 - mean[0]) / std[0])');
  const pixels = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 37) % 256);
  const data = new Dataset({ name: 'd', shape: [1, 28, 28], classes: 3, pixels, labels: Int32Array.of(0, 1, 2) });
  const { mean, std } = data.normalise;
  const mine = Float32Array.from(pixels.subarray(784, 1568), (p) => (p / 255 - mean[0]) / std[0]);
  const theirs = new Float32Array(784);
  data.fillBatch(theirs, null, [1]);
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(mine[i] - theirs[i]) < 1e-5, `pixel ${i}: ${mine[i]} vs ${theirs[i]}`);
});

test("onEpoch's example prints the epoch as the CLI does", () => {
  assert.match(readme, 'console.log(`epoch ${e.epoch + 1}/5`');
  assert.match(epochLine({ epoch: 0, lr: 0.02, loss: 1, trainAccuracy: 0.5, seconds: 1 }, 5), /^epoch 1\/5:/);
});

test('the CLI help says mnist is MNIST-10k with its split', async () => {
  const runs = await Promise.all(['prune', 'train', 'eval', 'sensitivity'].map((c) => lopper([c, '--help'])));
  for (const r of runs) {
    assert.is(r.code, 0, r.stderr);
    const help = r.stdout.replace(/\s+/g, ' ');
    assert.match(help, 'mnist (MNIST-10k');
    assert.match(help, '8,569 train, 1,431 test');
  }
  assert.match(readme, 'MNIST-10k: 8,569 training and 1,431 test digits');
});

test('the ONNX ops table lists every op import maps, and no other', () => {
  const table = readme.slice(readme.indexOf('| kind | ops |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2).map((r) => r.split('|')[2]);
  // Words that name ops: capitalised identifiers outside parentheses, plus what the parentheses name as ONNX ops.
  const named = new Set(rows.flatMap((r) => r.replace(/\([^()]*\)/g, '').match(/\b[A-Z][A-Za-z]+\b/g) ?? []));
  const known = Object.keys(onnxOps);
  assert.equal(known.filter((op) => !new RegExp(`\\b${op}\\b`).test(rows.join(' '))), [], 'ops import maps that the table leaves out');
  assert.equal([...named].filter((w) => !known.includes(w) && !['Maxout'].includes(w)), [], 'words in the table that are no op import maps');
});

test.run();
