// The validated kernel ops: each checks its tensors and options, then runs one wasm kernel.
export * from './gemm.js';
export * from './conv.js';
export * from './pool.js';
export * from './batchnorm.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './softmax.js';
export * from './sparse.js';
export * from './stats.js';
export * from './thinet.js';
export * from './huffman.js';
export * from './cluster.js';
export * from './int8.js';
