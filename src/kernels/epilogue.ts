// The epilogue flags of f32_gemm_epilogue and f32_conv2d_fwd (assembly/gemm_tile.ts holds the
// same values): what the kernel does to each output as it stores it, in this order.
export const EPILOGUE = {
  /** + bias[i] per row of C (bias [M]; a conv's output channels). */
  biasRows: 1,
  /** + bias[j] per column of C (bias [N]; a dense layer's units). */
  biasCols: 2,
  /** then max(·, 0). */
  relu: 4,
} as const;
