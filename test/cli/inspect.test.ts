// `lopper inspect` on ONNX and .lopm files, run as a child process: ops, layers, totals, groups
// and what can be pruned, as text and as JSON; bad files and flags are named.

import { test } from 'uvu';
import { fails, lopper, root } from '../helpers/cli.js';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnxModel } from '../helpers/onnx-build.js';

const fixture = (name: string) => join(root, 'test/fixtures/onnx', name, 'model.onnx');
let dir = '';


test.before(async () => { dir = await mkdtemp(join(tmpdir(), 'lopper-inspect-')); });
test.after(async () => { await rm(dir, { recursive: true, force: true }); });

test('inspect an ONNX file: header, ops, layers, totals, groups and what can be pruned', async () => {
  const [text, json] = await Promise.all([lopper(['inspect', fixture('residual')]), lopper(['inspect', fixture('residual'), '--json'])]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /residual\/model\.onnx: ONNX, IR 7, opset 13, from pytorch 1\.13/);
  assert.match(text.stdout, /ONNX ops: Conv ×6, Relu ×5, Add ×2, GlobalAveragePool, Flatten, Gemm/);
  assert.match(text.stdout, /\/stem\/stem\.0\/Conv +Conv2d +\[8,12,12\] +224/);
  assert.match(text.stdout, /#0 \/stem\/stem\.0\/Conv \+ \/a2\/a2\.0\/Conv: 8 channels, prunable/);
  assert.match(text.stdout, /fixed \('y' is a graph output\)/);
  assert.match(text.stdout, /prunable: 4 of 5 groups, 48 units/);
  assert.is(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  assert.is(r.format, 'onnx');
  assert.is(r.onnx.opset, 13);
  assert.equal(r.inputs, [{ name: 'x', shape: [3, 12, 12] }]);
  assert.is(r.params, 5194);
  assert.equal(r.prunable, { groups: 4, units: 48 });
  assert.is(r.groups.length, 5);
});

test('inspect a .lopm file, and a symbolic input given with --input-shape', async () => {
  const lopm = join(dir, 'm.lopm');
  const { Model } = await import('../../src/nn/model.js');
  const { Graph } = await import('../../src/graph/graph.js');
  const { lenet5 } = await import('../../src/nn/nets.js');
  const { loadNodeKernels } = await import('../../src/node/kernels.js');
  const { writeModelFile } = await import('../../src/node/model-file.js');
  const model = new Model(new Graph(lenet5()), await loadNodeKernels());
  await writeModelFile(lopm, model);
  model.dispose();
  const sym = join(dir, 'sym.onnx');
  await writeFile(sym, onnxModel({ inputs: [{ name: 'x', dims: ['N', 'C'] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }));
  const [a, b, c] = await Promise.all([lopper(['inspect', lopm]), lopper(['inspect', sym, '--input-shape', '7']), lopper(['inspect', sym])]);
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, /m\.lopm: lopper model; graph 'lenet-5'/);
  assert.match(a.stdout, /prunable: 3 of 4 groups/);
  assert.is(b.code, 0, b.stderr);
  assert.match(b.stdout, /input  x \[N, 7\]/);
  assert.is(c.code, 1);
  assert.match(c.stderr, /^lopper inspect: .*sym\.onnx: graph input 'x' has a symbolic \('C'\) dimension at axis 1/);
});

test('inspect shows each layer\'s weights, non-zero weights, sparsity and channels, and the compression (.lopm and .onnx)', async () => {
  const { Model } = await import('../../src/nn/model.js');
  const { Graph } = await import('../../src/graph/graph.js');
  const { lenet300100 } = await import('../../src/nn/nets.js');
  const { loadNodeKernels } = await import('../../src/node/kernels.js');
  const { writeModelFile } = await import('../../src/node/model-file.js');
  const { pruneByMagnitude } = await import('../../src/prune/magnitude.js');
  const { nonzeroParams } = await import('../../src/prune/masks.js');
  const model = new Model(new Graph(lenet300100()), await loadNodeKernels(), { seed: 4 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: { fc1: 0.9, fc2: 0.5 } });
  const nonzero = nonzeroParams(model);
  const params = model.params.size;
  const [lopm, onnx] = [join(dir, 'pruned.lopm'), join(dir, 'pruned.onnx')];
  await writeModelFile(lopm, model);
  await writeModelFile(onnx, model);
  model.dispose();
  const [text, json, fromOnnx] = await Promise.all([lopper(['inspect', lopm]), lopper(['inspect', lopm, '--json']), lopper(['inspect', onnx, '--json'])]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /weights +count +non-zero +sparsity +channels/);
  assert.match(text.stdout, /fc1 +235,200 +23,520 +90\.0% +300/);
  assert.match(text.stdout, /fc2 +30,000 +15,000 +50\.0% +100/);
  assert.match(text.stdout, /fc3 +1,000 +1,000 +0\.0% +10/);
  assert.match(text.stdout, `non-zero parameters: ${nonzero.toLocaleString('en-US')} of ${params.toLocaleString('en-US')} (${(params / nonzero).toFixed(1)}× compression)`);
  for (const r of [json, fromOnnx]) {
    assert.is(r.code, 0, r.stderr);
    const w = JSON.parse(r.stdout).weights;
    assert.equal(w.layers.map((l: { name: string }) => l.name), ['fc1', 'fc2', 'fc3']);
    assert.equal(w.layers[0], { name: 'fc1', weights: 235200, nonzero: 23520, sparsity: 0.9, channels: 300 });
    assert.is(w.total.nonzero, 23520 + 15000 + 1000);
    assert.is(w.nonzeroParams, nonzero);
    assert.is(w.compression, params / nonzero);
  }
});

test('inspect refuses unknown formats (exit 2), missing and unsupported files (exit 1), naming them', async () => {
  const bad = join(dir, 'bad.onnx');
  await writeFile(bad, onnxModel({ inputs: [{ name: 'x', dims: [1, 2] }], outputs: [{ name: 'y' }], nodes: [{ op: 'NonZero', name: 'nz', inputs: ['x'], outputs: ['y'] }] }));
  const [a, b, c, d] = await Promise.all([
    lopper(['inspect', 'model.pt']), lopper(['inspect', join(dir, 'none.onnx')]), lopper(['inspect', bad]),
    lopper(['inspect', bad, '--input-shape', 'x=3,a']),
  ]);
  assert.is(a.code, 2);
  assert.match(a.stderr, /lopper inspect: model\.pt: unknown model format '\.pt'/);
  assert.is(b.code, 1);
  assert.match(b.stderr, /none\.onnx: no such file/);
  assert.is(c.code, 1);
  assert.match(c.stderr, /1 node uses an op lopper cannot import: NonZero ×1 \('nz'\)/);
  assert.is(d.code, 2);
  assert.match(d.stderr, /--input-shape must be \[name=\]d1,d2,… with integers ≥ 1, got 'x=3,a'/);
});

test.run();
