// `lopper prune`, `sensitivity` and `demo` as child processes, on tiny data written here: magnitude
// pruning reaches its sparsity and writes a history that `report` renders; an interrupted run
// resumes from its checkpoint and a checkpoint of other settings is refused; l1-filter pruning
// shrinks the model; sensitivity writes one curve per layer; a tiny demo runs end to end (--limit)
// and reuses its cached model; argument errors exit 2 naming the flag and value.

import { test } from 'uvu';
import { fails, lopper, root } from '../helpers/cli.js';
import * as assert from 'uvu/assert';
import { access, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Dataset } from '../../src/nn/data/dataset.js';
import { builtinCachePath, loadBuiltin, loadLopd, saveDataset, writeAtomic } from '../../src/node/data.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { fileCheckpoint } from '../../src/node/checkpoint.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100, lenet5 } from '../../src/nn/nets.js';
import { evaluate, train } from '../../src/nn/train.js';
import { loadModel, saveModel } from '../../src/io/native.js';
import { crc32 } from '../../src/io/crc32.js';
import { sparsity } from '../../src/prune/masks.js';
import { runHan, HAN_DEFAULTS, type HanSettings } from '../../src/pipeline/han.js';
import { Rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/close.js';
import { ortRunModel } from '../helpers/ort.js';
import { readModelFile } from '../../src/node/model-file.js';

let dir = '';
const at = (name: string) => join(dir, name);



const exists = (path: string) => access(path).then(() => true, () => false);

/** The settings `lopper prune --method magnitude` builds from these flags (key order included). */
const cliSettings = (over: Partial<HanSettings>): HanSettings => ({
  ...HAN_DEFAULTS, lr: HAN_DEFAULTS.lr, weightDecay: HAN_DEFAULTS.weightDecay, batchSize: 16, seed: 0, retrainEpochs: 1, latencyBatch: 64,
  sparsity: 0.8, scope: 'global', schedule: { kind: 'iterative', steps: 2 }, l1Epochs: 0, l1: HAN_DEFAULTS.l1, removeDead: true, ...over,
});
const PRUNE = ['--method', 'magnitude', '--sparsity', '0.8', '--steps', '2', '--retrain-epochs', '1', '--batch-size', '16', '--workers', '1'];

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-cli-pipeline-'));
  const rng = new Rng(7);
  const n = 96;
  await saveDataset(at('tiny.lopd'), new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  }));
  const k = await loadNodeKernels();
  const data = await loadLopd(at('tiny.lopd'));
  for (const [name, net] of [['mlp.lopm', lenet300100], ['lenet5.lopm', lenet5]] as const) {
    const model = new Model(new Graph(net()), k, { seed: 2 });
    await train(model, data, { epochs: 1, batchSize: 16, optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 } });
    await writeAtomic(at(name), saveModel(model));
    model.dispose();
  }
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('argument errors name the flag and the value, and exit 2', async () => {
  const base = [at('mlp.lopm'), '--data', at('tiny.lopd'), '-o', at('never.lopm')];
  const runs = await Promise.all([
    lopper(['prune', ...base, '--method', 'magnitude', '--sparsity', '1.2']),
    lopper(['prune', ...base, '--method', 'foo']),
    lopper(['prune', ...base, '--method', 'magnitude', '--ratio', '0.5']),
    lopper(['prune', ...base, '--method', 'magnitude', '--schedule', 'one-shot', '--steps', '4']),
    lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), '--method', 'magnitude', '-o', at('mlp.lopm')]),
    lopper(['prune', ...base, '--method', 'magnitude', '--history', at('never.lopm')]),
    lopper(['sensitivity', at('mlp.lopm'), '--data', at('tiny.lopd'), '--method', 'magnitude', '--ratios', '0.2,,0.4']),
    lopper(['demo', '--workers', '0']),
    lopper(['prune', ...base, '--method', 'magnitude', '--distill', '1.5']),
    lopper(['prune', ...base, '--method', 'magnitude', '--temperature', '2']),
    lopper(['prune', ...base, '--method', 'magnitude', '--layer-sparsity', 'fc1=0.9,fc2=1.2']),
    lopper(['prune', ...base, '--method', 'magnitude', '--layer-sparsity', 'fc1=0.9,fc1=0.5']),
    lopper(['prune', ...base, '--method', 'magnitude', '--layer-sparsity', 'fc1:0.9']),
    lopper(['prune', ...base, '--method', 'magnitude', '--layer-sparsity', 'fc1=0.9', '--scope', 'layer']),
    lopper(['prune', ...base, '--method', 'l1-filter', '--layer-sparsity', 'fc1=0.9']),
    lopper(['prune', ...base, '--method', 'magnitude', '--lr-schedule', 'cyclic']),
  ]);
  const [sparsityRun, method, ratio, steps, sameFile, history, ratios, demo, distill, temperature, ...more] = runs;
  const [layerRange, layerTwice, layerForm, layerScope, layerMethod, lrSchedule] = more;
  fails(sparsityRun, 2);
  assert.is(sparsityRun.stderr, "lopper prune: --sparsity must be a ratio in [0, 1), got '1.2'\n");
  fails(method, 2, 'lopper prune:', '--method', "'foo'", 'magnitude, l1-filter');
  fails(ratio, 2, '--ratio is for --method l1-filter, not magnitude');
  fails(steps, 2, '--steps does not apply to --schedule one-shot');
  fails(sameFile, 2, `-o ${at('mlp.lopm')} is also an input`);
  fails(history, 2, `--history ${at('never.lopm')} is the same file as -o`);
  fails(ratios, 2, 'lopper sensitivity:', '--ratios', "'0.2,,0.4'");
  fails(demo, 2, "lopper demo: --workers must be an integer ≥ 1, got '0'");
  fails(distill, 2, "lopper prune: --distill must be a number ≥ 0 and ≤ 1, got '1.5'");
  fails(temperature, 2, '--temperature needs --distill');
  fails(layerRange, 2, "lopper prune: --layer-sparsity: layer 'fc2' needs a ratio in [0, 1), got '1.2'");
  fails(layerTwice, 2, "--layer-sparsity names layer 'fc1' twice");
  fails(layerForm, 2, "--layer-sparsity must be a comma-separated list of layer=ratio, got 'fc1:0.9'");
  fails(layerScope, 2, '--scope does not apply with --layer-sparsity');
  fails(layerMethod, 2, '--layer-sparsity is for --method magnitude, not l1-filter');
  fails(lrSchedule, 2, "--lr-schedule must be one of restart, continuous; got 'cyclic'");
  assert.not.ok(await exists(at('never.lopm')));
});

