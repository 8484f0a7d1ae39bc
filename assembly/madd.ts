// Multiply-accumulate of f32 lanes, shared by the hot inner loops (GEMM micro-kernel, row GEMM,
// sparse products). Internal: not exported from the module (index.ts).

// c + a·b. The relaxed build (build/lopper-relaxed.wasm) uses f32x4.relaxed_madd, which hosts
// with FMA hardware run as one fused multiply-add: twice the multiply-adds per cycle of a
// separate mul and add on x64, and rounded once, not twice. The plain SIMD build keeps the
// separate mul and add, so it compiles to exactly what it did before this helper existed.
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
