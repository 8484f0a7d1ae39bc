// Built-in data through the cache, and the Node loaders behind `--data`. The first run builds the
// Fashion-MNIST cache in node_modules/.cache/lopper/ (about a second); later runs read it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { builtinCachePath, cacheDir, loadBuiltin, loadData, loadIdx, saveDataset } from '../../src/node/data.js';
import { encodeIdx } from '../../src/nn/data/idx.js';
import type { Dataset } from '../../src/nn/data/dataset.js';

const S = 784;
const pkg = (p: string): string => fileURLToPath(new URL(`../../node_modules/${p}`, import.meta.url));
const json = async (p: string): Promise<unknown[]> => (JSON.parse(await readFile(pkg(p), 'utf8')) as { data: unknown[] }).data;
/** The images of class c in a split, in order. */
const ofClass = (d: Dataset, c: number): Uint8Array[] => {
  const out: Uint8Array[] = [];
  for (let i = 0; i < d.size; i++) if (d.labels[i] === c) out.push(d.pixels.subarray(i * S, (i + 1) * S) as Uint8Array);
  return out;
};

test('fashion-mnist: 6,000 train and 1,000 test per class; class 0 drops exactly its 2 empty entries', async () => {
  const train = await loadBuiltin('fashion-mnist', 'train');
  const test_ = await loadBuiltin('fashion-mnist', 'test');
  assert.is(train.size, 60000);
  assert.is(test_.size, 10000);
  assert.equal(train.shape, [1, 28, 28]);
  assert.ok(Array.from(train.classCounts()).every((n) => n === 6000));
  assert.ok(Array.from(test_.classCounts()).every((n) => n === 1000));
  for (let i = 0; i < 100; i++) assert.is(train.labels[i], i % 10, 'classes interleaved');

  const raw = (await json('fashion-mnist/src/clothes/0.json')) as number[][];
  assert.is(raw.length, 7002);
  assert.equal(raw.flatMap((img, i) => (img.length === 0 ? [i] : [])), [1000, 7001], 'the two empty entries');
  const tr0 = ofClass(train, 0), te0 = ofClass(test_, 0);
  assert.equal(Array.from(tr0[0]), raw[0]);
  assert.equal(Array.from(tr0[1000]), raw[1001], 'after the dropped entry 1000');
  assert.equal(Array.from(tr0[5999]), raw[6000]);
  assert.equal(Array.from(te0[0]), raw[6001]);
  assert.equal(Array.from(te0[999]), raw[7000]);

  const raw9 = (await json('fashion-mnist/src/clothes/9.json')) as number[][];
  assert.equal(Array.from(ofClass(train, 9)[0]), raw9[0]);
  assert.equal(Array.from(ofClass(test_, 9)[999]), raw9[6999]);

  assert.equal(test_.normalise, train.normalise, 'test uses the training constants');
  assert.ok(Math.abs(train.normalise.mean[0] - 0.286) < 1e-3 && Math.abs(train.normalise.std[0] - 0.353) < 1e-3);
});

test('fashion-mnist loads from the cache once it is built (no timing: the cache file is what is read)', async () => {
  const first = await loadBuiltin('fashion-mnist', 'train');
  const path = await builtinCachePath('fashion-mnist', 'train');
  const before = (await stat(path)).mtimeMs;
  const again = await loadBuiltin('fashion-mnist', 'train');
  assert.is((await stat(path)).mtimeMs, before, 'the cache was rebuilt');
  assert.is(again.size, first.size);
  assert.ok(Buffer.from(again.pixels).equals(Buffer.from(first.pixels)));
});

test('mnist: per class floor(6n/7) train, the rest test; bytes recovered exactly from v·255', async () => {
  const train = await loadBuiltin('mnist', 'train');
  const test_ = await loadBuiltin('mnist', 'test');
  const sizes: number[] = [];
  for (let c = 0; c < 10; c++) sizes.push(((await json(`mnist/src/digits/${c}.json`)).length) / S);
  assert.is(sizes.reduce((a, b) => a + b), 10000);
  assert.is(sizes[0], 1001);
  assert.equal(Array.from(train.classCounts()), sizes.map((n) => Math.floor((6 * n) / 7)));
  assert.equal(Array.from(test_.classCounts()), sizes.map((n) => n - Math.floor((6 * n) / 7)));
  assert.equal([train.size, test_.size], [8569, 1431]);
  const raw = (await json('mnist/src/digits/3.json')) as number[];
  const nTrain = Math.floor((6 * sizes[3]) / 7);
  assert.equal(Array.from(ofClass(train, 3)[0]), raw.slice(0, S).map((v) => Math.round(v * 255)));
  assert.equal(Array.from(ofClass(test_, 3)[0]), raw.slice(nTrain * S, (nTrain + 1) * S).map((v) => Math.round(v * 255)));
});

