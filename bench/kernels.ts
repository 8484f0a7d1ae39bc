// Kernel benchmarks: GEMM, conv forward and SpMM for lopper's builds (relaxed SIMD, SIMD, scalar)
// against plain JS, tfjs-backend-wasm and onnxruntime-web, all in this one process. Speeds are
// ratios within the run.

import { loadNodeKernels, nodeKernelBuild } from '../src/node/kernels.js';
import type { Kernels, KernelBuild } from '../src/kernels/kernels.js';
import { interleavedMs, medianMs, printTable, type BenchRecord } from './lib/measure.js';
import { plainGemm } from './systems/plain.js';
import { tfjsWasm, tfjsVersion } from './systems/tfjs.js';
import { ortTensor, ortVersion, singleOpSession } from './systems/ort.js';
import type { SuiteOptions } from './run.js';

const SYSTEM: Record<KernelBuild, string> = { relaxed: 'lopper-relaxed-simd', simd: 'lopper-simd', scalar: 'lopper-scalar' };

function random(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

async function gemmBench(records: BenchRecord[], lopper: Kernels[], sizes: number[]): Promise<void> {
  const tf = await tfjsWasm();
  for (const n of sizes) {
    const shape = `${n}x${n}x${n}`;
    const flops = 2 * n * n * n;
    const a = random(n * n, 1);
    const b = random(n * n, 2);
    const add = (system: string, ms: number) => records.push({ suite: 'kernels', kernel: 'gemm', shape, system, medianMs: ms, gflops: flops / ms / 1e6 });
    const owned: { dispose(): void }[] = [];
    const systems: Record<string, () => unknown> = {};
    for (const k of lopper) {
      const [ta, tb, tc] = [k.from(a), k.from(b), k.tensor([n * n])];
      owned.push(ta, tb, tc);
      const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
      systems[SYSTEM[k.build]] = () => k.wasm.f32_gemm(tc.offset, ta.offset, tb.offset, 1, 0, n, n, n, 0, 0, scratch);
    }
    const [xa, xb] = [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])];
    systems['tfjs-wasm'] = () => { const y = tf.matMul(xa, xb); y.dataSync(); y.dispose(); };
    const session = await singleOpSession('MatMul', [{ name: 'a', dims: [n, n] }, { name: 'b', dims: [n, n] }], [], { name: 'c', dims: [n, n] });
    const feeds = { a: ortTensor(a, [n, n]), b: ortTensor(b, [n, n]) };
    systems['ort-web'] = () => session.run(feeds);
    // The competing wasm systems alternate round by round; plain JS is too slow to repeat.
    for (const [system, ms] of Object.entries(await interleavedMs(systems))) add(system, ms);
    const c = new Float32Array(n * n);
    add('plain-js', await medianMs(`plain ${n}`, () => plainGemm(c, a, b, n, n, n), { minSamples: 3 }));
    tf.dispose([xa, xb]);
    await session.release();
    for (const t of owned) t.dispose();
  }
}

interface ConvCase {
  name: string;
  B: number; C: number; H: number; W: number; OC: number; KH: number; KW: number; P: number;
}

async function convBench(records: BenchRecord[], lopper: Kernels[], cases: ConvCase[]): Promise<void> {
  const tf = await tfjsWasm();
  for (const c of cases) {
    const OH = c.H + 2 * c.P - c.KH + 1;
    const OW = c.W + 2 * c.P - c.KW + 1;
    const flops = 2 * c.B * c.OC * OH * OW * c.C * c.KH * c.KW;
    const shape = `${c.name}: ${c.C}→${c.OC} ${c.KH}x${c.KW} pad ${c.P} on ${c.H}x${c.W}, batch ${c.B}`;
    const add = (system: string, ms: number) => records.push({ suite: 'kernels', kernel: 'conv2d', shape, system, medianMs: ms, gflops: flops / ms / 1e6 });
    const x = random(c.B * c.C * c.H * c.W, 3);
    const w = random(c.OC * c.C * c.KH * c.KW, 4);
    const bias = random(c.OC, 5);
    const owned: { dispose(): void }[] = [];
    const systems: Record<string, () => unknown> = {};
    for (const k of lopper) {
      const [tx, tw, tb, ty] = [k.from(x), k.from(w), k.from(bias), k.tensor([c.B * c.OC * OH * OW])];
      owned.push(tx, tw, tb, ty);
      const scratch = k.scratch(k.wasm.f32_conv2d_scratch_bytes(c.C, c.H, c.W, c.KH, c.KW, 1, 1, c.P, c.P, 1, 1, 1));
      systems[SYSTEM[k.build]] = () =>
        k.wasm.f32_conv2d_fwd(ty.offset, tx.offset, tw.offset, tb.offset, c.B, c.C, c.H, c.W, c.OC, c.KH, c.KW, 1, 1, c.P, c.P, 1, 1, 1, 1, scratch);
    }
    // tfjs in its native layout (NHWC input, HWIO filter): the data differ, the work does not.
    const tx = tf.tensor4d(x, [c.B, c.H, c.W, c.C]);
    const tw = tf.tensor4d(w, [c.KH, c.KW, c.C, c.OC]);
    const tb = tf.tensor1d(bias);
    const pad = c.P === 0 ? 'valid' : ([[0, 0], [c.P, c.P], [c.P, c.P], [0, 0]] as [number, number][]);
    systems['tfjs-wasm'] = () => {
      const y = tf.add(tf.conv2d(tx, tw, 1, pad as 'valid'), tb);
      y.dataSync();
      tf.dispose(y);
    };
    const session = await singleOpSession('Conv',
      [{ name: 'x', dims: [c.B, c.C, c.H, c.W] }],
      [{ name: 'w', dims: [c.OC, c.C, c.KH, c.KW], data: w }, { name: 'b', dims: [c.OC], data: bias }],
      { name: 'y', dims: [c.B, c.OC, OH, OW] },
      [{ name: 'pads', ints: [c.P, c.P, c.P, c.P] }, { name: 'kernel_shape', ints: [c.KH, c.KW] }]);
    const feeds = { x: ortTensor(x, [c.B, c.C, c.H, c.W]) };
    systems['ort-web'] = () => session.run(feeds);
    for (const [system, ms] of Object.entries(await interleavedMs(systems))) add(system, ms);
    tf.dispose([tx, tw, tb]);
    await session.release();
    for (const t of owned) t.dispose();
  }
}

