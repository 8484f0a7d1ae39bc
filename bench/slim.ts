// Does slimming make the nets faster, and what does fusing the ReLU into the conv/gemm epilogue
// buy? Forward latency at batch 1 and 8 of LeNet-5-BN and the small inception net: the original,
// folded without and with ReLU fusion, streamlined, and (inception) branch-slimmed. Untrained
// weights (latency does not depend on them); refits on random inputs. Alternating rounds, the
// speed-up is the median of per-round ratios against the original.
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
import type { SuiteOptions } from './run.js';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const rng = new Rng(1);
  const data = new Dataset({ name: 'random', shape: [1, 28, 28], pixels: Float32Array.from({ length: 64 * 784 }, () => rng.uniform(-1, 1)), labels: new Array(64).fill(0), classes: 10, normalise: 'none' });
  const rounds = quick ? 2 : 15;
  const records: (BenchRecord & { batch: number; flops: number; layers: number; speedup?: number })[] = [];
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
  printTable(records, (r) => (r.system === 'original' ? undefined : records.find((d) => d.system === 'original' && d.kernel === r.kernel && d.batch === r.batch)));
  console.log('\nmedian per-round speed-up vs the original (and of ReLU fusion over ReLU apart):');
  for (const r of records.filter((x) => x.speedup !== undefined)) {
    console.log(`${r.kernel.padEnd(26)} batch ${r.batch}  ${r.system.padEnd(22)} ${r.speedup!.toFixed(2)}×  ${r.layers} layers, ${(r.flops / 1e6).toFixed(2)} MFLOP` +
      (r.fusedOverApart ? `  (fused ${(r.fusedOverApart as number).toFixed(3)}× over apart)` : ''));
  }
  return { records, versions: { wasm: k.build } };
}