test('sensitivity writes one curve per layer, which report renders', async () => {
  const r = await lopper(['sensitivity', at('mlp.lopm'), '--data', at('tiny.lopd'), '--method', 'magnitude', '--ratios', '0.5,0.9',
    '--workers', '1', '-o', at('sens.json'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.sensitivity.curves.map((c: { layer: string }) => c.layer), ['fc1', 'fc2', 'fc3']);
  for (const c of out.sensitivity.curves) assert.is(c.accuracy.length, 2);
  const saved = JSON.parse(await readFile(at('sens.json'), 'utf8'));
  assert.equal(saved.sensitivity, out.sensitivity);
  assert.equal(saved.steps, []);
  const rep = await lopper(['report', at('sens.json'), '-o', at('sens.html'), '--json']);
  assert.is(rep.code, 0, rep.stderr);
  assert.is(JSON.parse(rep.stdout).curves, 3);
});

test('prune (magnitude) reaches the sparsity and writes a model and a history that report renders', async () => {
  const r = await lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), ...PRUNE, '--sensitivity', at('sens.json'),
    '-o', at('out/pruned.lopm'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.history, `${at('out/pruned.lopm')}.history.json`);
  assert.is(out.resumed, false);
  assert.not.ok(await exists(`${at('out/pruned.lopm')}.checkpoint`), 'the checkpoint is deleted after success');

  const history = JSON.parse(await readFile(out.history, 'utf8'));
  assert.equal(history.steps.map((s: { phase: string }) => s.phase), ['dense', 'prune', 'retrain', 'prune', 'retrain', 'remove']);
  assert.is(history.sensitivity.curves.length, 3, 'the sensitivity analysis is included');
  assert.ok(history.steps[4].sparsity >= 0.8 - 1e-3, `sparsity after the last retraining ${history.steps[4].sparsity}`);

  const k = await loadNodeKernels();
  const { model } = loadModel(await readFile(at('out/pruned.lopm')), k);
  const s = sparsity(model);
  assert.ok(s.weights - s.zeros <= 0.2 * (784 * 300 + 300 * 100 + 100 * 10) + 1, `non-zero weights ${s.weights - s.zeros}`);
  assert.ok(model.params.mask !== null, 'the mask is saved with the model');
  const direct = evaluate(model, await loadLopd(at('tiny.lopd')));
  assert.is(direct.accuracy, out.after.accuracy);
  model.dispose();

  const rep = await lopper(['report', out.history, '-o', at('out/report.html'), '--json']);
  assert.is(rep.code, 0, rep.stderr);
  const summary = JSON.parse(rep.stdout);
  assert.is(summary.steps, 6);
  assert.is(summary.curves, 3);
});

test('prune --distill retrains with the input model as teacher and records it in the settings', async () => {
  const r = await lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), ...PRUNE, '--distill', '0.7', '--temperature', '3',
    '-o', at('out/distilled.lopm'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.settings, cliSettings({ distill: { alpha: 0.7, temperature: 3 } }));
  assert.ok(out.steps.at(-2).sparsity >= 0.8 - 1e-3, `sparsity ${out.steps.at(-2).sparsity}`);
});

