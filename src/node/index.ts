// Node-only entry point: everything in the core plus file-system loading of the kernels.
export * from '../index.js';
export { loadNodeKernels, wasmPath, type NodeKernelOptions } from './kernels.js';
