// f32 GEMM kernel, C = alpha·op(A)·op(B) + beta·C (row-major); spec: src/kernels/reference/gemm.ts.
// SIMD path: packed panels + a 4×8 register-blocked micro-kernel, and a no-packing path for one- to
// three-row (and one-column) products; scalar path: plain loops, no scratch.

// Micro-tile MR × NR and the micro-kernel: assembly/gemm_tile.ts.
import { MR, NR, micro4x8, trStore4, packAN, packAT, epilogueRow, EPI_BIAS_ROWS, EPI_BIAS_COLS, EPI_RELU } from './gemm_tile';
import { madd } from './madd';

// Cache blocks (elements). The packed B block (KC × NC, 256 KiB) sits in L2 and is reused by every
// row panel of A; one packed A micro-panel (MR × KC, 4 KiB) sits in L1 while it sweeps that block.
const KC = 256;
const NC = 256;
// Column chunk of the row path (floats): one chunk of a C row stays in L1 across all of K.
const JB = 1024;

const B_PACK_BYTES: i32 = KC * NC * 4; // NC is a multiple of NR
const A_PACK_BYTES: i32 = MR * KC * 4;
const TILE_BYTES: i32 = MR * NR * 4; // one C tile, for partial tiles at the edges
const SCRATCH_BYTES: i32 = B_PACK_BYTES + A_PACK_BYTES + TILE_BYTES;

/** Bytes of scratch `f32_gemm` needs, whatever the shape (the scalar build uses none of it). */
export function f32_gemm_scratch_bytes(): i32 {
  return SCRATCH_BYTES;
}

/**
 * C[M,N] = alpha·op(A)·op(B) + beta·C. op(A) is A[M,K], or A stored [K,M] when transA ≠ 0;
 * op(B) is B[K,N], or B stored [N,K] when transB ≠ 0. beta = 0 ignores C's old contents (NaN too).
 * Pointers are byte offsets, 16-byte aligned; rows need not be (M, N, K are arbitrary). C must not
 * overlap A or B. `scratch` holds f32_gemm_scratch_bytes() bytes, 16-byte aligned, overlapping
 * nothing. NOTE: sums are f32, so results differ from the f64 twin by rounding; NaN/Inf in A, B
 * or C propagate as in the twin, but a non-finite alpha may give NaN where the twin gives ±Inf
 * (alpha is applied per K block, or folded into A's element on the row and scalar paths).
 */
export function f32_gemm(
  c: usize, // [M, N]
  a: usize, // [M, K], or [K, M] when transA
  b: usize, // [K, N], or [N, K] when transB
  alpha: f32,
  beta: f32,
  M: i32,
  N: i32,
  K: i32,
  transA: i32,
  transB: i32,
  scratch: usize, // f32_gemm_scratch_bytes()
): void {
  gemm(c, a, b, 0, alpha, beta, M, N, K, transA, transB, 0, scratch);
}

/**
 * f32_gemm with an epilogue: C = alpha·op(A)·op(B) + beta·C, then + bias[i] per row
 * (epilogue & 1), + bias[j] per column (epilogue & 2), then max(·, 0) (epilogue & 4), applied to
 * each value as it is stored (in registers on the packed and row paths), not as passes after.
 * `bias` is read only with flag 1 ([M]) or 2 ([N]). Otherwise as f32_gemm.
 */
export function f32_gemm_epilogue(
  c: usize, // [M, N]
  a: usize, // [M, K], or [K, M] when transA
  b: usize, // [K, N], or [N, K] when transB
  bias: usize, // [M] (flag 1) or [N] (flag 2)
  alpha: f32,
  beta: f32,
  M: i32,
  N: i32,
  K: i32,
  transA: i32,
  transB: i32,
  epilogue: i32,
  scratch: usize, // f32_gemm_scratch_bytes()
): void {
  gemm(c, a, b, bias, alpha, beta, M, N, K, transA, transB, epilogue, scratch);
}

