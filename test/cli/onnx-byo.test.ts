// Bring your own ONNX from the command line, run as a child process: `lopper check` compares lopper
// with onnxruntime-web; `lopper prune` without --data prunes with a data-free method and says
// accuracy was not measured; --data takes NumPy arrays.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, lopper, root } from '../helpers/cli.js';

const zoo = (name: string) => join(root, 'test/fixtures/onnx-zoo', name, 'model.onnx');
const npy = (name: string) => join(root, 'test/fixtures/npy', name);
let dir = '';

test.before(async () => { dir = await mkdtemp(join(tmpdir(), 'lopper-byo-')); });
test.after(async () => { await rm(dir, { recursive: true, force: true }); });

test('check: the largest difference per output, as text and JSON; a tolerance that fails exits 1', async () => {
  const [text, json, strict] = await Promise.all([
    lopper(['check', zoo('shufflenet-v2-op17')]),
    lopper(['check', zoo('mobilenet-v3-op13'), '--json', '--batch', '3', '--seed', '5']),
    lopper(['check', zoo('resnet-op13'), '--tolerance', '1e-30']),
  ]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /lopper vs onnxruntime-web on one random batch of 2 \(seed 0\)/);
  assert.match(text.stdout, /\n +y +20 +\d\.\d\de-\d+ +\d\.\d\de-\d+ +ok/);
  assert.is(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  assert.equal([r.command, r.batch, r.seed, r.ok, r.outputs.length, r.outputs[0].values], ['check', 3, 5, true, 1, 30]);
  assert.ok(r.outputs[0].maxRel <= 1e-4, `within 1e-4: ${r.outputs[0].maxRel}`);
  fails(strict, 1, "'y' differs from onnxruntime-web by more than 1e-30");
});

test('prune without --data: l1-filter and magnitude, no retraining, accuracy not measured; the output runs in onnxruntime-web', async () => {
  const out = join(dir, 'resnet-l1.onnx');
  const l1 = await lopper(['prune', zoo('resnet-op17'), '--method', 'l1-filter', '--ratio', '0.3', '-o', out]);
  assert.is(l1.code, 0, l1.stderr);
  assert.match(l1.stdout, /L1-norm filter pruning of 30% of the filters of 8 layers, no retraining \(no --data\)/);
  assert.match(l1.stdout, /accuracy was not measured/);
  const check = await lopper(['check', out]);
  assert.is(check.code, 0, `the pruned file runs in onnxruntime-web as in lopper: ${check.stderr}`);
  const mag = await lopper(['prune', zoo('densenet-op13'), '--method', 'magnitude', '--sparsity', '0.6', '-o', join(dir, 'dense.onnx'), '--json']);
  assert.is(mag.code, 0, mag.stderr);
  const r = JSON.parse(mag.stdout);
  assert.equal([r.data, r.accuracyMeasured], [null, false]);
  assert.ok(r.after.nonzeroParams < r.before.nonzeroParams * 0.6, `weights masked: ${r.before.nonzeroParams} → ${r.after.nonzeroParams}`);
  fails(await lopper(['prune', zoo('resnet-op13'), '--method', 'magnitude', '--retrain-epochs', '1', '-o', join(dir, 'never.onnx')]), 2, '--retrain-epochs', 'needs --data');
  assert.is(await stat(join(dir, 'never.onnx')).then(() => 'written', () => 'absent'), 'absent', 'nothing written');
});

test('prune --data inputs.npy,labels.npy retrains on NumPy arrays', async () => {
  const out = join(dir, 'mlp.onnx');
  const ok = await lopper(['prune', join(root, 'test/fixtures/onnx/mlp-dropout/model.onnx'), '--data', `${npy('inputs.npy')},${npy('labels.npy')}`, '--method', 'l1-filter',
    '--ratio', '0.25', '--retrain-epochs', '1', '--batch-size', '8', '--workers', '1', '-o', out]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /24 training samples/);
  assert.match(ok.stdout, /accuracy/);
});

test.run();
