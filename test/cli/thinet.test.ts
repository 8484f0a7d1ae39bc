// `lopper prune --method thinet` as a child process on tiny data: an imported ONNX LeNet-5 pruned
// layer by layer on 2 workers (with and without least squares, by ratio and by a FLOPs target),
// the history's per-layer record, the report's channels per layer, and thinet's flags refused
// before any work.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fails, lopper, root } from '../helpers/cli.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Dataset } from '../../src/nn/data/dataset.js';
import { saveDataset } from '../../src/node/data.js';
import { Rng } from '../helpers/rng.js';

let dir = '';
const at = (name: string) => join(dir, name);
const onnx = resolve(root, 'test/fixtures/onnx/lenet5/model.onnx');
const common = () => ['--data', at('tiny.lopd'), '--method', 'thinet', '--retrain-epochs', '1', '--batch-size', '16', '--samples', '500', '--json'];

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-cli-thinet-'));
  const rng = new Rng(9);
  const n = 64;
  await saveDataset(at('tiny.lopd'), new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  }));
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Record { layer: string; unitsBefore: number; removed: number; objective: number; reweighting: { consumer: string; status: string }[] }

test('thinet prunes an imported ONNX LeNet-5 layer by layer on 2 workers; the history and the report show it', async () => {
  const r = await lopper(['prune', onnx, ...common(), '--ratio', '0.5', '--workers', '2', '-o', at('thinet.onnx')]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.method, 'thinet');
  const convs = Object.keys(out.removed);
  assert.ok(convs.length >= 2, `conv layers: ${convs}`);
  const history = JSON.parse(await readFile(out.history, 'utf8'));
  assert.match(history.method, /^thinet \(Luo et al\. 2017\)/);
  assert.equal(history.steps.map((s: { phase: string }) => s.phase), ['dense', ...convs.flatMap(() => ['remove', 'retrain'])]);
  const records: Record[] = history.thinet;
  assert.equal(records.map((t) => t.layer), convs);
  for (const t of records) {
    assert.is(t.removed, Math.round(t.unitsBefore / 2), t.layer);
    assert.ok(Number.isFinite(t.objective) && t.objective >= 0, `${t.layer}: objective ${t.objective}`);
    assert.ok(t.reweighting.length >= 1 && t.reweighting.every((w) => w.status === 'solved'), `${t.layer}: ${JSON.stringify(t.reweighting)}`);
  }
  assert.equal(out.thinet, records, '--json prints the same record');
  assert.ok(out.after.flops < out.before.flops);
  assert.ok((await readFile(at('thinet.onnx'))).length > 1000);

  const rep = await lopper(['report', out.history, '-o', at('thinet.html')]);
  assert.is(rep.code, 0, rep.stderr);
  const html = await readFile(at('thinet.html'), 'utf8');
  assert.match(html, '<h2>Channels per layer</h2>');
  const first = records[0];
  assert.match(html, `<tr><th>${first.layer}</th><td>${first.unitsBefore}</td><td>${first.unitsBefore - first.removed}</td>`);
  assert.match(html, '<h2>ThiNet per layer</h2>');
  assert.match(html, `${first.reweighting[0].consumer}: solved`);
});

test('--no-least-squares leaves the readers unweighted; --flops 2 halves the FLOPs (one thread, progress lines)', async () => {
  const [plain, flops] = await Promise.all([
    lopper(['prune', onnx, ...common(), '--no-least-squares', '--retrain-epochs', '0', '--workers', '1', '-o', at('plain.lopm')]),
    lopper(['prune', onnx, ...common().filter((a) => a !== '--json'), '--flops', '2', '--retrain-epochs', '0', '--workers', '1', '-o', at('flops.lopm')]),
  ]);
  assert.is(plain.code, 0, plain.stderr);
  const p = JSON.parse(plain.stdout);
  assert.ok(p.thinet.length >= 2 && p.thinet.every((t: Record) => t.reweighting.length === 0), JSON.stringify(p.thinet));
  assert.is(p.settings.thinet.leastSquares, false);
  assert.is(flops.code, 0, flops.stderr);
  assert.match(flops.stdout, /structured pruning by thinet: 2× fewer FLOPs, layer by layer/);
  assert.match(flops.stdout, /least squares solved at /);
  const history = JSON.parse(await readFile(at('flops.lopm.history.json'), 'utf8'));
  const reduction = history.steps[0].flops / history.steps[history.steps.length - 1].flops;
  // LeNet-5's conv1 has 6 filters: one share for both layers reaches 2× only to within a step.
  assert.ok(Math.abs(reduction - 2) < 0.5, `${reduction.toFixed(2)}× for --flops 2`);
});

test('thinet flags are refused before any work, and with other methods', async () => {
  const runs = await Promise.all([
    lopper(['prune', onnx, ...common(), '--steps', '2', '-o', at('x.lopm')]),
    lopper(['prune', onnx, ...common(), '--flops', '2', '--ratio', '0.5', '-o', at('x.lopm')]),
    lopper(['prune', onnx, ...common(), '--flops', '1', '-o', at('x.lopm')]),
    lopper(['prune', onnx, '--data', at('tiny.lopd'), '--method', 'apoz', '--no-least-squares', '-o', at('x.lopm')]),
    lopper(['prune', onnx, '--data', at('tiny.lopd'), '--method', 'l1', '--flops', '2', '-o', at('x.lopm')]),
    lopper(['prune', onnx, ...common(), '--samples', '0', '-o', at('x.lopm')]),
  ]);
  fails(runs[0], 2, '--steps does not apply to --method thinet');
  fails(runs[1], 2, 'give --flops or --ratio, not both');
  fails(runs[2], 2, "--flops must be a number > 1, got '1'");
  fails(runs[3], 2, '--no-least-squares is for --method thinet, not apoz');
  fails(runs[4], 2, '--flops is for --method thinet, not l1');
  fails(runs[5], 2, '--samples must be an integer ≥ 1');
  assert.not.ok(existsSync(at('x.lopm')), 'nothing written');
});

test.run();