test('prune --layer-sparsity prunes each named layer to its own target and leaves the others dense; --lr-schedule is recorded', async () => {
  const r = await lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), ...PRUNE, '--layer-sparsity', 'fc1=0.9,fc3=0.5',
    '--lr-schedule', 'continuous', '--no-remove-dead', '-o', at('out/per-layer.lopm'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.settings, cliSettings({ removeDead: false, lrSchedule: 'continuous', layerSparsity: { fc1: 0.9, fc3: 0.5 } }));
  const k = await loadNodeKernels();
  const { model } = loadModel(await readFile(at('out/per-layer.lopm')), k);
  const { layers } = sparsity(model);
  assert.ok(Math.abs(layers.fc1.sparsity - 0.9) < 1e-3, `fc1 ${layers.fc1.sparsity}`);
  assert.is(layers.fc2.zeros, 0, 'fc2 is not named: dense');
  assert.ok(Math.abs(layers.fc3.sparsity - 0.5) < 1e-2, `fc3 ${layers.fc3.sparsity}`);
  model.dispose();
  const bad = await lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), ...PRUNE, '--layer-sparsity', 'fc4=0.5', '-o', at('out/never.lopm')]);
  fails(bad, 2, "--layer-sparsity names 'fc4', not a prunable layer of lenet-300-100 (fc1, fc2, fc3)");
  assert.is(bad.stdout, '', 'refused before any work');
  assert.not.ok(await exists(at('out/never.lopm')));
});