test('cache location: LOPPER_CACHE_DIR or an option overrides; a damaged cache file is rebuilt', async () => {
  assert.match(cacheDir(), /node_modules[\\/]\.cache[\\/]lopper$/);
  const dir = await mkdtemp(join(tmpdir(), 'lopper-cache-'));
  const saved = process.env.LOPPER_CACHE_DIR;
  try {
    process.env.LOPPER_CACHE_DIR = dir;
    assert.is(cacheDir(), dir);
    const path = await builtinCachePath('mnist', 'test');
    assert.is(path, join(dir, 'mnist-1.1.0-test.lopd'));
    const first = await loadBuiltin('mnist', 'test');
    const bytes = await readFile(path);
    bytes[bytes.length - 10] ^= 0xff;
    await writeFile(path, bytes);
    const again = await loadBuiltin('mnist', 'test');
    assert.equal(again.pixels, first.pixels);
    assert.equal(await readFile(path), (() => { bytes[bytes.length - 10] ^= 0xff; return bytes; })(), 'the file was rewritten');
  } finally {
    if (saved === undefined) delete process.env.LOPPER_CACHE_DIR;
    else process.env.LOPPER_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  }
  await assert.not.throws(() => builtinCachePath('mnist', 'train'));
  try {
    await builtinCachePath('cifar' as 'mnist', 'train');
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /unknown built-in dataset 'cifar'; built-in: fashion-mnist, mnist/);
  }
});

test('loadData: built-in names, IDX directories (gzipped or not), CSV and .lopd files; bad specs named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lopper-data-'));
  const rejects = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    try {
      await p;
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.match((e as Error).message, re);
    }
  };
  try {
    const mnist = await loadData('mnist');
    assert.equal([mnist.train.size, mnist.test?.size, mnist.source], [8569, 1431, 'mnist']);

    const idx = join(dir, 'digits');
    await mkdir(idx);
    const px = Uint8Array.from({ length: 6 * 4 }, (_, i) => i * 10);
    await writeFile(join(idx, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx(px, [6, 2, 2])));
    await writeFile(join(idx, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx(Uint8Array.from([0, 1, 2, 0, 1, 2]), [6])));
    await rejects(loadData(idx).then(() => writeFile(join(idx, 't10k-images-idx3-ubyte'), encodeIdx(px.subarray(0, 8), [2, 2, 2])))
      .then(() => loadData(idx)), /t10k-images-idx3-ubyte but not its labels file/);
    await writeFile(join(idx, 't10k-labels-idx1-ubyte'), encodeIdx(Uint8Array.from([2, 1]), [2]));
    const d = await loadData(idx);
    assert.equal([d.train.size, d.test?.size, d.train.name, d.test?.name], [6, 2, 'digits/train', 'digits/test']);
    assert.equal(d.test?.normalise, d.train.normalise);
    assert.equal(d.train.pixels, px);

    await writeFile(join(dir, 'bad-labels-idx1-ubyte'), encodeIdx(Uint8Array.from([1]), [1]));
    await rejects(loadIdx(join(idx, 'train-images-idx3-ubyte.gz'), join(dir, 'bad-labels-idx1-ubyte')),
      /train-images-idx3-ubyte.gz has 6 images, .*bad-labels-idx1-ubyte has 1 labels/);
    // Both reads fail; whichever rejects first is named.
    await rejects(loadIdx(join(dir, 'nope'), join(dir, 'nope2')), /nope2?: cannot read: ENOENT/);

    const csv = join(dir, 'x.csv');
    await writeFile(csv, 'label,a,b\n1,0.5,1\n0,2,3\n');
    const c = await loadData(csv);
    assert.equal([c.train.size, c.test, c.train.name], [2, undefined, csv]);
    await writeFile(csv, 'label,a,b\n1,0.5,1\n0,2\n');
    await rejects(loadData(csv), new RegExp(`${csv.replace(/[\\.]/g, '\\$&')} line 3: 2 columns, expected 3`));

    const lopd = join(dir, 'tiny.lopd');
    await saveDataset(lopd, d.train);
    assert.equal((await loadData(lopd)).train.pixels, px);

    await rejects(loadData(join(dir, 'missing')), /missing: no such file or directory, and not a built-in dataset \(fashion-mnist, mnist\)/);
    await mkdir(join(dir, 'empty'));
    await rejects(loadData(join(dir, 'empty')), /empty: a directory of IDX files needs train-images-idx3-ubyte\[.gz\] and train-labels-idx1-ubyte\[.gz\]; found: nothing/);
    await rejects(loadData(join(dir, 'bad-labels-idx1-ubyte')), /not a built-in name \(fashion-mnist, mnist\), a directory of IDX files, a .csv or a .lopd file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