/** The one implementation of f32_gemm and f32_gemm_epilogue (the conv's scalar path calls it too). */
export function gemm(
  c: usize, a: usize, b: usize, bias: usize, alpha: f32, beta: f32,
  M: i32, N: i32, K: i32, transA: i32, transB: i32, epi: i32, scratch: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    scaleC(c, alpha, beta, M * N);
    if (epi) for (let i = 0; i < M; i++) epilogueRow(c + (<usize>i * <usize>N << 2), N, epi, rowBias(bias, i, epi), bias);
    return;
  }
  if (ASC_FEATURE_SIMD) {
    if (N == 1) {
      // C[M,1] is also C^T[1,M] = op(B)^T[1,K]·op(A)^T[K,M]: one row, B's K values contiguous
      // either way, and op(A)^T is A itself when transA, else A stored [M,K] read transposed.
      // C's rows are C^T's columns: the bias flags swap.
      const epiT = (epi & EPI_RELU) | (epi & EPI_BIAS_ROWS ? EPI_BIAS_COLS : 0) | (epi & EPI_BIAS_COLS ? EPI_BIAS_ROWS : 0);
      gemmRows(c, b, a, bias, alpha, beta, 1, M, K, 0, 4, transA ? 0 : 1, epiT);
    } else if (M < MR && (!transB || !transA || M == 1)) {
      gemmRows(c, a, b, bias, alpha, beta, M, N, K,
        transA ? 4 : <usize>K << 2, transA ? <usize>M << 2 : 4, transB, epi);
    } else {
      gemmPacked(c, a, b, bias, alpha, beta, M, N, K, transA, transB, epi, scratch);
    }
  } else {
    gemmPlain(c, a, b, bias, alpha, beta, M, N, K, transA, transB, epi);
  }
}

// The row bias of row i (0 without EPI_BIAS_ROWS).
// @ts-ignore: decorator
@inline
function rowBias(bias: usize, i: i32, epi: i32): f32 {
  return epi & EPI_BIAS_ROWS ? load<f32>(bias + (<usize>i << 2)) : 0;
}

// K = 0: op(A)·op(B) is all zeros, so C = alpha·0 + beta·C (alpha·0 keeps NaN/Inf alpha honest).
function scaleC(c: usize, alpha: f32, beta: f32, n: i32): void {
  const z = alpha * 0;
  for (let i = 0; i < n; i++) {
    const p = c + (<usize>i << 2);
    store<f32>(p, beta == 0 ? z : z + beta * load<f32>(p));
  }
}

// ---------------------------------------------------------------------------------------------
// Scalar path (the whole scalar build): i-k-j with alpha folded into A's element, as reference
// BLAS does; i-j-k dot products when B is transposed so both operands stream contiguously.

