// Deno smoke test: the built package loads in Deno from bytes (the build bestKernelBuild() picks:
// relaxed SIMD on Deno 2) and runs one gemm correctly.
// Run by `npm test` through the `deno` npm package; uses only Deno and web APIs.

import { Graph, Model, bestKernelBuild, exportOnnx, importOnnx, lenet5, loadKernels } from '../../dist/src/index.js';
import { f32_gemm } from '../../dist/src/kernels/reference/gemm.js';
import { gemm } from '../../dist/src/kernels/ops/gemm.js';

declare const Deno: { readFile(path: URL): Promise<Uint8Array>; exit(code: number): never };

const FILES = { relaxed: 'lopper-relaxed.wasm', simd: 'lopper.wasm', scalar: 'lopper-scalar.wasm' };
const build = bestKernelBuild();
const k = await loadKernels(await Deno.readFile(new URL(`../../build/${FILES[build]}`, import.meta.url)));
const [M, N, K] = [33, 17, 9];
const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i));
const want = new Float32Array(M * N);
f32_gemm(want, a, b, 1, 0, M, N, K, 0, 0);
const c = k.tensor([M, N]);
gemm(c, k.from(a, [M, K]), k.from(b, [K, N]));
const got = c.f32();
let worst = 0;
for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
if (!k.simd || k.build !== build || worst > 1e-4) {
  console.error(`deno smoke: best build ${build}, loaded ${k.build}, largest difference ${worst}`);
  Deno.exit(1);
}
console.log(`deno smoke: gemm ${M}x${N}x${K} on the ${k.build} build matches the reference (largest difference ${worst.toExponential(1)})`);

// ONNX out and back in, in Deno: onnx-proto loads without Node built-ins.
const model = new Model(new Graph(lenet5()), k, { seed: 1 });
const x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i));
const before = model.forward(2, { x }).toArray();
const again = importOnnx(exportOnnx(model), k);
const after = again.forward(2, { x }).toArray();
if (before.some((v, i) => v !== after[i])) {
  console.error('deno smoke: LeNet-5 exported to ONNX and imported again computes something else');
  Deno.exit(1);
}
console.log('deno smoke: LeNet-5 → ONNX → LeNet-5 gives the same outputs');
