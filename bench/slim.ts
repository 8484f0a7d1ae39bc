// Does slimming make the nets faster, and what does fusing the ReLU into the conv/gemm epilogue
// buy? First the kernels: each conv of the inception net (and its slimmed convs) and a dense
// layer, bias and ReLU in the kernel's epilogue against the kernel then f32_relu_fwd (and, for
// the dense layer, f32_bias_add), at batch 1 and 8. Then the nets: forward latency at batch 1 and
// 8 of LeNet-5-BN and the small inception net: the original, folded without and with ReLU fusion,
// streamlined, and (inception) branch-slimmed. Untrained weights (latency does not depend on
// them); refits on random inputs. Alternating rounds, the speed-up is the median of per-round
// ratios against the baseline.
import { loadNodeKernels } from '../src/node/kernels.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { Dataset } from '../src/nn/data/dataset.js';
import { Rng } from '../src/nn/random.js';
import { inceptionSmall, lenet5Bn } from '../src/nn/nets.js';
import { foldModel } from '../src/slim/exact.js';
import { streamline } from '../src/slim/streamline.js';
import { slimBranches } from '../src/slim/branch.js';
import { medianMs, printTable, type BenchRecord } from './lib/measure.js';
import { EPILOGUE } from '../src/kernels/epilogue.js';
import { convOutputSize } from '../src/kernels/ops/conv.js';
import type { SuiteOptions } from './run.js';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** The layers whose epilogue is timed: the inception net's convs (which path each takes in the SIMD build), its slimmed convs, a dense layer. */
type EpilogueCase = { name: string } & ({ kind: 'conv'; C: number; H: number; OC: number; K: number; S: number; P: number } | { kind: 'dense'; in: number; out: number });
const EPILOGUE_CASES: EpilogueCase[] = [
  { name: 'conv1 1→32 5×5 28² (direct)', kind: 'conv', C: 1, H: 28, OC: 32, K: 5, S: 1, P: 2 },
  { name: 'conv2 32→48 3×3 14² (Winograd)', kind: 'conv', C: 32, H: 14, OC: 48, K: 3, S: 1, P: 1 },
  { name: 'inc3a.1x1 48→16 1×1 7² (panels)', kind: 'conv', C: 48, H: 7, OC: 16, K: 1, S: 1, P: 0 },
  { name: 'inc3a.5x5 8→16 5×5 7² (Winograd)', kind: 'conv', C: 8, H: 7, OC: 16, K: 5, S: 1, P: 2 },
  { name: 'slim conv1 1→32 7×7/2 28² (direct)', kind: 'conv', C: 1, H: 28, OC: 32, K: 7, S: 2, P: 3 },
  { name: 'slim conv2 32→48 5×5/2 14² (panels)', kind: 'conv', C: 32, H: 14, OC: 48, K: 5, S: 2, P: 2 },
  { name: 'slim inc3a 48→80 3×3 7² (Winograd)', kind: 'conv', C: 48, H: 7, OC: 80, K: 3, S: 1, P: 1 },
  { name: 'dense 800→500', kind: 'dense', in: 800, out: 500 },
];

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const rng = new Rng(1);
  const data = new Dataset({ name: 'random', shape: [1, 28, 28], pixels: Float32Array.from({ length: 64 * 784 }, () => rng.uniform(-1, 1)), labels: new Array(64).fill(0), classes: 10, normalise: 'none' });
  const rounds = quick ? 2 : 15;
  const records: (BenchRecord & { batch: number; flops?: number; layers?: number; speedup?: number })[] = [];
  for (const batch of [1, 8]) {
    for (const c of EPILOGUE_CASES) {
      const alloc = (n: number) => k.from(Float32Array.from({ length: n }, () => rng.uniform(-1, 1)));
      let run: (fused: boolean) => void;
      let free: () => void;
      if (c.kind === 'dense') {
        const [x, w, b, y] = [alloc(batch * c.in), alloc(c.out * c.in), alloc(c.out), alloc(batch * c.out)];
        const scratch = k.scratch(k.wasm.f32_gemm_scratch_bytes());
        run = (fused) => {
          if (fused) k.wasm.f32_gemm_epilogue(y.offset, x.offset, w.offset, b.offset, 1, 0, batch, c.out, c.in, 0, 1, EPILOGUE.biasCols | EPILOGUE.relu, scratch);
          else {
            k.wasm.f32_gemm(y.offset, x.offset, w.offset, 1, 0, batch, c.out, c.in, 0, 1, scratch);
            k.wasm.f32_bias_add(y.offset, b.offset, batch, c.out, 1);
            k.wasm.f32_relu_fwd(y.offset, y.offset, y.size);
          }
        };
        free = () => [x, w, b, y].forEach((t) => t.dispose());
      } else {
        const [OH, OW] = [convOutputSize(c.H, c.K, c.S, c.P, 1), convOutputSize(c.H, c.K, c.S, c.P, 1)];
        const [x, w, b, y] = [alloc(batch * c.C * c.H * c.H), alloc(c.OC * c.C * c.K * c.K), alloc(c.OC), alloc(batch * c.OC * OH * OW)];
        const geo = [c.C, c.H, c.H, c.K, c.K, c.S, c.S, c.P, c.P, 1, 1, 1] as const;
        const scratch = k.scratch(k.wasm.f32_conv2d_scratch_bytes(...geo));
        const conv = (epilogue: number) => k.wasm.f32_conv2d_fwd(y.offset, x.offset, w.offset, b.offset, batch, c.C, c.H, c.H, c.OC,
          c.K, c.K, c.S, c.S, c.P, c.P, 1, 1, 1, epilogue, scratch);
        run = (fused) => {
          if (fused) conv(EPILOGUE.biasRows | EPILOGUE.relu);
          else {
            conv(EPILOGUE.biasRows);
            k.wasm.f32_relu_fwd(y.offset, y.offset, y.size);
          }
        };
        free = () => [x, w, b, y].forEach((t) => t.dispose());
      }
      const perRound = { apart: [] as number[], fused: [] as number[] };
      for (let i = 0; i < rounds; i++) {
        for (const fused of i % 2 ? [true, false] : [false, true]) {
          perRound[fused ? 'fused' : 'apart'].push(await medianMs(c.name, () => run(fused), { maxTime: 0.1, minSamples: 5 }));
        }
      }
      free();
      const speedup = median(perRound.apart.map((t, i) => t / perRound.fused[i]));
      records.push({ suite: 'slim', kernel: `epilogue ${c.name}`, shape: `batch ${batch}`, system: 'bias + ReLU apart', batch, medianMs: median(perRound.apart) });
      records.push({ suite: 'slim', kernel: `epilogue ${c.name}`, shape: `batch ${batch}`, system: 'bias + ReLU fused', batch, medianMs: median(perRound.fused), speedup });
    }
  }
  for (const def of [lenet5Bn(), inceptionSmall()]) {
    const original = new Model(new Graph(def), k, { seed: 1 });
    const unfused = foldModel(original, { fuseRelu: false }).model;
    const folded = foldModel(original).model;
    const streamlined = streamline(folded, data, { samples: 64 }).model;
    const systems: Record<string, Model> = { original, 'folded, ReLU apart': unfused, 'folded, ReLU fused': folded, streamlined };
    if (def.name === 'inception-small') systems['streamlined + branch'] = slimBranches(streamlined, data, { samples: 64 }).model;
    const names = Object.keys(systems);
    for (const batch of [1, 8]) {
      for (const m of Object.values(systems)) {
        const x = m.input(batch).f32();
        for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
      }
      const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
      for (let i = 0; i < rounds; i++) {
        for (let j = 0; j < names.length; j++) {
          const name = names[(i + j) % names.length];
          perRound[name].push(await medianMs(name, () => systems[name].forward(batch), { maxTime: 0.2, minSamples: 5 }));
        }
      }
      for (const name of names) {
        const m = systems[name];
        const speedup = name === 'original' ? undefined : median(perRound.original.map((t, i) => t / perRound[name][i]));
        const fusedOverApart = name === 'folded, ReLU fused' ? median(perRound['folded, ReLU apart'].map((t, i) => t / perRound[name][i])) : undefined;
        records.push({
          suite: 'slim', kernel: `${def.name} forward`, shape: `batch ${batch}`, system: name, batch, medianMs: median(perRound[name]),
          flops: m.graph.flops(), layers: m.graph.nodes.length, ...(speedup === undefined ? {} : { speedup }), ...(fusedOverApart === undefined ? {} : { fusedOverApart }),
        });
      }
    }
    for (const m of Object.values(systems)) m.dispose();
  }
  const baseline = (r: BenchRecord) => (r.kernel.startsWith('epilogue') ? 'bias + ReLU apart' : 'original');
  printTable(records, (r) => (r.system === baseline(r) ? undefined : records.find((d) => d.system === baseline(r) && d.kernel === r.kernel && d.shape === r.shape)));
  console.log('\nmedian per-round speed-up of the fused epilogue over bias + ReLU apart:');
  for (const r of records.filter((x) => x.speedup !== undefined && x.kernel.startsWith('epilogue'))) {
    console.log(`${r.kernel.padEnd(40)} batch ${r.batch}  ${r.speedup!.toFixed(3)}×`);
  }
  console.log('\nmedian per-round speed-up vs the original (and of ReLU fusion over ReLU apart):');
  for (const r of records.filter((x) => x.speedup !== undefined && !x.kernel.startsWith('epilogue'))) {
    console.log(`${r.kernel.padEnd(26)} batch ${r.batch}  ${r.system.padEnd(22)} ${r.speedup!.toFixed(2)}×  ${r.layers} layers, ${(r.flops! / 1e6).toFixed(2)} MFLOP` +
      (r.fusedOverApart ? `  (fused ${(r.fusedOverApart as number).toFixed(3)}× over apart)` : ''));
  }
  return { records, versions: { wasm: k.build } };
}