test('an interrupted prune resumes from its checkpoint; a checkpoint of other settings is refused', async () => {
  // The interrupted run, in process: the settings and start the CLI derives from PRUNE, stopped in 'prune 2'.
  const k = await loadNodeKernels();
  const bytes = await readFile(at('mlp.lopm'));
  const data = await loadLopd(at('tiny.lopd'));
  const runner = { train, evaluate: async (m: Model, d: Dataset) => evaluate(m, d) };
  const source = { model: crc32(bytes).toString(16).padStart(8, '0'), data: resolve(at('tiny.lopd')) };
  const run = async (settings: HanSettings, path: string) => {
    try {
      await runHan(loadModel(bytes, k).model, {
        train: data, test: data, settings, runner, checkpoint: fileCheckpoint(path), source, modelName: 'lenet-300-100', datasetName: 'tiny',
        onStep: (_, stage) => { if (stage === 'prune 2') throw new Error('interrupted'); },
      });
      assert.unreachable();
    } catch (e) {
      assert.is((e as Error).message, 'interrupted');
    }
  };
  await run(cliSettings({}), at('resume.lopm.checkpoint'));
  await run(cliSettings({ sparsity: 0.5 }), at('stale.ckpt'));

  const [resumed, stale] = await Promise.all([
    lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), ...PRUNE, '-o', at('resume.lopm')]),
    lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), ...PRUNE, '--checkpoint', at('stale.ckpt'), '-o', at('stale.lopm')]),
  ]);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, `resuming from ${at('resume.lopm.checkpoint')} at prune 2 (stage 4 of 6)`);
  assert.not.match(resumed.stdout, /^retrain 1:/m, 'stages done before the interruption are not run again');
  const history = JSON.parse(await readFile(at('resume.lopm.history.json'), 'utf8'));
  assert.is(history.steps.length, 6);
  assert.not.ok(await exists(at('resume.lopm.checkpoint')));

  fails(stale, 1, `lopper prune: ${at('stale.ckpt')}: made with other settings (sparsity 0.5, now 0.8)`, 'remove it');
  assert.ok(await exists(at('stale.ckpt')), 'a refused checkpoint is left alone');
  assert.not.ok(await exists(at('stale.lopm')));
});

