// The wasm module's exports as TypeScript sees them; assembly/ABI.md says what each computes.
// Pointers are byte offsets (numbers); every kernel returns nothing or a scalar.

type P = number;
type I = number;
type F = number;

export interface KernelExports {
  memory: WebAssembly.Memory;
  _start(): void;
  heap_base(): P;
  simd_enabled(): I;
  relaxed_simd_enabled(): I;

  f32_gemm_scratch_bytes(): I;
  f32_gemm(c: P, a: P, b: P, alpha: F, beta: F, M: I, N: I, K: I, transA: I, transB: I, scratch: P): void;
  f32_gemm_epilogue(c: P, a: P, b: P, bias: P, alpha: F, beta: F, M: I, N: I, K: I, transA: I, transB: I, epilogue: I, scratch: P): void;

  f32_im2col(col: P, x: P, C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I): void;
  f32_col2im(x: P, col: P, C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I): void;
  f32_conv2d_scratch_bytes(C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I, G: I): I;
  f32_conv2d_fwd(
    y: P, x: P, w: P, bias: P,
    B: I, C: I, H: I, W: I, OC: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I, G: I,
    epilogue: I, scratch: P,
  ): void;

  f32_conv2d_bwd_scratch_bytes(C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I, G: I): I;
  f32_conv2d_bwd(
    dx: P, dw: P, dbias: P, dy: P, x: P, w: P,
    B: I, C: I, H: I, W: I, OC: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I, G: I,
    hasBias: I, needDx: I, scratch: P,
  ): void;

  f32_maxpool2d_fwd(y: P, argmax: P, x: P, B: I, C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I): void;
  f32_maxpool2d_bwd(dx: P, dy: P, argmax: P, B: I, C: I, H: I, W: I, OH: I, OW: I): void;
  f32_avgpool2d_fwd(y: P, x: P, B: I, C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, countPad: I): void;
  f32_avgpool2d_bwd(dx: P, dy: P, B: I, C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, countPad: I): void;

  f32_batchnorm_fwd_train(
    y: P, mean: P, invstd: P, runMean: P, runVar: P, x: P, gamma: P, beta: P,
    eps: F, momentum: F, B: I, C: I, S: I,
  ): void;
  f32_batchnorm_fwd_infer(y: P, x: P, gamma: P, beta: P, runMean: P, runVar: P, eps: F, B: I, C: I, S: I): void;
  f32_batchnorm_bwd(
    dx: P, dgamma: P, dbeta: P, dy: P, x: P, gamma: P, mean: P, invstd: P, B: I, C: I, S: I,
  ): void;

  f32_add(out: P, a: P, b: P, n: I): void;
  f32_mul(out: P, a: P, b: P, n: I): void;
  f32_axpy(y: P, x: P, alpha: F, n: I): void;
  f32_scale(out: P, x: P, alpha: F, n: I): void;
  f32_relu_fwd(out: P, x: P, n: I): void;
  f32_relu_bwd(dx: P, dy: P, x: P, n: I): void;
  f32_leaky_relu_fwd(out: P, x: P, slope: F, n: I): void;
  f32_leaky_relu_bwd(dx: P, dy: P, x: P, slope: F, n: I): void;
  f32_clamp(out: P, x: P, lo: F, hi: F, n: I): void;
  f32_sum(x: P, n: I): F;
  f32_sumsq(x: P, n: I): F;
  f32_row_l1(out: P, x: P, R: I, C: I): void;
  f32_row_l2(out: P, x: P, R: I, C: I): void;
  f32_channel_mean_var(mean: P, variance: P, x: P, B: I, C: I, S: I): void;
  f32_channel_count_zeros(count: P, x: P, B: I, C: I, S: I): void;

  f32_softmax_xent_fwd(probs: P, logits: P, labels: P, B: I, K: I): F;
  f32_softmax_xent_bwd(dlogits: P, probs: P, labels: P, B: I, K: I): void;

