// Plain-TypeScript twin of the wasm `f32_gemm` kernel (assembly/gemm.ts): the executable spec.
// Slow on purpose: a straight triple loop, no blocking, no SIMD.

import { EPILOGUE } from '../epilogue.js';

/**
 * C[M,N] = alpha·op(A)·op(B) + beta·C, row-major.
 * op(A) is A[M,K], or A stored [K,M] and transposed when transA ≠ 0;
 * op(B) is B[K,N], or B stored [N,K] and transposed when transB ≠ 0.
 * NOTE: each dot product is accumulated in a JS number (f64) and rounded once on store.
 * NOTE: beta = 0 ignores C's old contents entirely, NaN and Inf included (BLAS convention);
 * alpha = 0 does not short-circuit: a NaN in A or B still reaches C.
 */
export function f32_gemm(
  c: Float32Array, // [M, N]
  a: Float32Array, // [M, K], or [K, M] when transA
  b: Float32Array, // [K, N], or [N, K] when transB
  alpha: number,
  beta: number,
  M: number,
  N: number,
  K: number,
  transA: number,
  transB: number,
): void {
  // Strides of op(A)[i, k] and op(B)[k, j] in their storage.
  const aRow = transA ? 1 : K;
  const aCol = transA ? M : 1;
  const bRow = transB ? 1 : N;
  const bCol = transB ? K : 1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += a[i * aRow + k * aCol] * b[k * bRow + j * bCol];
      const o = i * N + j;
      c[o] = alpha * acc + (beta === 0 ? 0 : beta * c[o]);
    }
  }
}


/**
 * f32_gemm, then per value: + bias[i] (epilogue & 1, bias [M]), + bias[j] (epilogue & 2, bias
 * [N]), then max(·, 0) (epilogue & 4), each step rounded to f32 as the kernel's is.
 * NOTE: Math.max propagates NaN: relu(NaN) = NaN.
 */
export function f32_gemm_epilogue(
  c: Float32Array, // [M, N]
  a: Float32Array, // [M, K], or [K, M] when transA
  b: Float32Array, // [K, N], or [N, K] when transB
  bias: Float32Array, // [M] (flag 1) or [N] (flag 2)
  alpha: number,
  beta: number,
  M: number,
  N: number,
  K: number,
  transA: number,
  transB: number,
  epilogue: number,
): void {
  f32_gemm(c, a, b, alpha, beta, M, N, K, transA, transB);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let v = c[i * N + j];
      if (epilogue & EPILOGUE.biasRows) v = Math.fround(v + bias[i]);
      if (epilogue & EPILOGUE.biasCols) v = Math.fround(v + bias[j]);
      if (epilogue & EPILOGUE.relu) v = Math.max(v, 0);
      c[i * N + j] = v;
    }
  }
}