function gemmPlain(
  c: usize, a: usize, b: usize, bias: usize, alpha: f32, beta: f32,
  M: i32, N: i32, K: i32, transA: i32, transB: i32, epi: i32,
): void {
  // Byte strides of op(A)[i, k] along i and k.
  const aI: usize = transA ? 4 : <usize>K << 2;
  const aK: usize = transA ? <usize>M << 2 : 4;
  const ldc: usize = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    const ci = c + <usize>i * ldc;
    const ai = a + <usize>i * aI;
    if (transB) {
      // op(B)[k, j] = B[j, k]: dot product of row i of op(A) with row j of B.
      for (let j = 0; j < N; j++) {
        const bj = b + (<usize>j * <usize>K << 2);
        // Four partial sums: one add chain would wait on the add latency every step.
        let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
        let k = 0;
        for (; k + 4 <= K; k += 4) {
          const ak = ai + <usize>k * aK;
          const bk = bj + (<usize>k << 2);
          s0 += load<f32>(ak) * load<f32>(bk);
          s1 += load<f32>(ak + aK) * load<f32>(bk, 4);
          s2 += load<f32>(ak + 2 * aK) * load<f32>(bk, 8);
          s3 += load<f32>(ak + 3 * aK) * load<f32>(bk, 12);
        }
        for (; k < K; k++) s0 += load<f32>(ai + <usize>k * aK) * load<f32>(bj + (<usize>k << 2));
        const acc = (s0 + s1) + (s2 + s3);
        const p = ci + (<usize>j << 2);
        store<f32>(p, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(p));
      }
      if (epi) epilogueRow(ci, N, epi, rowBias(bias, i, epi), bias);
    } else {
      if (beta == 0) {
        memory.fill(ci, 0, ldc);
      } else if (beta != 1) {
        for (let j = 0; j < N; j++) {
          const p = ci + (<usize>j << 2);
          store<f32>(p, beta * load<f32>(p));
        }
      }
      for (let k = 0; k < K; k++) {
        const t = alpha * load<f32>(ai + <usize>k * aK);
        const bk = b + <usize>k * ldc;
        let j = 0;
        for (; j + 4 <= N; j += 4) {
          const o = <usize>j << 2;
          store<f32>(ci + o, load<f32>(ci + o) + t * load<f32>(bk + o));
          store<f32>(ci + o, load<f32>(ci + o, 4) + t * load<f32>(bk + o, 4), 4);
          store<f32>(ci + o, load<f32>(ci + o, 8) + t * load<f32>(bk + o, 8), 8);
          store<f32>(ci + o, load<f32>(ci + o, 12) + t * load<f32>(bk + o, 12), 12);
        }
        for (; j < N; j++) {
          const o = <usize>j << 2;
          store<f32>(ci + o, load<f32>(ci + o) + t * load<f32>(bk + o));
        }
      }
      if (epi) epilogueRow(ci, N, epi, rowBias(bias, i, epi), bias);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SIMD path, packed. Loop order: N in NC blocks → K in kc blocks (pack B) → 4-row micro-panels
// of A (pack one) → 8-column micro-panels of B → micro-kernel. Packed B micro-panel: kc rows of
// 8 floats (element (k, j) at k·32 + j·4 bytes); packed A micro-panel: kc rows of 4 floats
// (element (i, k) at k·16 + i·4). Edges are zero-padded, so the micro-kernel always computes a
// full 4×8 tile and only its write-back knows the edge.

function gemmPacked(
  c: usize, a: usize, b: usize, bias: usize, alpha: f32, beta: f32,
  M: i32, N: i32, K: i32, transA: i32, transB: i32, epi: i32, scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const bp = scratch;
    const ap = scratch + <usize>B_PACK_BYTES;
    const tile = ap + <usize>A_PACK_BYTES;
    // Balanced K blocks: K = 257 runs as 129 + 128, not 256 + 1.
    const kBlocks = (K + KC - 1) / KC;
    const kcMax = (K + kBlocks - 1) / kBlocks;
    const ldc: usize = <usize>N << 2;
    for (let jc = 0; jc < N; jc += NC) {
      const nc = min(NC, N - jc);
      for (let pc = 0; pc < K; pc += kcMax) {
        const kc = min(kcMax, K - pc);
        if (transB) packBT(bp, b, pc, jc, kc, nc, K);
        else packBN(bp, b, pc, jc, kc, nc, N);
        // Only the first K block applies beta; later ones accumulate onto it.
        const bet: f32 = pc == 0 ? beta : 1;
        // The epilogue goes with the last K block's store.
        const ep = pc + kc == K ? epi : 0;
        for (let ir = 0; ir < M; ir += MR) {
          const mr = min(MR, M - ir);
          if (transA) packAT(ap, a, ir, pc, mr, kc, M);
          else packAN(ap, a, ir, pc, mr, kc, K);
          const ci = c + <usize>ir * ldc + (<usize>jc << 2);
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min(NR, nc - jr);
            const bp0 = ep & EPI_BIAS_ROWS ? bias + (<usize>ir << 2) : bias + (<usize>(jc + jr) << 2);
            micro4x8(ap, bp + (<usize>jr * <usize>kc << 2), kc, ci + (<usize>jr << 2), ldc,
              alpha, bet, mr, nr, tile, ep, bp0);
          }
        }
      }
    }
  }
}

// Pack B[pc..pc+kc, jc..jc+nc] of a row-major B[K,N] into 8-column micro-panels.
function packBN(dst: usize, b: usize, pc: i32, jc: i32, kc: i32, nc: i32, N: i32): void {
  if (ASC_FEATURE_SIMD) {
    const ldb: usize = <usize>N << 2;
    const src0 = b + <usize>pc * ldb + (<usize>jc << 2);
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = min(NR, nc - jr);
      let s = src0 + (<usize>jr << 2);
      let d = dst + (<usize>jr * <usize>kc << 2);
      if (nr == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ldb;
          d += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let j = 0; j < nr; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
          s += ldb;
          d += 32;
        }
      }
    }
  }
}

