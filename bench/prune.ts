// Does structural pruning make the model faster, not only smaller? LeNet-5 forward latency with
// 50% of its conv filters removed by L1 norm, against the dense model and against the same
// filters only masked to zero, at batch sizes from 1 (one image's latency) to 256, and the same
// removal in PyTorch when it is installed. The bar: speed-up ≥ 0.8 × the FLOPs ratio. Then a
// per-layer profile of dense and removed, and the speed-up if every layer scaled with its FLOPs.
import { loadNodeKernels } from '../src/node/kernels.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5 } from '../src/nn/nets.js';
import { pruneFilters } from '../src/prune/filters.js';
import { medianMs, printTable, type BenchRecord } from './lib/measure.js';
import { runTorch, torchVersion } from './lib/torch.js';
import { convCost } from './lib/conv-cost.js';
import type { SuiteOptions } from './run.js';

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function run({ quick }: SuiteOptions) {
  const k = await loadNodeKernels();
  const batches = quick ? [1, 8] : [1, 8, 64, 256];
  const profileBatch = quick ? 8 : 64;
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
  const names = Object.keys(models) as (keyof typeof models)[];
  const flopsRatio = dense.graph.flops() / removed.graph.flops();
  const records: (BenchRecord & { batch: number; params: number; flops: number; speedup?: number; speedupOverFlopsRatio?: number })[] = [];
  const rounds = quick ? 2 : 25;
  for (const batch of batches) {
    for (const model of Object.values(models)) {
      const x = model.input(batch).f32();
      for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    }
    // Short alternating rounds, each system's median per round; the order rotates so none always
    // runs first. NOTE: the machine's speed drifts and other processes come and go within seconds,
    // so a speed-up is the median of the per-round ratios (dense and the other measured within a
    // second of each other), not the ratio of medians taken over the whole run.
    const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < rounds; i++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(i + j) % names.length];
        perRound[name].push(await medianMs(name, () => models[name].forward(batch), { maxTime: 0.25, minSamples: 5 }));
      }
    }
    for (const system of names) {
      const speedup = system === 'dense' ? undefined : median(perRound.dense.map((t, i) => t / perRound[system][i]));
      records.push({
        suite: 'prune', kernel: 'lenet-5 forward', shape: `batch ${batch}`, system, batch, medianMs: median(perRound[system]),
        params: models[system].graph.paramCount(), flops: models[system].graph.flops(),
        ...(speedup === undefined ? {} : { speedup, speedupOverFlopsRatio: speedup / flopsRatio }),
      });
    }
  }
  printTable(records, (r) => (r.system === 'dense' ? undefined : records.find((d) => d.system === 'dense' && d.batch === r.batch)));

  const version = torchVersion();
  const torch = version
    ? runTorch<{ batch: number; denseMs: number; removedMs: number; speedup: number }>('torch_prune.py', 1, ['--batches', batches.join(','), '--rounds', String(rounds)])
    : [];
  for (const t of torch) {
    records.push({ suite: 'prune', kernel: 'lenet-5 forward', shape: `batch ${t.batch}`, system: `pytorch ${version} dense`, batch: t.batch, medianMs: t.denseMs, params: dense.graph.paramCount(), flops: dense.graph.flops() });
    records.push({
      suite: 'prune', kernel: 'lenet-5 forward', shape: `batch ${t.batch}`, system: `pytorch ${version} 50% filters removed`, batch: t.batch, medianMs: t.removedMs,
      params: removed.graph.paramCount(), flops: removed.graph.flops(), speedup: t.speedup, speedupOverFlopsRatio: t.speedup / flopsRatio,
    });
  }
  const [d, r] = [dense, removed].map((m) => ({ params: m.graph.paramCount(), flops: m.graph.flops() }));
  console.log(`\nparams ${d.params} → ${r.params} (${(d.params / r.params).toFixed(2)}×), FLOPs ${(d.flops / 1e6).toFixed(2)}M → ${(r.flops / 1e6).toFixed(2)}M per image (${flopsRatio.toFixed(2)}×); ` +
    `speed-up of removal, median of ${rounds} rounds' ratios (bar: ≥ 0.8 × the FLOPs ratio = ${(0.8 * flopsRatio).toFixed(2)}×), wasm build '${k.build}':`);
  console.log(`batch  lopper ms dense → removed   speed-up  × FLOPs ratio${torch.length ? `   pytorch ${version} 1 thread ms dense → removed   speed-up  × FLOPs ratio` : ''}`);
  for (const batch of batches) {
    const [ld, lr] = ['dense', '50% filters removed'].map((s) => records.find((x) => x.batch === batch && x.system === s)!);
    const t = torch.find((x) => x.batch === batch);
    console.log(`${String(batch).padStart(5)}  ${ld.medianMs.toFixed(3).padStart(9)} → ${lr.medianMs.toFixed(3).padEnd(7)}  ${lr.speedup!.toFixed(2).padStart(13)}×  ${lr.speedupOverFlopsRatio!.toFixed(2).padStart(13)}` +
      (t ? `   ${t.denseMs.toFixed(3).padStart(30)} → ${t.removedMs.toFixed(3).padEnd(7)}  ${t.speedup.toFixed(2).padStart(8)}×  ${(t.speedup / flopsRatio).toFixed(2).padStart(13)}` : ''));
  }
  console.log('(FLOPs count direct convolution; lopper runs LeNet-5\'s 5×5 convs with Winograd when channels allow, so the dense model does fewer multiplies than counted)');

  // Where the time goes: per-layer milliseconds of dense and removed, alternating, against each
  // layer's FLOPs ratio. The ideal speed-up (every layer faster by exactly its FLOPs ratio) is
  // below the model's FLOPs ratio when the dense model spends a smaller share of its time than
  // of its FLOPs in the layers that shrink most.
  const timings = { dense: new Map<string, number>(), removed: new Map<string, number>() };
  const runs = quick ? 2 : 200;
  for (const model of [dense, removed]) {
    const x = model.input(profileBatch).f32();
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
  }
  for (let i = 0; i < runs; i++) {
    dense.forward(profileBatch, { timings: timings.dense });
    removed.forward(profileBatch, { timings: timings.removed });
  }
  const layers = dense.graph.nodes.map((n) => n.name);
  let ideal = 0;
  console.log(`\nper layer at batch ${profileBatch}:\nlayer     dense ms  removed ms  speed-up  FLOPs ratio`);
  for (const name of layers) {
    const [td, tr] = [timings.dense.get(name)!, timings.removed.get(name)!];
    const fd = dense.graph.flops(name);
    const fr = removed.graph.flops(name);
    ideal += fd > 0 ? (td * fr) / fd : td; // a layer without FLOPs (flatten) as measured dense
    console.log(`${name.padEnd(9)} ${(td / runs).toFixed(3).padStart(8)}  ${(tr / runs).toFixed(3).padStart(10)}  ${(td / tr).toFixed(2).padStart(7)}×  ${fr > 0 ? `${(fd / fr).toFixed(2)}×` : '–'}`);
  }
  const totalDense = layers.reduce((a, n) => a + timings.dense.get(n)!, 0);
  const idealSpeedup = totalDense / ideal;
  console.log(`ideal speed-up, every layer faster by exactly its FLOPs ratio: ${idealSpeedup.toFixed(2)}× = ${(idealSpeedup / flopsRatio).toFixed(2)} × the FLOPs ratio`);
  const profiled = records.find((x) => x.batch === profileBatch && x.system === '50% filters removed')!;
  Object.assign(profiled, { idealSpeedup, layerMs: Object.fromEntries(layers.map((n) => [n, { dense: timings.dense.get(n)! / runs, removed: timings.removed.get(n)! / runs }])) });
  // conv2's time over input and output channel counts around the dense (20, 50) and pruned
  // (10, 25) shapes, split into per-C, per-OC and per-C·OC parts.
  const cost = convCost(k, [[10, 25], [20, 50], [10, 50], [20, 25], [10, 4], [20, 4]], { B: profileBatch, H: 12, W: 12, r: 5 }, quick ? 2 : 30);
  const share = (C: number, OC: number) => {
    const t = cost.perC * C + cost.perOC * OC + cost.perCxOC * C * OC + cost.fixed;
    return `${(100 * (cost.perC * C + cost.perOC * OC) / t).toFixed(0)}% in per-C and per-OC work`;
  };
  console.log(`\nconv2 (5×5 on 12×12, batch ${profileBatch}) over (C, OC): ${cost.points.map((p) => `(${p.C}, ${p.OC}) ${p.ms.toFixed(3)} ms`).join(', ')}`);
  console.log(`fit: ${cost.perC.toFixed(4)} ms per C + ${cost.perOC.toFixed(4)} per OC + ${cost.perCxOC.toFixed(5)} per C·OC + ${cost.fixed.toFixed(3)}; ` +
    `dense (20, 50) ${share(20, 50)}, pruned (10, 25) ${share(10, 25)}`);
  Object.assign(profiled, { conv2Cost: cost });
  return { records, versions: { wasm: k.build, ...(version ? { torch: version } : {}) } };
}
