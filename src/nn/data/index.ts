// The data layer's core (no Node built-ins): datasets, their .lopd bytes, IDX and CSV readers.
export {
  Dataset, MAX_CLASSES, type Batch, type BatchOptions, type DatasetInit, type Normalise, type NormaliseConstants, type Pixels,
} from './dataset.js';
export { encodeDataset, decodeDataset, LOPD_MAGIC, LOPD_VERSION } from './lop-dataset.js';
export { parseIdx, encodeIdx, datasetFromIdx, type IdxArray, type IdxType, type IdxDatasetOptions } from './idx.js';
export { parseCsv, type CsvOptions } from './csv.js';
export { permutation } from './shuffle.js';
export { parseNpy, datasetFromNpy, type NpyArray, type NpyDatasetOptions } from './npy.js';
