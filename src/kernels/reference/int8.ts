// Plain-TypeScript twins of the int8 kernels (assembly/int8.ts): the executable spec of
// quantize / dequantize, the packed int8 GEMM with i32 sums, its two epilogues and the int8 convolution on it.

const f = Math.fround;

/** Round half to even, as f32.nearest and ONNX QuantizeLinear do. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** round_half_even(v) + zp saturated to int8; NaN → zp. */
export function saturateI8(v: number, zp: number): number {
  if (Number.isNaN(v)) return zp;
  const q = roundHalfEven(Math.min(Math.max(v, -32768), 32767)) + zp;
  return q < -128 ? -128 : q > 127 ? 127 : q;
}

/** q[n] = saturate_int8(round_half_even(x / scale) + zeroPoint) with an f32 division; NaN → zeroPoint. */
export function i8_quantize(q: Int8Array, x: Float32Array, scale: number, zeroPoint: number, n: number): void {
  const s = f(scale);
  for (let i = 0; i < n; i++) q[i] = saturateI8(f(x[i] / s), zeroPoint);
}

/** x[n] = (q − zeroPoint) · scale, rounded to f32 once. */
export function i8_dequantize(x: Float32Array, q: Int8Array, scale: number, zeroPoint: number, n: number): void {
  const s = f(scale);
  for (let i = 0; i < n; i++) x[i] = (q[i] - zeroPoint) * s;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const groupOf = (mode: number) => (mode === 1 ? 4 : 2);

/** Element index of (n, k) of B[N, K] in `mode`'s packed layout (i16 elements in mode 0, i8 in mode 1). */
function packedIndex(n: number, k: number, K: number, mode: number): number {
  const G = groupOf(mode);
  return Math.floor(n / 8) * roundUp(K, G) * 8 + Math.floor(k / G) * 8 * G + (n % 8) * G + (k % G);
}

/** Bytes of a packed B[N, K]: rows padded to a multiple of 8, K to a multiple of G (2 in mode 0, 4 in mode 1). */
export function i8_packed_bytes(N: number, K: number, mode: number): number {
  return roundUp(N, 8) * roundUp(K, groupOf(mode)) * (mode === 1 ? 1 : 2);
}

/**
 * Packs B[N, K] for i8_gemm_packed: panels of 8 rows, K in groups of G, element (n, k) at
 * (n/8)·kp·8 + (k/G)·8G + (n%8)·G + k%G, as i16 (little-endian, mode 0) or i8 (mode 1); zeros elsewhere.
 */
export function i8_pack_b(dst: Int8Array, b: Int8Array, N: number, K: number, mode: number): void {
  dst.fill(0, 0, i8_packed_bytes(N, K, mode));
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const v = b[n * K + k];
      const idx = packedIndex(n, k, K, mode);
      if (mode === 1) dst[idx] = v;
      else { dst[2 * idx] = v & 0xff; dst[2 * idx + 1] = v < 0 ? -1 : 0; }
    }
  }
}

/** C[M,N] = A[M,K]·B[N,K]ᵀ (or Cᵀ [N, M] when transposeC) in exact integer sums, B read from its packed layout. */
export function i8_gemm_packed(c: Int32Array, a: Int8Array, bp: Int8Array, M: number, N: number, K: number, mode: number, transposeC: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const idx = packedIndex(j, k, K, mode);
        const w = mode === 1 ? bp[idx] : (bp[2 * idx] & 0xff) | (bp[2 * idx + 1] << 8);
        s += a[i * K + k] * w;
      }
      c[transposeC ? j * M + i : i * N + j] = s;
    }
  }
}

/** y[M,N] = f32(f32(f32(acc)·scale[ch]) + bias[ch]); ch = j, or i when perRow. */
export function i32_dequantize_channels(
  y: Float32Array, acc: Int32Array, scale: Float32Array, bias: Float32Array, hasBias: number,
  M: number, N: number, perRow: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const ch = perRow ? i : j;
      const v = f(f(acc[i * N + j]) * scale[ch]);
      y[i * N + j] = hasBias ? v + bias[ch] : v;
    }
  }
}

/** q[M,N] = saturate_int8(round_half_even(f32(acc + bias[ch])·multiplier[ch]) + zeroPoint). */
export function i32_requantize_channels(
  q: Int8Array, acc: Int32Array, multiplier: Float32Array, bias: Int32Array, hasBias: number, zeroPoint: number,
  M: number, N: number, perRow: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const ch = perRow ? i : j;
      const s = (acc[i * N + j] + (hasBias ? bias[ch] : 0)) | 0;
      q[i * N + j] = saturateI8(f(f(s) * multiplier[ch]), zeroPoint);
    }
  }
}

/** x[C,H,W] → col[OH·OW, C·KH·KW], one row per output pixel; 0 where the window leaves the image. */
function im2colRows(
  x: Int8Array, C: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number, PH: number, PW: number, DH: number, DW: number,
): Int8Array {
  const OH = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
  const OW = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
  const K = C * KH * KW;
  const col = new Int8Array(OH * OW * K);
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      for (let c = 0; c < C; c++) {
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const h = oh * SH - PH + kh * DH;
            const w = ow * SW - PW + kw * DW;
            const inside = h >= 0 && h < H && w >= 0 && w < W;
            col[(oh * OW + ow) * K + (c * KH + kh) * KW + kw] = inside ? x[(c * H + h) * W + w] : 0;
          }
        }
      }
    }
  }
  return col;
}

/** acc[OC, OH·OW] = the convolution of one image x[C,H,W] (zero padding) with W packed by i8_pack_b: im2col rows, then i8_gemm_packed transposed. */
export function i8_conv_packed(
  acc: Int32Array, x: Int8Array, bp: Int8Array,
  OC: number, C: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number, PH: number, PW: number, DH: number, DW: number,
  mode: number,
): void {
  const col = im2colRows(x, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW);
  const K = C * KH * KW;
  i8_gemm_packed(acc, col, bp, col.length / K, OC, K, mode, 1);
}
