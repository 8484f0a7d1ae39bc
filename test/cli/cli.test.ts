// The `lopper` command line, run as a child process (node --import tsx src/cli/main.ts): argument
// errors name the flag and value and exit 2; runtime errors exit 1 with one line; train writes a
// model that eval reads (on the main thread and on workers, with the same result); an output equal
// to an input is refused before any work; report writes a self-contained page. Spawns run in
// parallel where they are independent (each costs about a second).

import { test } from 'uvu';
import { fails, lopper, root } from '../helpers/cli.js';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { Dataset } from '../../src/nn/data/dataset.js';
import { loadLopd, saveDataset } from '../../src/node/data.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { loadModel } from '../../src/io/native.js';
import { evaluate } from '../../src/nn/train.js';
import { syntheticHistory } from '../helpers/history.js';
import { Rng } from '../helpers/rng.js';
import { relaxedRuns } from '../helpers/backends.js';

let dir = '';
const at = (name: string) => join(dir, name);



test('the built `lopper` bin runs as a program (npx executes the file itself)', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: { lopper: string }; version: string };
  const run = await new Promise<{ code: number; stdout: string }>((done) => {
    execFile(join(root, pkg.bin.lopper), ['--version'], { encoding: 'utf8' }, (error, stdout) => done({ code: error ? Number(error.code ?? 1) : 0, stdout }));
  });
  assert.is(run.code, 0, 'exit code (EACCES when the file is not executable)');
  assert.is(run.stdout.trim(), pkg.version);
});

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-cli-'));
  const rng = new Rng(5);
  const n = 64;
  await saveDataset(at('tiny.lopd'), new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(0, 255)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  }));
  await writeFile(at('history.json'), JSON.stringify(syntheticHistory({ model: '<b>lenet & "co"</b>', sensitivity: true })));
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('argument errors name the flag and the value, and exit 2', async () => {
  const base = ['--data', 'mnist', '-o', at('never.lopm')];
  const [epochs, model, lr, unknown] = await Promise.all([
    lopper(['train', '--model', 'lenet-5', '--epochs', 'abc', ...base]),
    lopper(['train', '--model', 'lenet-7', ...base]),
    lopper(['train', '--model', 'lenet-5', '--lr', '0', ...base]),
    lopper(['eval', at('m.lopm'), '--data', 'mnist', '--bogus', '3']),
  ]);
  fails(epochs, 2);
  assert.is(epochs.stderr, "lopper train: --epochs must be an integer ≥ 1, got 'abc'\n");
  fails(model, 2, 'lopper train:', '--model', "'lenet-7'", 'lenet-300-100');
  fails(lr, 2, '--lr', "'0'");
  fails(unknown, 2, 'lopper eval:', '--bogus');
});

test('kernels loads the fastest build the host runs, or the one --build or LOPPER_WASM names', async () => {
  const runs = await Promise.all([
    lopper(['kernels'], { LOPPER_WASM: '' }),
    lopper(['kernels'], { LOPPER_WASM: 'simd' }),
    lopper(['kernels'], { LOPPER_WASM: 'scalar' }),
    lopper(['kernels', '--build', 'simd'], { LOPPER_WASM: 'scalar' }),
    lopper(['kernels'], { LOPPER_WASM: 'fast' }),
    lopper(['kernels', '--build', 'fast']),
  ]);
  const [best, simd, scalar, flag, badEnv, badFlag] = runs;
  const relaxed = relaxedRuns();
  for (const r of [best, simd, scalar, flag]) assert.is(r.code, 0, r.stderr);
  assert.match(best.stdout, relaxed ? /lopper-relaxed\.wasm: relaxed-SIMD build, \d+ kernels/ : /lopper\.wasm: SIMD build/);
  assert.match(simd.stdout, /lopper\.wasm: SIMD build/);
  assert.match(scalar.stdout, /lopper-scalar\.wasm: scalar build/);
  assert.match(flag.stdout, /lopper\.wasm: SIMD build/);
  fails(badEnv, 1, 'lopper kernels:', "LOPPER_WASM must be relaxed, simd or scalar, got 'fast'");
  fails(badFlag, 2, 'lopper kernels:', '--build', "'fast'");
});

