export function heap_base(): usize { return __heap_base; }
export function simd_enabled(): i32 { return ASC_FEATURE_SIMD ? 1 : 0; }
export function relaxed_simd_enabled(): i32 { return ASC_FEATURE_RELAXED_SIMD ? 1 : 0; }
export * from './gemm';
export * from './elementwise';
export * from './reduce';
export * from './softmax';
export * from './sparse';
export * from './conv';
export * from './pool';
export * from './batchnorm';
export * from './bias';
export * from './optim';
export * from './maxout';
export * from './conv_backward';
export * from './stats';
export * from './thinet';
export * from './huffman';
export * from './cluster';
export * from './int8';
