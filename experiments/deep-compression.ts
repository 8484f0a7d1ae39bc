// Deep Compression (Han, Mao & Dally 2016) on the pruned LeNets: bytes and accuracy at each stage
// — dense f32, pruned (relative-index sparse storage, f32 values), shared (k-means codebooks and
// cluster indices, fixed-width), huffman (the whole .lop file), the codebook ONNX — beside what a
// user would do instead: brotli of the dense and of the pruned ONNX (Node's zlib).
//   node --import tsx experiments/deep-compression.ts [--only lenet-300-100/fashion-mnist]
//     [--seeds 1,2,3] [--workers N] [--retrain-epochs 2] [--bits fc=5,conv=8] [--gap-bits fc=4,conv=8] [--quick]
//     [--prune-only] [--cache DIR] [--tag T] [--merge a.json,b.json] [--report-only]
// --merge takes the records of other result files (a run's records replace theirs for the same
// model, dataset and seed); --report-only runs nothing and rewrites the table and JSON from them.
// Pruning follows the case recipes of experiments/lib/han-cases.ts; seed 1 starts from the dense
// model in experiments/models/, other seeds train their own. Pruned models are cached in --cache
// (default .cache/deep-compression), so the compression stages can be rerun without pruning again.
// Accuracy: 'shared' right after k-means; 'huffman' and 'onnx-codebook' of the model decoded from
// the .lop, after --retrain-epochs of centroid fine-tuning.
// Writes experiments/results/deep-compression.json after every run.

import { mkdir, readFile } from 'node:fs/promises';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadBuiltin, writeAtomic } from '../src/node/data.js';
import { withNodePool } from '../src/node/workers.js';
import { saveModel, loadModel } from '../src/io/native.js';
import { exportOnnx } from '../src/io/onnx/export.js';
import { trainParallel, evaluateParallel } from '../src/workers/train-parallel.js';
import { runHan, type Runner } from '../src/pipeline/han.js';
import type { Model } from '../src/nn/model.js';
import { shareWeights, SHARE_DEFAULTS, type ShareBits, type SharedTensor } from '../src/compress/share.js';
import { finetuneCentroids } from '../src/compress/finetune.js';
import { decodeLop, encodeLop, GAP_BITS, type GapBits } from '../src/compress/lop-file.js';
import { stageSizes } from '../src/compress/sizes.js';
import { exportCodebookOnnx } from '../src/compress/onnx-codebook.js';
import { HAN_CASES, findCase, caseSettings, denseTrainer, flag } from './lib/han-cases.js';

const args = process.argv.slice(2);
const only = flag(args, 'only', '');
const cases = only ? [findCase(only)] : HAN_CASES.filter((c) => c.data === 'fashion-mnist');
const seeds = flag(args, 'seeds', '1').split(',').map(Number);
const workers = Number(flag(args, 'workers', '1'));
const retrainEpochs = Number(flag(args, 'retrain-epochs', '2'));
// Cluster-index and relative-index gap bits (defaults Han et al.'s), e.g. --bits fc=4 --gap-bits fc=5.
const kindBits = (name: string) => Object.fromEntries(flag(args, name, '').split(',').filter(Boolean).map((p) => [p.split('=')[0], Number(p.split('=')[1])]));
const bits = { ...SHARE_DEFAULTS, ...kindBits('bits') } as ShareBits;
const gapBits = { ...GAP_BITS, ...kindBits('gap-bits') } as GapBits;
const quick = args.includes('--quick');
const pruneOnly = args.includes('--prune-only');
const cache = flag(args, 'cache', '.cache/deep-compression');
const tag = flag(args, 'tag', '');
const out = `experiments/results/deep-compression${tag ? `-${tag}` : ''}${quick ? '-quick' : ''}.json`;

type Stage = 'dense' | 'pruned' | 'shared' | 'huffman' | 'onnx-codebook' | 'dense-brotli' | 'pruned-brotli';
interface Record_ {
  model: string; dataset: string; seed: number; stage: Stage; bytes: number; denseBytes: number;
  accuracy: number; denseAccuracy: number; prunedAccuracy: number;
  /** The settings of the run that made the record (absent in records older than these fields). */
  bits?: ShareBits; gapBits?: GapBits; retrainEpochs?: number;
}
const reportOnly = args.includes('--report-only');
const records: Record_[] = [];
const recordsOf = (file: string) => readFile(file, 'utf8').then((t) => JSON.parse(t).records as Record_[]);
// Later files win over earlier ones, the output file over none of them: a merge is explicit.
const previous = dedupe([
  ...(await recordsOf(out).catch(() => [])),
  ...(await Promise.all(flag(args, 'merge', '').split(',').filter(Boolean).map(recordsOf))).flat(),
]);

const k = await loadNodeKernels();
const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await mkdir(cache, { recursive: true });

