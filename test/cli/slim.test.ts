// `lopper profile` and `lopper slim`, run as child processes: the per-layer table and its JSON;
// folding a .lopm and an imported PyTorch export with batch norm (the written model computes
// what the input did); streamline slimming with refits on data; refused command lines.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, lopper, root } from '../helpers/cli.js';
import { assertClose } from '../helpers/close.js';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5Bn } from '../../src/nn/nets.js';
import { loadModel, saveModel } from '../../src/io/native.js';
import { importOnnx } from '../../src/io/onnx/import.js';

let dir = '';
let lenet = '';

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-slim-'));
  const [{ k }] = await backends();
  const model = new Model(new Graph(lenet5Bn()), k, { seed: 2 });
  const rng = new Rng(9);
  for (const e of model.params.entries.filter((x) => x.name === 'runningMean' || x.name === 'beta')) model.params.value(e.node, e.name).set(rng.f32(e.size).map((v) => v - 0.5));
  lenet = join(dir, 'lenet.lopm');
  await writeFile(lenet, saveModel(model));
  model.dispose();
});
test.after(async () => { await rm(dir, { recursive: true, force: true }); });

test('profile: a row per layer with its kind, the split and the total, per batch size; and as JSON', async () => {
  const [text, json] = await Promise.all([lopper(['profile', lenet, '--runs', '2']), lopper(['profile', lenet, '--runs', '2', '--batch', '2', '--json'])]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /layer +op +kind +ms @1 +share +ms @8 +share/);
  assert.match(text.stdout, /\n +bn1 +BatchNorm +non-tensor +[\d.]+ +[\d.]+%/);
  assert.match(text.stdout, /\n +conv1 +Conv2d +tensor /);
  assert.match(text.stdout, /tensor layers .*\n +non-tensor layers .*\n +forward \(untimed\)/);
  assert.is(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  assert.equal(r.profiles.map((p: { batch: number }) => p.batch), [2]);
  assert.is(r.profiles[0].layers.length, 13);
  assert.equal(r.profiles[0].layers.filter((l: { tensor: boolean }) => l.tensor).map((l: { name: string }) => l.name), ['conv1', 'conv2', 'fc1', 'fc2']);
});

test('slim (fold by default): the written model has no batch norm or ReLU nodes and computes the same', async () => {
  const out = join(dir, 'folded.lopm');
  const r = await lopper(['slim', lenet, '-o', out, '--runs', '2', '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.steps.map((s: { step: string }) => s.step), ['folded']);
  assert.equal(j.layers, { before: 13, after: 7 });
  const [{ k }] = await backends();
  const a = loadModel(new Uint8Array(await readFile(lenet)), k).model;
  const b = loadModel(new Uint8Array(await readFile(out)), k).model;
  assert.not.ok(b.graph.nodes.some((n) => n.layer.op === 'BatchNorm' || n.layer.op === 'Relu'));
  const x = new Rng(3).f32(2 * 784);
  assertClose(b.forward(2, { x }).toArray(), a.forward(2, { x }).toArray(), 'folded file vs input file', { atol: 1e-5, rtol: 1e-5 });
  a.dispose();
  b.dispose();
});

test('slim --fold on a PyTorch export with batch norm, written as ONNX: re-imported, it still matches torch', async () => {
  const fixture = join(root, 'test/fixtures/onnx/residual-bn');
  const out = join(dir, 'residual-folded.onnx');
  const r = await lopper(['slim', join(fixture, 'model.onnx'), '--fold', '-o', out, '--runs', '1']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /folded: \d+ exact merges/);
  const [{ k }] = await backends();
  const model = importOnnx(new Uint8Array(await readFile(out)), k);
  assert.not.ok(model.graph.nodes.some((n) => n.layer.op === 'BatchNorm'));
  const meta = JSON.parse(await readFile(join(fixture, 'meta.json'), 'utf8'));
  const f32 = async (name: string) => { const b = await readFile(join(fixture, name)); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
  assertClose(model.forward(meta.input[0], { x: await f32('input.bin') }).toArray(), await f32('output.bin'), 'folded ONNX vs torch', { atol: 1e-4, rtol: 1e-4 });
  model.dispose();
});

test('slim --streamline with data: chains refitted, errors lowered, accuracy and latency reported', async () => {
  const out = join(dir, 'streamlined.lopm');
  const page = join(dir, 'latency.html');
  const r = await lopper(['slim', lenet, '--fold', '--streamline', '--data', 'fashion-mnist', '--limit', '200', '--samples', '64', '--epochs', '1', '--runs', '2', '-o', out, '--report', page, '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.steps.map((s: { step: string }) => s.step), ['folded', 'streamline']);
  const fits = j.steps[1].fits as { node: string; errorBefore: number; errorAfter: number }[];
  assert.equal(fits.map((f) => f.node), ['conv1', 'conv2']);
  for (const f of fits) assert.ok(f.errorAfter < f.errorBefore, `${f.node}: ${f.errorBefore} → ${f.errorAfter}`);
  assert.equal(j.layers, { before: 13, after: 5 });
  assert.ok(j.accuracy.before >= 0 && j.accuracy.after >= 0);
  assert.equal(j.latency.map((l: { batch: number }) => l.batch), [1, 8]);
  const html = await readFile(page, 'utf8');
  assert.is((html.match(/<svg class="chart"/g) ?? []).length, 2, 'a stacked-bar chart per batch size');
  assert.match(html, /after, batch 8: 5 layers/);
});

test('slim refuses: refits without --data, an even --branch-kernel, the input as output', async () => {
  fails(await lopper(['slim', lenet, '--streamline', '-o', join(dir, 'x.lopm')]), 2, '--streamline and --branch refit on data');
  fails(await lopper(['slim', lenet, '--branch', '--data', 'fashion-mnist', '--branch-kernel', '4', '-o', join(dir, 'x.lopm')]), 2, '--branch-kernel must be odd');
  fails(await lopper(['slim', lenet, '-o', lenet]), 2, 'is also an input');
  fails(await lopper(['slim', lenet, '-o', join(dir, 'y.lopm'), '--report', join(dir, 'y.lopm')]), 2, '--report', 'is also an input');
  fails(await lopper(['profile', lenet, '--batch', '1,1']), 2, '--batch lists a size twice');
});

test.run();
