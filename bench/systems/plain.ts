// Plain JavaScript baseline: the i-k-j GEMM loop on Float32Arrays, no wasm.

export function plainGemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number): void {
  c.fill(0);
  for (let i = 0; i < M; i++) {
    const ci = i * N;
    for (let p = 0; p < K; p++) {
      const aip = a[i * K + p];
      const bp = p * N;
      for (let j = 0; j < N; j++) c[ci + j] += aip * b[bp + j];
    }
  }
}
