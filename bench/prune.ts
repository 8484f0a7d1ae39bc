// Does structural pruning make the model faster, not only smaller? LeNet-5 forward latency with
// 50% of its conv filters removed by L1 norm, against the dense model and against the same
// filters only masked to zero, in one run. The bar: speed-up ≥ 0.8 × the FLOPs ratio.

import { loadNodeKernels } from '../src/node/kernels.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5 } from '../src/nn/nets.js';
import { pruneFilters } from '../src/prune/filters.js';
import { medianMs, printTable, type BenchRecord } from './lib/measure.js';
import type { SuiteOptions } from './run.js';

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const batch = quick ? 8 : 64;
  const dense = new Model(new Graph(lenet5()), k, { seed: 1 });
  const { model: removed, cuts } = pruneFilters(dense, { ratio: 0.5 });
  // The same filters zeroed in place: as many FLOPs as dense, the masked-pruning baseline.
  const masked = new Model(dense.graph, k, { seed: 1 });
  masked.params.values.f32().set(dense.params.values.f32());
  for (const { group, units } of cuts) {
    for (const p of group.producers) {
      for (const name of ['weight', 'bias']) {
        const e = masked.params.entry(p, name);
        const per = e.size / e.shape[0];
        for (const u of units) masked.params.values.f32().fill(0, e.start + u * per, e.start + (u + 1) * per);
      }
    }
  }
  const models = { dense, '50% filters masked': masked, '50% filters removed': removed };
  for (const model of Object.values(models)) {
    const x = model.input(batch).f32();
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
  }
  // Short alternating rounds, each system's median per round; the order rotates so none always
  // runs first. NOTE: the machine's speed drifts and other processes come and go within seconds,
  // so the speed-up is the median of the per-round ratios (dense and removed measured within a
  // second of each other), not the ratio of medians taken over the whole run.
  const names = Object.keys(models) as (keyof typeof models)[];
  const rounds = quick ? 2 : 25;
  const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      perRound[name].push(await medianMs(name, () => models[name].forward(batch), { maxTime: 0.25, minSamples: 5 }));
    }
  }
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const records: (BenchRecord & { params: number; flops: number })[] = names.map((system) => ({
    suite: 'prune', kernel: 'lenet-5 forward', shape: `batch ${batch}`, system, medianMs: median(perRound[system]),
    params: models[system].graph.paramCount(), flops: models[system].graph.flops(),
  }));
  printTable(records, (r) => (r.system === 'dense' ? undefined : records[0]));
  const [d, , r] = records;
  const flopsRatio = d.flops / r.flops;
  const ratios = perRound.dense.map((t, i) => t / perRound['50% filters removed'][i]).sort((a, b) => a - b);
  const speedup = median(ratios);
  const quartile = (q: number) => ratios[Math.round(q * (ratios.length - 1))];
  console.log(`\nparams ${d.params} → ${r.params} (${(d.params / r.params).toFixed(2)}×), FLOPs ${(d.flops / 1e6).toFixed(2)}M → ${(r.flops / 1e6).toFixed(2)}M (${flopsRatio.toFixed(2)}×)`);
  console.log(`measured speed-up ${speedup.toFixed(2)}× (median of ${rounds} rounds' ratios; quartiles ${quartile(0.25).toFixed(2)}–${quartile(0.75).toFixed(2)}) ` +
    `= ${(speedup / flopsRatio).toFixed(2)} × the FLOPs ratio (bar: ≥ 0.8), wasm build '${k.build}'`);
  console.log('(FLOPs count direct convolution; lopper runs LeNet-5\'s 5×5 convs with Winograd when channels allow, so the dense model does fewer multiplies than counted)');
  Object.assign(r, { speedup, flopsRatio, speedupOverFlopsRatio: speedup / flopsRatio, roundRatios: ratios });
  return { records, versions: { wasm: k.build } };
}