// Pack op(B)[pc..pc+kc, jc..jc+nc] of B stored [N,K] (op(B)[k, j] = B[j, k]) into micro-panels.
function packBT(dst: usize, b: usize, pc: i32, jc: i32, kc: i32, nc: i32, K: i32): void {
  if (ASC_FEATURE_SIMD) {
    const ldb: usize = <usize>K << 2;
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = min(NR, nc - jr);
      const s = b + <usize>(jc + jr) * ldb + (<usize>pc << 2);
      const d = dst + (<usize>jr * <usize>kc << 2);
      let k = 0;
      if (nr == NR) {
        const s4 = s + 4 * ldb;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const dk = d + (<usize>k << 5);
          trStore4(dk, 32, v128.load(s + o), v128.load(s + ldb + o),
            v128.load(s + 2 * ldb + o), v128.load(s + 3 * ldb + o));
          trStore4(dk + 16, 32, v128.load(s4 + o), v128.load(s4 + ldb + o),
            v128.load(s4 + 2 * ldb + o), v128.load(s4 + 3 * ldb + o));
        }
      }
      for (; k < kc; k++) {
        const dk = d + (<usize>k << 5);
        v128.store(dk, f32x4.splat(0));
        v128.store(dk, f32x4.splat(0), 16);
        for (let j = 0; j < nr; j++) {
          store<f32>(dk + (<usize>j << 2), load<f32>(s + <usize>j * ldb + (<usize>k << 2)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SIMD path, rows: M ≤ 3 (or N = 1 turned into M = 1), where a 4-row micro-kernel would waste
// most of its lanes and packing B would cost as much as the product. No scratch.
// aI, aK: byte strides of op(A)[i, k] along i and k; with transB, aK must be 4 (rows contiguous).

function gemmRows(
  c: usize, a: usize, b: usize, bias: usize, alpha: f32, beta: f32,
  M: i32, N: i32, K: i32, aI: usize, aK: usize, transB: i32, epi: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    const ldc: usize = <usize>N << 2;
    if (transB) {
      // c[i, j] = alpha·dot(op(A) row i, B row j) + beta·c[i, j]. Four rows of B at a time, read
      // from memory once and from L1 by every row of A.
      const ldb: usize = <usize>K << 2;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const b0 = b + <usize>j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        for (let i = 0; i < M; i++) {
          const ai = a + <usize>i * aI;
          let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
          let k = 0;
          for (; k + 4 <= K; k += 4) {
            const o = <usize>k << 2;
            const av = v128.load(ai + o);
            s0 = madd(av, v128.load(b0 + o), s0);
            s1 = madd(av, v128.load(b1 + o), s1);
            s2 = madd(av, v128.load(b2 + o), s2);
            s3 = madd(av, v128.load(b3 + o), s3);
          }
          // Horizontal sums: lane r of `sum` is the dot product for column j + r.
          const u0 = f32x4.add(f32x4.shuffle(s0, s1, 0, 4, 1, 5), f32x4.shuffle(s0, s1, 2, 6, 3, 7));
          const u1 = f32x4.add(f32x4.shuffle(s2, s3, 0, 4, 1, 5), f32x4.shuffle(s2, s3, 2, 6, 3, 7));
          let sum = f32x4.add(f32x4.shuffle(u0, u1, 0, 1, 4, 5), f32x4.shuffle(u0, u1, 2, 3, 6, 7));
          if (k < K) {
            let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
            for (; k < K; k++) {
              const o = <usize>k << 2;
              const x = load<f32>(ai + o);
              t0 += x * load<f32>(b0 + o);
              t1 += x * load<f32>(b1 + o);
              t2 += x * load<f32>(b2 + o);
              t3 += x * load<f32>(b3 + o);
            }
            let t = f32x4.splat(t0);
            t = f32x4.replace_lane(t, 1, t1);
            t = f32x4.replace_lane(t, 2, t2);
            t = f32x4.replace_lane(t, 3, t3);
            sum = f32x4.add(sum, t);
          }
          const p = c + <usize>i * ldc + (<usize>j << 2);
          sum = f32x4.mul(sum, f32x4.splat(alpha));
          if (beta != 0) sum = f32x4.add(sum, f32x4.mul(f32x4.splat(beta), v128.load(p)));
          if (epi) {
            if (epi & EPI_BIAS_ROWS) sum = f32x4.add(sum, v128.load32_splat(bias + (<usize>i << 2)));
            if (epi & EPI_BIAS_COLS) sum = f32x4.add(sum, v128.load(bias + (<usize>j << 2)));
            if (epi & EPI_RELU) sum = f32x4.max(sum, f32x4.splat(0));
          }
          v128.store(p, sum);
        }
      }
      for (; j < N; j++) {
        const bj = b + <usize>j * ldb;
        for (let i = 0; i < M; i++) {
          const ai = a + <usize>i * aI;
          let s0 = f32x4.splat(0);
          let k = 0;
          for (; k + 4 <= K; k += 4) {
            const o = <usize>k << 2;
            s0 = madd(v128.load(ai + o), v128.load(bj + o), s0);
          }
          let acc: f32 = (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 2)) +
            (f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s0, 3));
          for (; k < K; k++) acc += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
          const p = c + <usize>i * ldc + (<usize>j << 2);
          store<f32>(p, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(p));
          if (epi) epilogueRow(p, 1, epi, rowBias(bias, i, epi), bias + (<usize>j << 2));
        }
      }
    } else {
      // c[i, :] = beta·c[i, :], then += (alpha·op(A)[i, k])·B[k, :], four k at a time, over
      // JB-column chunks: the M chunks of C and the four chunks of B rows stay in L1, and B is
      // read from memory once.
      const ldb = ldc;
      for (let jb = 0; jb < N; jb += JB) {
        const nb = min(JB, N - jb);
        const nv = nb & ~3;
        const cb = c + (<usize>jb << 2);
        for (let i = 0; i < M; i++) {
          const ci = cb + <usize>i * ldc;
          if (beta == 0) {
            memory.fill(ci, 0, <usize>nb << 2);
          } else if (beta != 1) {
            for (let j = 0; j < nb; j++) {
              const p = ci + (<usize>j << 2);
              store<f32>(p, beta * load<f32>(p));
            }
          }
        }
        let k = 0;
        for (; k + 4 <= K; k += 4) {
          const b0 = b + <usize>k * ldb + (<usize>jb << 2), b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
          for (let i = 0; i < M; i++) {
            const ai = a + <usize>i * aI + <usize>k * aK;
            const ci = cb + <usize>i * ldc;
            const x0 = alpha * load<f32>(ai);
            const x1 = alpha * load<f32>(ai + aK);
            const x2 = alpha * load<f32>(ai + 2 * aK);
            const x3 = alpha * load<f32>(ai + 3 * aK);
            const v0 = f32x4.splat(x0), v1 = f32x4.splat(x1), v2 = f32x4.splat(x2), v3 = f32x4.splat(x3);
            let j = 0;
            for (; j < nv; j += 4) {
              const o = <usize>j << 2;
              const s = f32x4.add(
                madd(v1, v128.load(b1 + o), f32x4.mul(v0, v128.load(b0 + o))),
                madd(v3, v128.load(b3 + o), f32x4.mul(v2, v128.load(b2 + o))));
              v128.store(ci + o, f32x4.add(v128.load(ci + o), s));
            }
            for (; j < nb; j++) {
              const o = <usize>j << 2;
              store<f32>(ci + o, load<f32>(ci + o) + ((x0 * load<f32>(b0 + o) + x1 * load<f32>(b1 + o)) +
                (x2 * load<f32>(b2 + o) + x3 * load<f32>(b3 + o))));
            }
          }
        }
        for (; k < K; k++) {
          const bk = b + <usize>k * ldb + (<usize>jb << 2);
          for (let i = 0; i < M; i++) {
            const ci = cb + <usize>i * ldc;
            const x = alpha * load<f32>(a + <usize>i * aI + <usize>k * aK);
            const v = f32x4.splat(x);
            let j = 0;
            for (; j < nv; j += 4) {
              const o = <usize>j << 2;
              v128.store(ci + o, madd(v, v128.load(bk + o), v128.load(ci + o)));
            }
            for (; j < nb; j++) {
              const o = <usize>j << 2;
              store<f32>(ci + o, load<f32>(ci + o) + x * load<f32>(bk + o));
            }
          }
        }
        // The chunk is complete (all of K) and still in L1.
        if (epi) for (let i = 0; i < M; i++) epilogueRow(cb + <usize>i * ldc, nb, epi, rowBias(bias, i, epi), bias + (<usize>jb << 2));
      }
    }
  }
}