test('prune (l1-filter) removes filters: the saved model is structurally smaller', async () => {
  const r = await lopper(['prune', at('lenet5.lopm'), '--data', at('tiny.lopd'), '--method', 'l1-filter', '--ratio', '0.5',
    '--retrain-epochs', '1', '--batch-size', '16', '--workers', '2', '-o', at('filters.lopm'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.removed, { conv1: 10, conv2: 25 });
  const history = JSON.parse(await readFile(out.history, 'utf8'));
  assert.equal(history.steps.map((s: { phase: string }) => s.phase), ['dense', 'remove', 'retrain']);
  assert.equal(history.settings.layers, ['conv1', 'conv2']);
  const k = await loadNodeKernels();
  const { model } = loadModel(await readFile(at('filters.lopm')), k);
  assert.is(model.graph.node('conv1').outputShape[0], 10);
  assert.is(model.graph.node('conv2').outputShape[0], 25);
  assert.is(model.params.size, out.after.params);
  assert.ok(model.params.size < 0.6 * 431080, `parameters ${model.params.size}`);
  model.dispose();
});

test('prune and eval take ONNX: a PyTorch LeNet-5 loses half its filters and still runs in onnxruntime-web', async () => {
  const source = resolve(root, 'test/fixtures/onnx/lenet5/model.onnx');
  const r = await lopper(['prune', source, '--data', at('tiny.lopd'), '--method', 'l1-filter', '--ratio', '0.5',
    '--retrain-epochs', '1', '--batch-size', '16', '--workers', '1', '-o', at('pruned.onnx'), '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).removed, { '/conv1/Conv': 2, '/conv2/Conv': 4 }, 'node names from the ONNX file');
  const e = await lopper(['eval', at('pruned.onnx'), '--data', at('tiny.lopd'), '--workers', '1', '--json']);
  assert.is(e.code, 0, e.stderr);
  const accuracy = JSON.parse(e.stdout).accuracy;
  assert.ok(accuracy >= 0 && accuracy <= 1);
  const k = await loadNodeKernels();
  const { model } = await readModelFile(at('pruned.onnx'), k);
  const x = new Rng(3).f32(2 * 784, 0, 1);
  const ours = model.forward(2, { x }).toArray();
  const [theirs] = await ortRunModel(await readFile(at('pruned.onnx')), [[x, [2, 1, 28, 28]]]);
  assertClose(theirs.data, ours, 'pruned ONNX in onnxruntime-web vs lopper', { atol: 1e-4, rtol: 1e-4 });
  model.dispose();
});

test('a tiny demo runs end to end, then reuses its cached model', async () => {
  // The demo's cache directory: the real Fashion-MNIST cache files linked in (built once if absent).
  await loadBuiltin('fashion-mnist', 'train');
  const cache = at('cache');
  await mkdir(cache);
  for (const split of ['train', 'test'] as const) {
    const file = await builtinCachePath('fashion-mnist', split);
    await symlink(file, join(cache, basename(file)));
  }
  const env = { LOPPER_CACHE_DIR: cache };
  const first = await lopper(['demo', '--limit', '200', '--workers', '1', '--seed', '3', '--json'], env);
  assert.is(first.code, 0, first.stderr);
  const a = JSON.parse(first.stdout);
  assert.is(a.trained, true);
  assert.is(a.cache.model, join(cache, 'lenet-5.fashion-mnist.seed3.limit200.lopm'));
  assert.equal(a.history.steps.map((s: { phase: string }) => s.phase), ['dense', 'prune', 'retrain', 'prune', 'retrain', 'prune', 'retrain', 'remove']);
  assert.ok(a.history.steps[6].sparsity >= 0.92 - 1e-3, `sparsity ${a.history.steps[6].sparsity}`);
  assert.ok(a.compression >= 10, `compression ${a.compression}`);
  assert.ok(a.dense.latencyMs > 0 && a.pruned.latencyMs > 0);
  assert.is(Object.keys(a.layers).join(), 'conv1,conv2,fc1,fc2');
  // Then compressed: the .lop is the bytes on disk, far below the dense and pruned .lopm and the ONNX.
  const c = a.compressed.bytes;
  assert.is(c.lop, (await readFile(a.cache.compressed)).length);
  assert.ok(c.denseLopm / c.lop > 20 && c.prunedLopm > c.lop && c.denseOnnx / c.codebookOnnx >= 3.5, JSON.stringify(c));
  assert.ok(a.compressed.accuracy > 0.1 && a.compressed.latencyBatch1Ms.every((v: number) => v > 0), JSON.stringify(a.compressed));
  for (const file of [a.cache.model, a.cache.pruned, a.cache.compressed, a.cache.history]) assert.ok(await exists(file), file);
  assert.not.ok(await exists(a.cache.checkpoint));

  const second = await lopper(['demo', '--limit', '200', '--workers', '1', '--seed', '3'], env);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stdout, `LeNet-5 from ${a.cache.model}`);
  assert.match(second.stdout, /non-zero parameters\s+431,080\s+[\d,]+\s+[\d.]+× compression/);
  assert.match(second.stdout, /test accuracy\s+[\d.]+%\s+[\d.]+%/);
  assert.match(second.stdout, /latency \(batch of 64\)\s+[\d.]+ ms\s+[\d.]+ ms/);
  assert.match(second.stdout, /compressed \(\.lop\): file on disk\s+[\d.]+ [kM]?B \.lopm\s+[\d.]+ [kM]?B \.lop\s+[\d.]+× smaller/);
  assert.match(second.stdout, /as ONNX \(f32 → codebook\)\s+[\d.]+ [kM]?B\s+[\d.]+ [kM]?B\s+[\d.]+× smaller/);
  assert.match(second.stdout, /latency \(batch 1, sparse path\)\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+× (faster|slower)/);
});

test.run();
