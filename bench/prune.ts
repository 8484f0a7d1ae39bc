// Does structural pruning make the model faster, not only smaller? LeNet-5 forward latency with
// 50% of its conv filters removed by L1 norm, against the dense model and against the same
// filters only masked to zero, in one run. The bar: speed-up ≥ 0.8 × the FLOPs ratio.

import { loadNodeKernels } from '../src/node/kernels.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5 } from '../src/nn/nets.js';
import { pruneFilters } from '../src/prune/filters.js';
import { interleavedMs, printTable, type BenchRecord } from './lib/measure.js';
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
  // Alternating rounds: the machine's speed drifts, the three models share its conditions.
  const times = await interleavedMs(Object.fromEntries(Object.entries(models).map(([name, m]) => [name, () => m.forward(batch)])), quick ? 2 : 9);
  const records: (BenchRecord & { params: number; flops: number })[] = Object.entries(models).map(([system, model]) => ({
    suite: 'prune', kernel: 'lenet-5 forward', shape: `batch ${batch}`, system, medianMs: times[system], params: model.graph.paramCount(), flops: model.graph.flops(),
  }));
  printTable(records, (r) => (r.system === 'dense' ? undefined : records[0]));
  const [d, , r] = records;
  const flopsRatio = d.flops / r.flops;
  const speedup = d.medianMs / r.medianMs;
  console.log(`\nparams ${d.params} → ${r.params} (${(d.params / r.params).toFixed(2)}×), FLOPs ${(d.flops / 1e6).toFixed(2)}M → ${(r.flops / 1e6).toFixed(2)}M (${flopsRatio.toFixed(2)}×)`);
  console.log(`measured speed-up ${speedup.toFixed(2)}× = ${(speedup / flopsRatio).toFixed(2)} × the FLOPs ratio (bar: ≥ 0.8)`);
  console.log('(FLOPs count direct convolution; lopper runs LeNet-5\'s 5×5 convs with Winograd when channels allow, so the dense model does fewer multiplies than counted)');
  return { records, versions: {} };
}