  f32_bias_add(y: P, bias: P, B: I, C: I, S: I): void;
  f32_bias_grad(dbias: P, dy: P, B: I, C: I, S: I): void;
  f32_sgd_step(w: P, g: P, v: P, mask: P, lr: F, momentum: F, weightDecay: F, l1: F, nesterov: I, hasMask: I, n: I): void;
  f32_adam_step(
    w: P, g: P, m: P, v: P, mask: P, lr: F, beta1: F, beta2: F, eps: F, weightDecay: F, l1: F,
    bc1: F, bc2: F, hasMask: I, n: I,
  ): void;
  f32_maxout_fwd(y: P, argmax: P, x: P, B: I, C: I, K: I, S: I): void;
  f32_maxout_bwd(dx: P, dy: P, argmax: P, B: I, C: I, K: I, S: I): void;

  f32_csr_count(rowptr: P, a: P, R: I, C: I): I;
  f32_csr_fill(values: P, colidx: P, a: P, rowptr: P, R: I, C: I): void;
  f32_csr_mm(y: P, values: P, colidx: P, rowptr: P, x: P, M: I, K: I, N: I): void;
  f32_dense_csrT_mm(y: P, x: P, values: P, colidx: P, rowptr: P, M: I, K: I, N: I): void;
  f32_sell4_gemv(y: P, x: P, values: P, colidx: P, sliceptr: P, rowmap: P, M: I, K: I, N: I): void;

  f32_channel_dot(out: P, a: P, g: P, B: I, C: I, S: I): void;
  i32_maxout_wins(count: P, argmax: P, B: I, C: I, K: I, S: I): void;
  f32_column_mean_center(mean: P, x: P, N: I, P: I): void;
  f32_column_sumsq(out: P, x: P, N: I, P: I): void;
  f32_moments_merge(mean: P, m2: P, meanB: P, m2B: P, nA: F, nB: F, P: I): void;
  f32_comoment_merge(c: P, meanX: P, meanY: P, meanXB: P, meanYB: P, nA: F, nB: F, P: I, Q: I, scratch: P): void;
  f32_greedy_remove_scratch_bytes(C: I): I;
  f32_greedy_remove(order: P, gram: P, C: I, R: I, scratch: P): F;
  f32_cholesky_solve_scratch_bytes(n: I): I;
  f32_cholesky_solve(x: P, a: P, b: P, ridge: F, n: I, scratch: P): I;
  f32_thinet_gather_scratch_bytes(C: I): I;
  f32_thinet_gather(xhat: P, y: P, x: P, weight: P, rows: P, entries: P, geometry: P, n: I, scratch: P): void;
  i32_huffman_decode(out: P, bits: P, table: P, n: I, nbytes: I, L: I): I;
  f32_cluster_grad_sum(out: P, g: P, assign: P, n: I, K: I): void;
  f32_cluster_apply(w: P, centroids: P, assign: P, n: I): void;
  i8_quantize(q: P, x: P, scale: F, zeroPoint: I, n: I): void;
  i8_dequantize(x: P, q: P, scale: F, zeroPoint: I, n: I): void;
  i8_packed_bytes(N: I, K: I, mode: I): I;
  i8_gemm_packed_scratch_bytes(K: I, mode: I): I;
  i8_pack_b(dst: P, b: P, N: I, K: I, mode: I): void;
  i8_gemm_packed(c: P, a: P, bp: P, M: I, N: I, K: I, mode: I, transposeC: I, scratch: P): void;
  i32_dequantize_channels(y: P, acc: P, scale: P, bias: P, hasBias: I, M: I, N: I, perRow: I): void;
  i32_requantize_channels(q: P, acc: P, multiplier: P, bias: P, hasBias: I, zeroPoint: I, M: I, N: I, perRow: I): void;
  i8_conv_packed_scratch_bytes(C: I, H: I, W: I, KH: I, KW: I, PH: I, PW: I, mode: I): I;
  i8_conv_packed(acc: P, x: P, bp: P, OC: I, C: I, H: I, W: I, KH: I, KW: I, SH: I, SW: I, PH: I, PW: I, DH: I, DW: I, mode: I, scratch: P): void;
}
