// lopper's core entry point: runs unchanged in Node, Deno, browsers and edge runtimes.
export { Kernels, loadKernels, type WasmSource } from './kernels/kernels.js';
export { Tensor, type DType } from './kernels/tensor.js';
export { Heap } from './kernels/heap.js';
export type { KernelExports } from './kernels/exports.js';
export * from './nn/data/index.js';
export { crc32 } from './io/crc32.js';
