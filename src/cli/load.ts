// Reading the commands' inputs: a data spec shaped for a model, and a model file.

import { readFile } from 'node:fs/promises';
import { loadData, type LoadedData } from '../node/data.js';
import type { Dataset } from '../nn/data/dataset.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Model } from '../nn/model.js';
import { loadModel } from '../io/native.js';

/**
 * Loads `spec` (a built-in name, an IDX directory, a .csv or a .lopd file) for a model taking
 * samples of `shape`: CSV feature columns are read as that shape. `limit` keeps the first samples
 * of each split (a quick run; the built-in splits interleave classes, so a prefix stays balanced).
 */
export async function loadDataFor(spec: string, shape: readonly number[], limit?: number): Promise<LoadedData> {
  const data = await loadData(spec, { csv: { shape } });
  if (limit === undefined) return data;
  const head = (d: Dataset) => (d.size > limit ? d.subset({ end: limit }) : d);
  return { ...data, train: head(data.train), ...(data.test ? { test: head(data.test) } : {}) };
}

/** Reads a .lopm model file onto the kernels `k` (`bytes`: the file as read). */
export async function loadModelFile(path: string, k: Kernels): Promise<{ model: Model; meta?: Record<string, unknown>; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read: ${(e as Error).message}`);
  }
  return { ...loadModel(bytes, k, path), bytes };
}