// Dense gemm against CSR × dense for each SIMD build, all four measured in alternating rounds.
async function spmmBench(records: BenchRecord[], lopper: Kernels[], M: number, K: number, N: number, sparsities: number[]): Promise<void> {
  const xv = random(K * N, 6);
  const dense = random(M * K, 7);
  const keep = random(M * K, 8);
  for (const s of sparsities) {
    const shape = `${M}x${K} (${Math.round(s * 100)}% zeros) × ${K}x${N}`;
    const a = dense.map((v, i) => ((keep[i] + 1) / 2 < s ? 0 : v));
    const owned: { dispose(): void }[] = [];
    const systems: Record<string, () => unknown> = {};
    let nnz = 0;
    for (const k of lopper) {
      const [x, y, ta] = [k.from(xv), k.tensor([M * N]), k.from(a)];
      const rowptr = k.tensor([M + 1], 'i32');
      nnz = k.wasm.f32_csr_count(rowptr.offset, ta.offset, M, K);
      const values = k.tensor([Math.max(nnz, 1)]);
      const colidx = k.tensor([Math.max(nnz, 1)], 'i32');
      k.wasm.f32_csr_fill(values.offset, colidx.offset, ta.offset, rowptr.offset, M, K);
      owned.push(x, y, ta, rowptr, values, colidx);
      const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
      systems[`${SYSTEM[k.build]} dense gemm`] = () => k.wasm.f32_gemm(y.offset, ta.offset, x.offset, 1, 0, M, N, K, 0, 0, scratch);
      systems[`${SYSTEM[k.build]} csr`] = () => k.wasm.f32_csr_mm(y.offset, values.offset, colidx.offset, rowptr.offset, x.offset, M, K, N);
    }
    for (const [system, ms] of Object.entries(await interleavedMs(systems))) {
      const csr = system.endsWith(' csr');
      records.push({ suite: 'kernels', kernel: 'spmm', shape, system, medianMs: ms, gflops: (2 * (csr ? nnz : M * K) * N) / ms / 1e6, ...(csr ? { nnz } : {}) });
    }
    for (const t of owned) t.dispose();
  }
}

export async function run({ quick }: SuiteOptions) {
  const builds: KernelBuild[] = nodeKernelBuild() === 'relaxed' ? ['relaxed', 'simd', 'scalar'] : ['simd', 'scalar'];
  if (builds.length === 2) console.log(`(no lopper-relaxed-simd: this Node, V8 ${process.versions.v8}, rejects relaxed SIMD)`);
  const lopper = await Promise.all(builds.map((build) => loadNodeKernels({ build })));
  const records: BenchRecord[] = [];
  await gemmBench(records, lopper, quick ? [32, 64] : [128, 256, 512, 1024]);
  await convBench(records, lopper, quick
    ? [{ name: 'tiny', B: 2, C: 4, H: 8, W: 8, OC: 4, KH: 3, KW: 3, P: 1 }]
    : [
        { name: 'vgg', B: 8, C: 64, H: 32, W: 32, OC: 64, KH: 3, KW: 3, P: 1 },
        { name: 'lenet5 conv1', B: 8, C: 1, H: 28, W: 28, OC: 20, KH: 5, KW: 5, P: 0 },
        { name: 'lenet5 conv2', B: 8, C: 20, H: 12, W: 12, OC: 50, KH: 5, KW: 5, P: 0 },
      ]);
  const [M, K, N] = quick ? [64, 64, 16] : [1024, 1024, 64];
  await spmmBench(records, lopper.filter((k) => k.simd), M, K, N, [0, 0.5, 0.8, 0.9, 0.95]);
  const find = (kernel: string, shape: string, system: string) =>
    records.find((p) => p.kernel === kernel && p.shape === shape && p.system === system);
  const baseOf = (r: BenchRecord) =>
    r.kernel === 'spmm' ? r.system.replace(/ csr$/, ' dense gemm') : r.kernel === 'gemm' ? 'lopper-scalar' : 'tfjs-wasm';
  printTable(records, (r) => (r.system === baseOf(r) ? undefined : find(r.kernel, r.shape, baseOf(r))));
  console.log('\nspeed-ups the issue sets bars for:');
  const lopperSimd = builds.filter((b) => b !== 'scalar').map((b) => SYSTEM[b]);
  for (const r of records.filter((x) => lopperSimd.includes(x.system) || x.system.endsWith(' csr'))) {
    const versus = r.kernel === 'gemm' ? ['tfjs-wasm', 'lopper-scalar'] : r.kernel === 'conv2d' ? ['tfjs-wasm', 'ort-web'] : [baseOf(r)];
    const ratios = versus.map((v) => `${(find(r.kernel, r.shape, v)!.medianMs / r.medianMs).toFixed(2)}× ${v}`);
    console.log(`  ${r.kernel} ${r.shape} ${r.system}: ${ratios.join(', ')}`);
  }
  return {
    records,
    versions: { '@tensorflow/tfjs-core': tfjsVersion, 'onnxruntime-web': ortVersion },
  };
}
