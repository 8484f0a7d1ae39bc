// `lopper prune` (and the other commands reading data) refuse a bad command line before any work:
// an output of an unknown format, a history or checkpoint path that cannot be written or is another
// output, a data spec that names nothing, layer names the model lacks — each exits 2 naming the flag,
// prints nothing else, and writes nothing. A missing model argument is reported before missing flags.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fails, lopper } from '../helpers/cli.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { saveDataset, writeAtomic } from '../../src/node/data.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { saveModel } from '../../src/io/native.js';

let dir = '';
const at = (name: string) => join(dir, name);
const exists = (path: string) => access(path).then(() => true, () => false);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lopper-preflight-'));
  await saveDataset(at('tiny.lopd'), new Dataset({
    name: 'tiny', shape: [1, 28, 28], classes: 10,
    pixels: new Uint8Array(20 * 784).fill(7), labels: Int32Array.from({ length: 20 }, (_, i) => i % 10),
  }));
  const model = new Model(new Graph(lenet300100()), await loadNodeKernels(), { seed: 1 });
  await writeAtomic(at('mlp.lopm'), saveModel(model));
  model.dispose();
  await writeFile(at('notes.txt'), 'not data\n');
});

test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('prune refuses bad outputs, data and layer names before any work, exit 2', async () => {
  const base = [at('mlp.lopm'), '--retrain-epochs', '1', '--workers', '1'];
  const mag = [...base, '--method', 'magnitude', '--data', at('tiny.lopd')];
  const runs = await Promise.all([
    lopper(['prune', ...mag, '-o', at('out.txt')]),
    lopper(['prune', ...mag, '-o', at('a.lopm'), '--history', join(at('notes.txt'), 'h.json')]),
    lopper(['prune', ...mag, '-o', at('b.lopm'), '--checkpoint', at('b.lopm')]),
    lopper(['prune', ...mag, '-o', at('c.lopm'), '--history', at('h.json'), '--checkpoint', at('h.json')]),
    lopper(['prune', ...base, '--method', 'magnitude', '--data', at('nowhere'), '-o', at('d.lopm')]),
    lopper(['prune', ...base, '--method', 'magnitude', '--data', at('notes.txt'), '-o', at('e.lopm')]),
    lopper(['prune', ...base, '--method', 'l1-filter', '--data', at('tiny.lopd'), '--layers', 'fc1,conv9', '-o', at('f.lopm')]),
    lopper(['prune', ...mag, '--layer-sparsity', 'fc9=0.5', '-o', at('g.lopm')]),
    lopper(['prune', ...base, '--method', 'l1-filter', '--data', at('tiny.lopd'), '--layers', 'fc3', '-o', at('h.lopm')]),
  ]);
  const [ext, history, checkpoint, twice, noData, badData, layers, layerSparsity, fixed] = runs;
  fails(ext, 2, `lopper prune: -o ${at('out.txt')}: unknown model format '.txt'`, '.onnx and .lopm');
  fails(history, 2, `--history ${join(at('notes.txt'), 'h.json')}: ${at('notes.txt')} is not a directory`);
  fails(checkpoint, 2, `--checkpoint ${at('b.lopm')} is the same file as -o`);
  fails(twice, 2, `--checkpoint ${at('h.json')} is the same file as --history`);
  fails(noData, 2, `--data ${at('nowhere')}: no such file or directory, and not a built-in dataset (fashion-mnist, mnist)`);
  fails(badData, 2, `--data ${at('notes.txt')}: must be a built-in name`);
  fails(layers, 2, "--layers names 'conv9', not a layer of lenet-300-100 whose filters or neurons can be removed (fc1, fc2)");
  fails(layerSparsity, 2, "--layer-sparsity names 'fc9', not a prunable layer of lenet-300-100 (fc1, fc2, fc3)");
  fails(fixed, 2, "--layers names 'fc3'");
  for (const r of runs) assert.is(r.stdout, '', `nothing ran: ${r.stdout}`);
  const left = (await readdir(dir)).sort();
  assert.equal(left, ['mlp.lopm', 'notes.txt', 'tiny.lopd'], 'nothing was written');
});

test('prune -o model.lop is refused before any work (a .lop comes from lopper compress)', async () => {
  const r = await lopper(['prune', at('mlp.lopm'), '--retrain-epochs', '1', '--workers', '1', '--method', 'magnitude', '--data', at('tiny.lopd'), '-o', at('out.lop')]);
  fails(r, 2, `-o ${at('out.lop')}: a .lop file holds a compressed model`, 'lopper compress');
  assert.not.ok((await readdir(dir)).includes('out.lop'));
});

test('a missing model argument is named first; missing flags after it', async () => {
  const [none, noFlags, noOutput] = await Promise.all([
    lopper(['prune']),
    lopper(['prune', at('mlp.lopm')]),
    lopper(['prune', at('mlp.lopm'), '--data', at('tiny.lopd'), '--method', 'magnitude']),
  ]);
  fails(none, 2, "lopper prune: missing required argument 'model'");
  fails(noFlags, 2, "required option '-o, --output <file>' not specified"); // --data is optional: without it prune only prunes
  fails(noOutput, 2, "required option '-o, --output <file>' not specified");
  const [evalNone, sensNone, sensNoMethod] = await Promise.all([
    lopper(['eval']), lopper(['sensitivity']), lopper(['sensitivity', at('mlp.lopm'), '--data', at('tiny.lopd')]),
  ]);
  fails(evalNone, 2, "lopper eval: missing required argument 'model'");
  fails(sensNone, 2, "lopper sensitivity: missing required argument 'model'");
  fails(sensNoMethod, 2, "required option '--method <name>' not specified");
});

test('eval, train and sensitivity refuse a bad --data with exit 2 too', async () => {
  const [evalRun, trainRun, sens] = await Promise.all([
    lopper(['eval', at('mlp.lopm'), '--data', at('nowhere')]),
    lopper(['train', '--model', 'lenet-300-100', '--data', at('notes.txt'), '-o', at('t.lopm')]),
    lopper(['sensitivity', at('mlp.lopm'), '--method', 'magnitude', '--data', 'fashion', '-o', at('s.json')]),
  ]);
  fails(evalRun, 2, `lopper eval: --data ${at('nowhere')}: no such file or directory`);
  fails(trainRun, 2, `lopper train: --data ${at('notes.txt')}: must be`);
  fails(sens, 2, 'lopper sensitivity: --data fashion: no such file or directory, and not a built-in dataset');
  assert.not.ok(await exists(at('t.lopm')));
});

test.run();
