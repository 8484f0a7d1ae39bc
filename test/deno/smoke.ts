// Deno smoke test: the built package loads in Deno from bytes (the build bestKernelBuild() picks:
// relaxed SIMD on Deno 2) and runs one gemm correctly; ONNX goes out and back in; and the pruning
// API of the package entry runs: Han's pipeline, and filters removed for real.
// Run by `npm test` through the `deno` npm package; uses only Deno and web APIs.

import {
  Dataset, Graph, HAN_DEFAULTS, Model, bestKernelBuild, evaluate, exportOnnx, importOnnx, lenet300100, lenet5, loadKernels,
  pruneFilters, runHan, train, shareWeights, encodeLop, decodeLop, useSparseKernels,
} from '../../dist/src/index.js';
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

// Han's pipeline through the package entry on 64 noise images (no Node built-in on the way), then
// half of LeNet-5's filters removed: a smaller model that still runs.
const noise = new Dataset({
  name: 'noise', shape: [1, 28, 28], classes: 10,
  pixels: Uint8Array.from({ length: 64 * 784 }, (_, i) => (Math.imul(i, 2654435761) >>> 24) & 255),
  labels: Int32Array.from({ length: 64 }, (_, i) => i % 10),
});
const { model: pruned, history } = await runHan(new Model(new Graph(lenet300100()), k, { seed: 1 }), {
  train: noise, test: noise, modelName: 'lenet-300-100', datasetName: 'noise',
  settings: { ...HAN_DEFAULTS, sparsity: 0.9, retrainEpochs: 1, latencyBatch: 0 },
  runner: { train, evaluate: async (m, d) => evaluate(m, d) },
});
const reached = history.steps[history.steps.length - 2].sparsity;
const { model: slim } = pruneFilters(model, { ratio: 0.5 });
const out = slim.forward(2, { x }).toArray();
if (!(reached >= 0.9 - 1e-3) || !(slim.graph.paramCount() < model.graph.paramCount()) || out.length !== 20 || out.some((v) => !Number.isFinite(v))) {
  console.error(`deno smoke: pruning through the package entry: sparsity ${reached}, params ${model.graph.paramCount()} → ${slim.graph.paramCount()}, outputs ${out.length}`);
  Deno.exit(1);
}
// Deep Compression in Deno: the pruned model shared, into a .lop (fflate, the wasm Huffman
// decoder) and back, run on the sparse path: the same outputs.
const shared = shareWeights(pruned);
const lop = encodeLop(pruned, shared);
const back = decodeLop(lop, k, 'smoke.lop').model;
useSparseKernels(back, { path: 'sparse' });
const px = Float32Array.from({ length: 784 }, (_, i) => Math.cos(i));
const want1 = pruned.forward(1, { x: px }).toArray();
const got1 = back.forward(1, { x: px }).toArray();
if (want1.some((v, i) => Math.abs(v - got1[i]) > 1e-5 * (1 + Math.abs(v)))) {
  console.error('deno smoke: a .lop round trip on the sparse path computes something else');
  Deno.exit(1);
}
console.log(`deno smoke: the pruned model as a ${lop.length}-byte .lop runs on the sparse path with the same outputs`);
back.dispose();
pruned.dispose();
console.log(`deno smoke: Han's pipeline reached ${(100 * reached).toFixed(1)}% sparsity; removing half of LeNet-5's filters left ${slim.graph.paramCount()} of ${model.graph.paramCount()} parameters`);
