// How close lopper's GEMM comes to this core's ceiling, and what a "SIMD ≥ N × scalar" bar asks:
// loops that only multiply-add (8, 12 and 16 independent f32x4 chains, fused as relaxed SIMD
// does) against the 512³ GEMM of each lopper build, all in alternating rounds. A GEMM also loads,
// packs and stores, so it can at best tie the fastest loop (give or take the loop's own counter,
// a few %): a bar of N × the scalar GEMM well above that loop cannot be met without slowing the
// scalar build.

import { loadNodeKernels, nodeKernelBuild } from '../src/node/kernels.js';
import type { KernelBuild } from '../src/kernels/kernels.js';
import { interleavedMs, printTable, type BenchRecord } from './lib/measure.js';
import { maddLoop } from './lib/madd-loop.js';
import type { SuiteOptions } from './run.js';

const SYSTEM: Record<KernelBuild, string> = { relaxed: 'lopper-relaxed-simd', simd: 'lopper-simd', scalar: 'lopper-scalar' };

export async function run({ quick }: SuiteOptions) {
  const fused = nodeKernelBuild() === 'relaxed';
  const builds: KernelBuild[] = fused ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar'];
  const n = quick ? 64 : 512;
  const iterations = quick ? 1e5 : 2e6;
  const systems: Record<string, () => unknown> = {};
  const flops: Record<string, number> = {};
  const kind: Record<string, string> = {};
  for (const chains of [8, 12, 16]) {
    const loop = await maddLoop(chains, fused);
    const name = `${chains} ${fused ? 'relaxed_madd' : 'mul+add'} chains`;
    systems[name] = () => loop.run(iterations);
    flops[name] = loop.flops(iterations);
    kind[name] = 'multiply-add loop';
  }
  const owned: { dispose(): void }[] = [];
  for (const build of builds) {
    const k = await loadNodeKernels({ build });
    const [a, b, c] = [k.tensor([n * n]), k.tensor([n * n]), k.tensor([n * n])];
    a.f32().forEach((_, i, v) => { v[i] = Math.sin(i); });
    b.f32().forEach((_, i, v) => { v[i] = Math.cos(i); });
    owned.push(a, b, c);
    const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
    systems[SYSTEM[build]] = () => k.wasm.f32_gemm(c.offset, a.offset, b.offset, 1, 0, n, n, n, 0, 0, scratch);
    flops[SYSTEM[build]] = 2 * n ** 3;
    kind[SYSTEM[build]] = 'gemm';
  }
  const ms = await interleavedMs(systems, quick ? 2 : 9);
  for (const t of owned) t.dispose();
  const records: BenchRecord[] = Object.entries(ms).map(([system, t]) => ({
    suite: 'ceiling', kernel: kind[system], shape: kind[system] === 'gemm' ? `${n}x${n}x${n}` : `${iterations} iterations`,
    system, medianMs: t, gflops: flops[system] / t / 1e6,
  }));
  const loops = records.filter((r) => r.kernel === 'multiply-add loop');
  const best = loops.reduce((x, y) => (y.gflops! > x.gflops! ? y : x));
  printTable(records, () => undefined);
  const scalar = records.find((r) => r.system === SYSTEM.scalar)!.gflops!;
  console.log(`\nceiling: ${best.system}, ${best.gflops!.toFixed(1)} GFLOP/s`);
  for (const r of records.filter((x) => x.kernel === 'gemm' && x.system !== SYSTEM.scalar)) {
    console.log(`  ${r.system} gemm ${r.shape}: ${r.gflops!.toFixed(1)} GFLOP/s = ${(100 * r.gflops! / best.gflops!).toFixed(0)}% of it, ${(r.gflops! / scalar).toFixed(2)}× lopper-scalar`);
  }
  console.log(`  10× lopper-scalar (${scalar.toFixed(2)} GFLOP/s) would be ${(10 * scalar).toFixed(1)} GFLOP/s = ${(1000 * scalar / best.gflops!).toFixed(0)}% of the ceiling`);
  return { records, versions: { wasm: fused ? 'relaxed' : 'simd' } };
}
