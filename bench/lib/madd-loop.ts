// A wasm loop that only multiplies and adds: `accumulators` independent f32x4 chains, no loads or
// stores. What it reaches is about the most any f32 kernel can do on this core (bench/ceiling.ts).
// Compiled here from the source below with asc (a dev dependency, as the benches are).

import asc from 'assemblyscript/asc';

/** Source of `loop(n, s)`: n iterations of `accumulators` multiply-adds, fused (relaxed_madd) or mul then add. */
function source(accumulators: number, fused: boolean): string {
  const names = Array.from({ length: accumulators }, (_, i) => `a${i}`);
  const step = (a: string) => (fused ? `${a} = f32x4.relaxed_madd(x, y, ${a});` : `${a} = f32x4.add(${a}, f32x4.mul(x, y));`);
  return `export function loop(n: i32, s: f32): f32 {
  ${names.map((a) => `let ${a} = f32x4.splat(0);`).join(' ')}
  const x = f32x4.splat(s), y = f32x4.splat(1 - s);
  for (let i = 0; i < n; i++) { ${names.map(step).join(' ')} }
  return f32x4.extract_lane(${names.reduce((sum, a) => `f32x4.add(${sum}, ${a})`, 'f32x4.splat(0)')}, 0);
}`;
}

/** The compiled loop and its flops per call of `n` iterations. */
export async function maddLoop(accumulators: number, fused: boolean): Promise<{ run(n: number): number; flops(n: number): number }> {
  const { binary, error, stderr } = await asc.compileString(source(accumulators, fused), {
    optimizeLevel: 3, runtime: 'stub', enable: fused ? ['simd', 'relaxed-simd'] : ['simd'],
  });
  if (error || !binary) throw new Error(`multiply-add loop: asc failed: ${error?.message ?? ''} ${stderr.toString()}`);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>));
  const loop = instance.exports.loop as (n: number, s: number) => number;
  return { run: (n) => loop(n, 0.5), flops: (n) => n * accumulators * 4 * 2 };
}