test('train writes a model that eval reads, on the main thread and on workers alike', async () => {
  const t = await lopper(['train', '--model', 'lenet-300-100', '--data', at('tiny.lopd'), '--epochs', '2', '--batch-size', '16',
    '--workers', '1', '--seed', '3', '--json', '-o', at('out/m.lopm')]);
  assert.is(t.code, 0, t.stderr);
  const trained = JSON.parse(t.stdout);
  assert.is(trained.command, 'train');
  assert.is(trained.epochs.length, 2);
  assert.is(trained.split, 'train', 'a .lopd file has no test split');
  assert.is(trained.settings.seed, 3);

  const [pool, main] = await Promise.all([
    lopper(['eval', at('out/m.lopm'), '--data', at('tiny.lopd'), '--workers', '2', '--batch-size', '8', '--json']),
    lopper(['eval', at('out/m.lopm'), '--data', at('tiny.lopd'), '--workers', '1']),
  ]);
  assert.is(pool.code, 0, pool.stderr);
  const r = JSON.parse(pool.stdout);
  assert.is(r.count, 64);
  assert.is(r.name, 'lenet-300-100');
  assert.is(main.code, 0, main.stderr);
  assert.ok(main.stdout.includes(`accuracy ${(100 * r.accuracy).toFixed(2)}%`), `same accuracy on the main thread: ${main.stdout}`);

  const k = await loadNodeKernels();
  const { model } = loadModel(await readFile(at('out/m.lopm')), k);
  const direct = evaluate(model, await loadLopd(at('tiny.lopd')));
  assert.is(r.correct, direct.correct);
  assert.ok(Math.abs(r.loss - direct.loss) < 1e-5, `${r.loss} vs ${direct.loss}`);
  model.dispose();
});

test('an output that is also an input is refused and the input is left untouched', async () => {
  const data = await readFile(at('tiny.lopd'));
  const history = await readFile(at('history.json'));
  await symlink(at('tiny.lopd'), at('alias.lopd'));
  const [same, linked, report] = await Promise.all([
    lopper(['train', '--model', 'lenet-5', '--data', at('tiny.lopd'), '-o', at('tiny.lopd')]),
    lopper(['train', '--model', 'lenet-5', '--data', at('tiny.lopd'), '-o', at('alias.lopd')]),
    lopper(['report', at('history.json'), '-o', at('history.json')]),
  ]);
  fails(same, 2, `-o ${at('tiny.lopd')} is also an input; choose another output`);
  fails(linked, 2, 'is also an input');
  fails(report, 2, `-o ${at('history.json')} is also an input`);
  assert.equal(await readFile(at('tiny.lopd')), data);
  assert.equal(await readFile(at('history.json')), history);
});

test('report writes a self-contained HTML page', async () => {
  const r = await lopper(['report', at('history.json'), '-o', at('out/report.html'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.is(summary.steps, 8);
  assert.is(summary.curves, 3);
  const html = await readFile(at('out/report.html'), 'utf8');
  assert.is(summary.bytes, Buffer.byteLength(html));
  assert.ok((html.match(/<svg/g) ?? []).length >= 4);
  assert.not.match(html, /https?:\/\//);
  assert.not.match(html, /<script/);
  assert.match(html, '&lt;b&gt;lenet &amp; &quot;co&quot;&lt;/b&gt;');
});

test('runtime errors exit 1 with one line (the stack only with LOPPER_DEBUG=1)', async () => {
  await writeFile(at('bad.json'), JSON.stringify({ ...syntheticHistory(), steps: [{ step: 0 }] }));
  const [missing, bad, debug] = await Promise.all([
    lopper(['eval', at('nope.lopm'), '--data', 'mnist']),
    lopper(['report', at('bad.json'), '-o', at('bad.html')]),
    lopper(['eval', at('nope.lopm'), '--data', 'mnist'], { LOPPER_DEBUG: '1' }),
  ]);
  fails(missing, 1, `lopper eval: ${at('nope.lopm')}: no such file`);
  fails(bad, 1, 'lopper report:', 'bad.json: steps[0].phase must be one of');
  assert.is(debug.code, 1);
  assert.match(debug.stderr, /\n\s+at /, 'a stack trace');
});

test.run();