if (!reportOnly) await withNodePool({ workers }, async (pool) => {
  const runner: Runner = {
    train: (model, data, options) => trainParallel(model, data, { ...options, pool }),
    evaluate: (model, data) => evaluateParallel(model, data, { pool }),
  };
  for (const c of cases) {
    const train = quick ? (await loadBuiltin(c.data, 'train')).subset({ end: 2000 }) : await loadBuiltin(c.data, 'train');
    const test = quick ? (await loadBuiltin(c.data, 'test')).subset({ end: 500 }) : await loadBuiltin(c.data, 'test');
    const trainDense = denseTrainer(c, k, runner, train, { cache, workers, quick });
    for (const seed of seeds) {
      const log = (msg: string) => console.log(`${c.net}/${c.data} seed ${seed}: ${msg}`);
      const dense = seed === 1 && !quick
        ? loadModel(new Uint8Array(await readFile(`experiments/models/${c.net}.${c.data}.lopm`)), k).model
        : await trainDense(seed, quick ? 1 : c.denseEpochs);
      const denseAccuracy = (await runner.evaluate(dense, test)).accuracy;
      const denseOnnx = exportOnnx(dense);
      const denseBytes = 4 * dense.params.size;
      const prunedFile = `${cache}/${c.net}-${c.data}-seed${seed}-han${quick ? '-quick' : ''}.lopm`;
      const cached = await readFile(prunedFile).catch(() => null);
      let pruned: Model;
      if (cached) pruned = loadModel(new Uint8Array(cached), k, prunedFile).model;
      else {
        log('pruning');
        const settings = { ...caseSettings(c, quick), seed, latencyBatch: 0 };
        // runHan may dispose the model it starts from: it gets a copy.
        pruned = (await runHan(loadModel(saveModel(dense), k).model, { train, test, settings, runner, modelName: c.net, datasetName: c.data, versions: { lopper: pkg.version } })).model;
        await writeAtomic(prunedFile, saveModel(pruned));
      }
      const prunedAccuracy = (await runner.evaluate(pruned, test)).accuracy;
      log(`dense ${(100 * denseAccuracy).toFixed(2)}%, pruned ${(100 * prunedAccuracy).toFixed(2)}%`);
      if (pruneOnly) {
        dense.dispose();
        pruned.dispose();
        continue;
      }

      const prunedOnnx = exportOnnx(pruned);
      const shared = shareWeights(pruned, bits);
      const sharedAccuracy = (await runner.evaluate(pruned, test)).accuracy;
      if (retrainEpochs > 0) await finetuneCentroids(pruned, shared, train, { epochs: retrainEpochs, seed });
      const lop = encodeLop(pruned, shared, { gapBits });
      const decoded = decodeLop(lop, k);
      const lopAccuracy = (await runner.evaluate(decoded.model, test)).accuracy;
      const codebookOnnx = exportCodebookOnnx(decoded.model, decoded.shared);
      decoded.model.dispose();
      log(`shared ${(100 * sharedAccuracy).toFixed(2)}% → fine-tuned ${(100 * lopAccuracy).toFixed(2)}% (${retrainEpochs} epochs), .lop ${lop.length} bytes`);

      const brotli = (b: Uint8Array) => brotliCompressSync(b, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
      const sizes = stageSizes(pruned.params.size, shared, shared.map((s) => gapBits[s.kind]), lop.length);
      const size = (stage: Stage) => sizes.find((s) => s.stage === stage)!.bytes;
      const stages: [Stage, number, number][] = [
        ['dense', denseBytes, denseAccuracy],
        ['pruned', size('pruned'), prunedAccuracy],
        ['shared', size('shared'), sharedAccuracy],
        ['huffman', lop.length, lopAccuracy],
        ['onnx-codebook', codebookOnnx.length, lopAccuracy],
        ['dense-brotli', brotli(denseOnnx), denseAccuracy],
        ['pruned-brotli', brotli(prunedOnnx), prunedAccuracy],
      ];
      for (const [stage, bytes, accuracy] of stages) {
        records.push({ model: c.net, dataset: c.data, seed, stage, bytes, denseBytes, accuracy, denseAccuracy, prunedAccuracy, bits, gapBits, retrainEpochs });
      }
      dense.dispose();
      pruned.dispose();
      await report();
    }
  }
});
if (!pruneOnly) await report(true);

/** The records, a later one replacing an earlier one of the same model, dataset, seed and stage. */
function dedupe(rs: Record_[]): Record_[] {
  const key = (r: Record_) => `${r.model}/${r.dataset}/${r.seed}/${r.stage}`;
  return [...new Map(rs.map((r) => [key(r), r])).values()];
}

/** The table per model and stage (mean ± SE over seeds), and the JSON with every record. */
async function report(print = false): Promise<void> {
  const all = [...previous.filter((p) => !records.some((r) => r.model === p.model && r.seed === p.seed && r.dataset === p.dataset)), ...records]
    .sort((a, b) => a.model.localeCompare(b.model) || a.seed - b.seed);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const se = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length));
  const summary = [...new Set(all.map((r) => `${r.model}/${r.dataset}/${r.stage}`))].map((key) => {
    const rs = all.filter((r) => `${r.model}/${r.dataset}/${r.stage}` === key);
    const ratio = rs.map((r) => r.denseBytes / r.bytes);
    const acc = rs.map((r) => 100 * r.accuracy);
    return { key, seeds: rs.length, bytes: mean(rs.map((r) => r.bytes)), ratio: mean(ratio), ratioSe: se(ratio), accuracy: mean(acc), accuracySe: se(acc) };
  });
  if (print) {
    console.log('\nmodel/dataset/stage                      seeds     bytes      ×            accuracy %');
    for (const s of summary) {
      console.log(`${s.key.padEnd(40)} ${String(s.seeds).padStart(5)} ${s.bytes.toFixed(0).padStart(9)} ${s.ratio.toFixed(1).padStart(6)} ± ${s.ratioSe.toFixed(1).padEnd(5)} ${s.accuracy.toFixed(2)} ± ${s.accuracySe.toFixed(2)}`);
    }
  }
  await writeAtomic(out, new TextEncoder().encode(JSON.stringify({
    experiment: 'deep-compression', date: new Date().toISOString(),
    command: `node --import tsx experiments/deep-compression.ts ${args.join(' ')}`,
    seeds: [...new Set(all.map((r) => r.seed))], workers, quick,
    // This run's settings; each record carries those of the run that made it.
    run: { retrainEpochs, bits, gapBits },
    versions: { lopper: pkg.version, node: process.version }, summary, records: all,
  }, null, 2) + '\n'));
  if (print) console.log(`wrote ${out}`);
}
