// `lopper compress`, `lopper export` and .lop files through inspect and eval, as a user runs them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lopper, fails } from '../helpers/cli.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { saveModel } from '../../src/io/native.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';

let dir = '';
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-compress-'));
  const model = new Model(new Graph(lenet300100()), await loadNodeKernels(), { seed: 1 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.92 });
  await writeFile(join(dir, 'pruned.lopm'), saveModel(model));
  model.dispose();
});
test.after(() => rm(dir, { recursive: true, force: true }));

test('compress writes a .lop and prints its size per layer and part; inspect and eval read it', async () => {
  const out = join(dir, 'm.lop');
  const r = await lopper(['compress', join(dir, 'pruned.lopm'), '-o', out, '--bits', 'fc=4', '--json']);
  assert.is(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.is(json.bytes, (await stat(out)).size);
  assert.ok(json.ratio > 30, `ratio ${json.ratio}`);
  assert.equal(json.layers.map((l: { bits: number }) => l.bits), [4, 4, 4]);
  const text = await lopper(['compress', join(dir, 'pruned.lopm'), '-o', join(dir, 'm5.lop')]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /smaller than the/);
  assert.match(text.stdout, /layer\s+indices\s+gaps\s+codebook\s+Huffman tables\s+raw f32\s+total/);
  const inspect = await lopper(['inspect', out]);
  assert.is(inspect.code, 0, inspect.stderr);
  assert.match(inspect.stdout, /size on disk:/);
  assert.match(inspect.stdout, /fc1\s+[\d.]+ kB/);
  assert.match(inspect.stdout, /size per stage: dense [\d.]+ [kM]?B → pruned [\d.]+ [kM]?B → shared [\d.]+ [kM]?B → huffman [\d.]+ [kM]?B \([\d.]+× in all\)/);
  const stages = JSON.parse((await lopper(['inspect', out, '--json'])).stdout).stages;
  assert.equal(stages.map((s: { stage: string }) => s.stage), ['dense', 'pruned', 'shared', 'huffman']);
  assert.is(stages[3].bytes, json.bytes, 'the last stage is the file');
  // report draws the waterfall of those stages.
  const page = join(dir, 'sizes.html');
  const report = await lopper(['report', out, '-o', page, '--json']);
  assert.is(report.code, 0, report.stderr);
  assert.equal(JSON.parse(report.stdout).stages, stages);
  const html = await readFile(page, 'utf8');
  assert.match(html, /<svg class="chart"[^>]*aria-label="lenet-300-100: /);
  assert.match(html, /Huffman coded \(the \.lop file\)/);
  assert.match(html, /saved by this stage/);
  const evaluated = await lopper(['eval', out, '--data', 'fashion-mnist', '--limit', '200', '--workers', '1', '--json']);
  assert.is(evaluated.code, 0, evaluated.stderr);
  assert.is(JSON.parse(evaluated.stdout).count, 200);
});

test('export turns a .lop into a codebook ONNX, smaller than the f32 one', async () => {
  const lop = join(dir, 'm.lop');
  const r = await lopper(['export', lop, '-o', join(dir, 'm.onnx'), '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).codebook);
  const dense = await lopper(['export', lop, '-o', join(dir, 'dense.onnx'), '--dense']);
  assert.is(dense.code, 0, dense.stderr);
  const [small, big] = [(await stat(join(dir, 'm.onnx'))).size, (await stat(join(dir, 'dense.onnx'))).size];
  assert.ok(big / small >= 3.5, `codebook ONNX ${small} B, f32 ONNX ${big} B`);
  // Pruned weights as ONNX sparse initializers, from the .lopm and from the .lop; lopper reads them back.
  for (const from of [join(dir, 'pruned.lopm'), lop]) {
    const to = join(dir, 'sparse.onnx');
    const sparse = await lopper(['export', from, '-o', to, '--sparse-initializers', '--json']);
    assert.is(sparse.code, 0, sparse.stderr);
    assert.equal([JSON.parse(sparse.stdout).sparseInitializers, JSON.parse(sparse.stdout).codebook], [true, false]);
    assert.ok((await stat(to)).size < big / 2, `sparse ONNX ${(await stat(to)).size} B, f32 ONNX ${big} B`);
    const inspect = await lopper(['inspect', to, '--json']);
    assert.is(inspect.code, 0, inspect.stderr);
    await rm(to);
  }
});

test('bad command lines and damaged files are refused with one line', async () => {
  const lop = join(dir, 'm.lop');
  fails(await lopper(['compress', join(dir, 'pruned.lopm'), '-o', join(dir, 'x.onnx')]), 2, '-o must name a .lop file');
  fails(await lopper(['compress', join(dir, 'pruned.lopm'), '-o', join(dir, 'x.lop'), '--bits', 'fc=9']), 2, '--bits must be fc=n');
  fails(await lopper(['compress', join(dir, 'pruned.lopm'), '-o', join(dir, 'x.lop'), '--retrain-epochs', '1']), 2, '--retrain-epochs needs --data');
  fails(await lopper(['export', lop, '-o', join(dir, 'y.lop')]), 2, "written by 'lopper compress'");
  fails(await lopper(['export', lop, '-o', join(dir, 'y.lopm'), '--sparse-initializers']), 2, '--sparse-initializers', 'not an .onnx file');
  const bytes = new Uint8Array(await readFile(lop));
  bytes[bytes.length - 100] ^= 0x10;
  await writeFile(join(dir, 'bad.lop'), bytes);
  fails(await lopper(['inspect', join(dir, 'bad.lop')]), 1, 'bad.lop: not a valid .lop file: section', 'CRC-32');
});

test.run();
