// What `lopper prune` says about a finished or stopped run, as a child process on tiny data: a run
// that ends at chance is flagged (a warning, the --json result and the history); an l1-filter run's
// report shows channels; Ctrl-C keeps the checkpoint, says how to resume, and exits 130.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lopper, root } from '../helpers/cli.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { saveDataset, writeAtomic } from '../../src/node/data.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { saveModel } from '../../src/io/native.js';

let dir = '';
const at = (name: string) => join(dir, name);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-prune-run-'));
  // Every image the same: no model can beat chance (10 %) on it.
  await saveDataset(at('flat.lopd'), new Dataset({
    name: 'flat', shape: [1, 28, 28], classes: 10,
    pixels: new Uint8Array(40 * 784).fill(90), labels: Int32Array.from({ length: 40 }, (_, i) => i % 10),
  }));
  const model = new Model(new Graph(lenet300100()), await loadNodeKernels(), { seed: 3 });
  await writeAtomic(at('mlp.lopm'), saveModel(model));
  model.dispose();
  await saveDataset(at('big.lopd'), new Dataset({
    name: 'big', shape: [1, 28, 28], classes: 10,
    pixels: Uint8Array.from({ length: 2000 * 784 }, (_, i) => (i * 7919) % 251), labels: Int32Array.from({ length: 2000 }, (_, i) => i % 10),
  }));
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a run that ends at chance is flagged: a warning, collapsed in --json and in the history', async () => {
  const args = ['prune', at('mlp.lopm'), '--data', at('flat.lopd'), '--method', 'magnitude', '--sparsity', '0.5', '--steps', '1', '--retrain-epochs', '1', '--workers', '1'];
  const [json, text] = await Promise.all([
    lopper([...args, '-o', at('a.lopm'), '--json']),
    lopper([...args, '-o', at('b.lopm')]),
  ]);
  assert.is(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.is(out.collapsed, true);
  assert.is(out.collapse.reason, 'chance');
  assert.is(out.collapse.chance, 0.1);
  assert.match(json.stderr, 'lopper prune: warning: accuracy ended at 10.00%, at or near chance (10.00% for 10 classes');
  const history = JSON.parse(await readFile(out.history, 'utf8'));
  assert.equal(history.collapse, out.collapse);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stderr, 'warning: accuracy ended at 10.00%');
  assert.match(text.stdout, '× fewer, but the run collapsed)');
});

test('the report of an l1-filter run shows channels per layer, not a 0 % sparsity chart', async () => {
  const r = await lopper(['prune', at('mlp.lopm'), '--data', at('flat.lopd'), '--method', 'l1-filter', '--ratio', '0.5', '--retrain-epochs', '0',
    '--workers', '1', '-o', at('slim.lopm'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const rep = await lopper(['report', JSON.parse(r.stdout).history, '-o', at('slim.html')]);
  assert.is(rep.code, 0, rep.stderr);
  const html = await readFile(at('slim.html'), 'utf8');
  assert.match(html, '<h2>Channels per layer</h2>');
  assert.match(html, '<tr><th>fc1</th><td>300</td><td>150</td><td>50.0%</td>');
  assert.not.match(html, 'Sparsity per layer');
  assert.match(html, '<th>ratio</th><td>0.5</td>');
});

for (const workers of ['2', '1']) {
  // With --workers 1 training keeps the main thread; it hands the thread back so the handler runs.
  test(`Ctrl-C keeps the checkpoint, says how to resume, and exits 130 (--workers ${workers})`, async () => {
    const out = at(`stopped-${workers}.lopm`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'prune', at('mlp.lopm'), '--data', at('big.lopd'), '--method', 'magnitude',
      '--steps', '2', '--retrain-epochs', '50', '--workers', workers, '-o', out], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const safety = setTimeout(() => child.kill('SIGKILL'), 180_000);
    const code = await new Promise<number | null>((done) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        // The dense stage's checkpoint is written before prune 1 starts; stop during retraining.
        if (/^prune 1:/m.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => done(c));
    });
    clearTimeout(safety);
    assert.is(code, 130, `exit code (stdout: ${stdout}, stderr: ${stderr})`);
    const checkpoint = `${out}.checkpoint`;
    assert.match(stderr, `lopper prune: interrupted during `);
    assert.match(stderr, `${checkpoint} keeps every stage finished before it.`);
    assert.match(stderr, 'Run the same command again to resume there');
    assert.ok(existsSync(checkpoint), 'the checkpoint is kept');
    assert.not.ok(existsSync(out), 'no half-made output');
  });
}

test.run();
