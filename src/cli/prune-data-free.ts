// `lopper prune` without --data: the data-free methods alone — magnitude (the smallest weights
// masked, in one shot) or l1-filter / l1 / l2 (the filters of lowest norm removed) — with no
// retraining and no evaluation, so the output says accuracy was not measured. Flags and methods
// that need data are refused.

import type { Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { readModelFile, writeModelFile } from '../node/model-file.js';
import { pruneByMagnitude } from '../prune/magnitude.js';
import { pruneFilters } from '../prune/filters.js';
import { nonzeroParams } from '../prune/masks.js';
import { defaultFilterLayers } from '../pipeline/filters.js';
import type { Model } from '../nn/model.js';
import { UsageError } from './options.js';
import { preflight } from './preflight.js';
import { l1, l2 } from '../prune/criteria/norms.js';
import { bytes, count, percent, printJson, si } from './output.js';

export interface DataFreeFlags {
  output: string;
  method: string;
  sparsity: number;
  layerSparsity?: Record<string, number>;
  scope: 'global' | 'layer';
  ratio: number;
  layers?: string[];
  json?: boolean;
}

/** The methods that need no data to choose what to cut. */
const DATA_FREE = ['magnitude', 'l1-filter', 'l1', 'l2'];

/** Flags that retrain or evaluate, so need --data (when given on the command line). */
const NEEDS_DATA: Record<string, string> = {
  retrainEpochs: '--retrain-epochs', finalEpochs: '--final-epochs', l1Epochs: '--l1-epochs', distill: '--distill', history: '--history',
  sensitivity: '--sensitivity', checkpoint: '--checkpoint', limit: '--limit', schedule: '--schedule', steps: '--steps',
};

export async function runDataFreePrune(file: string, flags: DataFreeFlags, cmd: Command): Promise<void> {
  for (const [key, flag] of Object.entries(NEEDS_DATA)) {
    if (cmd.getOptionValueSource(key) === 'cli') throw new UsageError(`${flag} retrains or evaluates, so it needs --data (without --data, lopper prune only prunes: magnitude in one shot, or l1-filter)`);
  }
  if (!DATA_FREE.includes(flags.method)) {
    throw new UsageError(`--method ${flags.method} scores units from data, so it needs --data (without --data: ${DATA_FREE.join(', ')})`);
  }
  preflight({ model: file, outputs: [{ flag: '-o', path: flags.output, kind: 'model' }] });
  const started = performance.now();
  const k = await loadNodeKernels();
  const { model: start } = await readModelFile(file, k);
  let model: Model = start;
  try {
    const before = { params: start.params.size, nonzeroParams: nonzeroParams(start), flops: start.graph.flops() };
    let what: string;
    if (flags.method === 'magnitude') {
      pruneByMagnitude(start, flags.layerSparsity ? { kind: 'layer', sparsity: flags.layerSparsity }
        : flags.scope === 'global' ? { kind: 'global', sparsity: flags.sparsity } : { kind: 'layer', sparsity: flags.sparsity });
      what = `magnitude pruning in one shot to ${flags.layerSparsity ? 'the per-layer sparsities given' : `${percent(flags.sparsity, 1)} sparsity, ${flags.scope}`}`;
    } else {
      const layers = flags.layers ?? defaultFilterLayers(start.graph);
      if (layers.length === 0) throw new RangeError(`filter pruning: model '${start.graph.name}' has no layer whose filters or neurons can be removed`);
      const ops = [...new Set(layers.map((l) => start.graph.node(l).layer.op))];
      const criterion = flags.method === 'l2' ? l2 : l1;
      model = pruneFilters(start, { ratio: Object.fromEntries(layers.map((l) => [l, flags.ratio])), ops, criterion }).model;
      what = `${flags.method === 'l2' ? 'L2' : 'L1'}-norm filter pruning of ${percent(flags.ratio, 0)} of the filters of ${layers.length} layer${layers.length === 1 ? '' : 's'}`;
    }
    const after = { params: model.params.size, nonzeroParams: nonzeroParams(model), flops: model.graph.flops() };
    const meta = { prunedFrom: file, method: flags.method, accuracy: null, accuracyMeasured: false };
    const size = await writeModelFile(flags.output, model, meta);
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) {
      printJson({ command: 'prune', model: file, name: start.graph.name, data: null, method: flags.method, output: flags.output, bytes: size,
        accuracyMeasured: false, before, after, compression: before.nonzeroParams / after.nonzeroParams, seconds });
      return;
    }
    console.log(`${file} (${start.graph.name}, ${count(before.params)} parameters): ${what}, no retraining (no --data)`);
    console.log(`${start.graph.name}: ${count(before.nonzeroParams)} → ${count(after.nonzeroParams)} non-zero parameters (${(before.nonzeroParams / after.nonzeroParams).toFixed(1)}× fewer), ` +
      `${si(before.flops)} → ${si(after.flops)} FLOPs, ${seconds.toFixed(1)} s`);
    console.log(`accuracy was not measured: give --data to evaluate (and retrain) the pruned model`);
    console.log(`→ ${flags.output} (${bytes(size)})`);
  } finally {
    model.dispose();
    if (model !== start) start.dispose();
  }
}
