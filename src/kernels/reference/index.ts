// The plain-TypeScript twins of every wasm kernel: same names, same argument order, arrays in
// place of pointers, no scratch. They are the spec the kernels are tested against.
export * from './elementwise.js';
export * from './gemm.js';
export * from './reduce.js';
export * from './softmax.js';
export * from './sparse.js';
export * from './conv.js';
export * from './pool.js';
export * from './batchnorm.js';
export * from './bias.js';
export * from './optim.js';
export * from './maxout.js';
export * from './conv_backward.js';
export * from './stats.js';
export * from './thinet.js';
export * from './huffman.js';
export * from './cluster.js';
export * from './int8.js';
