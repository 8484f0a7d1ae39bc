// `lopper prune --method apoz|taylor|…` as a child process on tiny data: the structured methods
// run on lopper's own model and on an imported ONNX model (written back as ONNX), on workers;
// flags of one method are refused with another.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fails, lopper, root } from '../helpers/cli.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Dataset } from '../../src/nn/data/dataset.js';
import { saveDataset, writeAtomic } from '../../src/node/data.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet5Maxout } from '../../src/nn/nets.js';
import { saveModel } from '../../src/io/native.js';
import { Rng } from '../helpers/rng.js';

let dir = '';
const at = (name: string) => join(dir, name);
const onnx = resolve(root, 'test/fixtures/onnx/lenet5/model.onnx');
const COMMON = ['--data', '', '--retrain-epochs', '1', '--batch-size', '16', '--json'];
const common = () => COMMON.map((a) => (a === '' ? at('tiny.lopd') : a));

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-cli-criteria-'));
  const rng = new Rng(8);
  const n = 64;
  await saveDataset(at('tiny.lopd'), new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  }));
  const model = new Model(new Graph(lenet5Maxout()), await loadNodeKernels(), { seed: 3 });
  await writeAtomic(at('maxout.lopm'), saveModel(model));
  model.dispose();
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('apoz and taylor prune an imported ONNX LeNet-5 on 2 workers and write ONNX', async () => {
  for (const method of ['apoz', 'taylor']) {
    const r = await lopper(['prune', onnx, ...common(), '--method', method, '--ratio', '0.5', '--workers', '2', '-o', at(`${method}.onnx`)]);
    assert.is(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.is(out.method, method);
    assert.ok(out.after.params < out.before.params, `${method}: ${out.after.params} < ${out.before.params}`);
    const history = JSON.parse(await readFile(out.history, 'utf8'));
    assert.equal(history.steps.map((s: { phase: string }) => s.phase), ['dense', 'remove', 'retrain']);
    assert.match(history.method, new RegExp(`^${method} `));
    assert.ok((await readFile(at(`${method}.onnx`))).length > 1000);
  }
});

test('maxout removes neurons inside the units of the maxout LeNet-5; l2, random, correlation and group-lasso run', async () => {
  const m = await lopper(['prune', at('maxout.lopm'), ...common(), '--method', 'maxout', '--ratio', '0.5', '--workers', '1', '--pass-samples', '32', '-o', at('mx.lopm')]);
  assert.is(m.code, 0, m.stderr);
  assert.equal(JSON.parse(m.stdout).removed, { maxout1: 250 });
  for (const [method, extra] of [['l2', []], ['random', ['--steps', '2']], ['correlation', ['--ratio', '0.8']], ['group-lasso', ['--lasso', '1', '--lasso-epochs', '1']], ['group-lasso', ['--lasso', '1', '--lasso-epochs', '1', '--lasso-groups', 'channel,shape']]] as const) {
    const r = await lopper(['prune', onnx, ...common(), '--method', method, '--workers', '1', ...extra, '-o', at(`${method}.lopm`)]);
    assert.is(r.code, 0, `${method}: ${r.stderr}`);
  }
  // Group lasso at a chosen size: per layer, the same count as any criterion at that ratio.
  const [byNorm, byL1] = await Promise.all([
    lopper(['prune', onnx, ...common(), '--method', 'group-lasso', '--lasso', '0.01', '--lasso-epochs', '1', '--lasso-remove', 'ratio', '--ratio', '0.5', '--workers', '1', '-o', at('gl-ratio.lopm')]),
    lopper(['prune', onnx, ...common(), '--method', 'l1', '--ratio', '0.5', '--workers', '1', '-o', at('l1-ratio.lopm')]),
  ]);
  assert.is(byNorm.code, 0, byNorm.stderr);
  assert.ok(Object.values(JSON.parse(byNorm.stdout).removed).some((n) => (n as number) > 0));
  assert.equal(JSON.parse(byNorm.stdout).removed, JSON.parse(byL1.stdout).removed);
});

test('lopper sensitivity runs with the data-driven criteria too, on the imported ONNX model', async () => {
  for (const method of ['apoz', 'taylor']) {
    const r = await lopper(['sensitivity', onnx, '--data', at('tiny.lopd'), '--method', method, '--ratios', '0,0.5', '--pass-samples', '32', '--workers', '1', '--json']);
    assert.is(r.code, 0, `${method}: ${r.stderr}`);
    const out = JSON.parse(r.stdout);
    assert.is(out.sensitivity.method, method);
    assert.ok(out.sensitivity.curves.length >= 2, `${method}: a curve per prunable layer`);
    for (const c of out.sensitivity.curves) assert.is(c.accuracy[0], out.sensitivity.baseline, `${method} ${c.layer}: ratio 0 changes nothing`);
  }
});

test('a flag of one method is refused with another', async () => {
  const [a, b, c, d] = await Promise.all([
    lopper(['prune', onnx, ...common(), '--method', 'apoz', '--lasso', '0.1', '-o', at('x.lopm')]),
    lopper(['prune', onnx, ...common(), '--method', 'taylor', '--sparsity', '0.5', '-o', at('x.lopm')]),
    lopper(['prune', onnx, ...common(), '--method', 'group-lasso', '--lasso-groups', 'filter,kernel', '-o', at('x.lopm')]),
    lopper(['prune', onnx, ...common(), '--method', 'group-lasso', '--ratio', '0.3', '-o', at('x.lopm')]),
  ]);
  fails(a, 2, '--lasso is for --method group-lasso, not apoz');
  fails(b, 2, '--sparsity is for --method magnitude, not taylor');
  fails(c, 2, "--lasso-groups must be a comma-separated list of filter, channel, shape, each once; got 'filter,kernel'");
  fails(d, 2, '--ratio with --method group-lasso needs --lasso-remove ratio (by default it removes what training drove under --epsilon)');
});

test.run();
