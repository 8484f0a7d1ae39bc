// Node-only entry point: everything in the core plus file-system loading of the kernels.
export * from '../index.js';
export { loadNodeKernels, nodeKernelBuild, wasmPath, type NodeKernelOptions } from './kernels.js';
export {
  loadBuiltin, buildBuiltinCache, builtinCachePath, cacheDir, loadData, loadIdx, loadCsv, loadLopd, saveDataset, writeAtomic,
  BUILTIN_NAMES, type BuiltinName, type Split, type CacheOptions, type BuildInfo, type LoadedData,
} from './data.js';
export { fileCheckpoint, type FileCheckpoint } from './checkpoint.js';
export { createNodePool, withNodePool, defaultWorkerCount, nodeWorkerFactory, type NodePoolOptions } from './workers.js';
export { readModelFile, writeModelFile, modelFormat, type ModelFile, type ModelFormat } from './model-file.js';
