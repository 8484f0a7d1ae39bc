// int8 benchmarks: lopper's int8 GEMM on weights packed once (i32 sums; the relaxed build's 8-bit
// dot when A is in [0, 127]) against lopper's f32 GEMM of the same size, and the int8 convolution
// against lopper's f32 one, in the same run, per SIMD build.

import { loadNodeKernels, nodeKernelBuild } from '../src/node/kernels.js';
import type { KernelBuild } from '../src/kernels/kernels.js';
import { conv2dInt8, packInt8 } from '../src/kernels/ops/int8.js';
import { conv2d } from '../src/kernels/ops/conv.js';
import { interleavedMs, printTable, type BenchRecord } from './lib/measure.js';
import type { SuiteOptions } from './run.js';

const SYSTEM: Record<KernelBuild, string> = { relaxed: 'lopper-relaxed-simd', simd: 'lopper-simd', scalar: 'lopper-scalar' };

function ints(n: number, lo: number, hi: number, seed: number): Int8Array {
  const a = new Int8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + (s % (hi - lo + 1));
  }
  return a;
}

export async function run({ quick }: SuiteOptions) {
  const builds: KernelBuild[] = nodeKernelBuild() === 'relaxed' ? ['relaxed', 'simd'] : ['simd'];
  const records: BenchRecord[] = [];
  for (const n of quick ? [64] : [512]) {
    const shape = `${n}x${n}x${n}`;
    const flops = 2 * n * n * n;
    const systems: Record<string, () => unknown> = {};
    const owned: { dispose(): void }[] = [];
    for (const build of builds) {
      const k = await loadNodeKernels({ build });
      const name = SYSTEM[build];
      const [fa, fb, fc] = [k.from(Float32Array.from(ints(n * n, -128, 127, 1))), k.from(Float32Array.from(ints(n * n, -128, 127, 2))), k.tensor([n * n])];
      const [qa, qa7, qb, qc] = [k.from(ints(n * n, -128, 127, 1), [n * n], 'i8'), k.from(ints(n * n, 0, 127, 3), [n * n], 'i8'),
        k.from(ints(n * n, -128, 127, 2), [n, n], 'i8'), k.tensor([n * n], 'i32')];
      owned.push(fa, fb, fc, qa, qa7, qb, qc);
      const [qw, qw7] = [packInt8(qb), packInt8(qb, { nonNegativeInputs: true })];
      owned.push(qw.data, qw7.data);
      const fs = k.scratch(Math.max(k.wasm.f32_gemm_scratch_bytes(), k.wasm.i8_gemm_packed_scratch_bytes(n, 0)));
      systems[`${name} f32 gemm`] = () => k.wasm.f32_gemm(fc.offset, fa.offset, fb.offset, 1, 0, n, n, n, 0, 0, fs);
      systems[`${name} int8 gemm`] = () => k.wasm.i8_gemm_packed(qc.offset, qa.offset, qw.data.offset, n, n, n, 0, 0, fs);
      if (build === 'relaxed') systems[`${name} int8 gemm, A in [0,127]`] = () => k.wasm.i8_gemm_packed(qc.offset, qa7.offset, qw7.data.offset, n, n, n, 1, 0, fs);
    }
    for (const [system, ms] of Object.entries(await interleavedMs(systems))) {
      records.push({ suite: 'int8', kernel: 'gemm', shape, system, medianMs: ms, gflops: flops / ms / 1e6 });
    }
    for (const t of owned) t.dispose();
  }
  // A convolution of the VGG net (32 → 32 channels, 3×3, pad 1, 28×28, batch 8): the int8 op on
  // packed weights (ints in [0, 127], as after a ReLU) against lopper's f32 conv2d.
  {
    const [B, C, H, W, OC] = quick ? [2, 8, 14, 14, 8] : [8, 32, 28, 28, 32];
    const shape = `${B}x${C}x${H}x${W} -> ${OC} 3x3`;
    const flops = 2 * B * OC * H * W * C * 9;
    const systems: Record<string, () => unknown> = {};
    const owned: { dispose(): void }[] = [];
    for (const build of builds) {
      const k = await loadNodeKernels({ build });
      const name = SYSTEM[build];
      const xi = ints(B * C * H * W, 0, 127, 4);
      const wi = ints(OC * C * 9, -127, 127, 5);
      const [fx, fw, fy] = [k.from(Float32Array.from(xi), [B, C, H, W]), k.from(Float32Array.from(wi), [OC, C, 3, 3]), k.tensor([B, OC, H, W])];
      const [qx, qw, scale, qy] = [k.from(xi, [B, C, H, W], 'i8'), k.from(wi, [OC, C, 3, 3], 'i8'), k.from(new Float32Array(OC).fill(1e-3)), k.tensor([B, OC, H, W])];
      const packed = packInt8(qw, { nonNegativeInputs: true });
      owned.push(fx, fw, fy, qx, qw, scale, qy, packed.data);
      systems[`${name} f32 conv`] = () => conv2d(fy, fx, fw, null, { padding: 1 });
      systems[`${name} int8 conv`] = () => conv2dInt8(qy, qx, packed, scale, undefined, { padding: 1, nonNegative: true });
    }
    for (const [system, ms] of Object.entries(await interleavedMs(systems))) {
      records.push({ suite: 'int8', kernel: 'conv', shape, system, medianMs: ms, gflops: flops / ms / 1e6 });
    }
    for (const t of owned) t.dispose();
  }
  const baseOf = (r: BenchRecord) => records.find((b) => b.shape === r.shape && b.system === r.system.replace(/ int8 (gemm|conv).*$/, ' f32 $1'));
  printTable(records, (r) => (/ f32 (gemm|conv)$/.test(r.system) ? undefined : baseOf(r)));
  return { records, versions: {} };
}
