// `lopper profile`: where a forward pass spends its time — each layer's measured milliseconds at
// one or more batch sizes, split into tensor layers (Conv2d, Dense) and non-tensor ones (pooling,
// LRN, batch norm, activations, concat, …): DeepRebirth's latency decomposition.

import type { Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { readModelFile } from '../node/model-file.js';
import { profileLatency, type LatencyProfile } from '../slim/profile.js';
import { integer, text, UsageError } from './options.js';
import { printJson, table } from './output.js';

interface ProfileFlags {
  batch: number[];
  runs: number;
  json?: boolean;
}

export function profileCommand(program: Command): void {
  program
    .command('profile')
    .description('per-layer forward latency, split into tensor and non-tensor layers (DeepRebirth)')
    .argument('<model>', 'a model file (.lopm or .onnx)', text('<model>'))
    .option('--batch <sizes>', 'batch sizes, comma-separated', batches, [1, 8])
    .option('--runs <n>', 'timed forward passes per batch size (medians over them)', integer('--runs', 1), 21)
    .option('--json', 'print one JSON object instead of a table')
    .action((file: string, flags: ProfileFlags) => runProfile(file, flags));
}

function batches(raw: string): number[] {
  const one = integer('--batch', 1, 4096);
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`--batch must be a comma-separated list of integers ≥ 1, got '${raw}'`);
  const sizes = parts.map(one);
  if (new Set(sizes).size !== sizes.length) throw new UsageError(`--batch lists a size twice: '${raw}'`);
  return sizes;
}

async function runProfile(file: string, flags: ProfileFlags): Promise<void> {
  const k = await loadNodeKernels();
  const { model } = await readModelFile(file, k);
  try {
    const profiles = flags.batch.map((b) => profileLatency([model], b, { runs: flags.runs })[0]);
    if (flags.json) {
      printJson({ command: 'profile', model: file, name: model.graph.name, runs: flags.runs, profiles });
      return;
    }
    console.log(`${file} (${model.graph.name}): median ms per forward pass over ${flags.runs} runs`);
    console.log(profileTable(profiles));
  } finally {
    model.dispose();
  }
}

/** One row per layer, a column of milliseconds and share per batch size, then the split and the total. */
export function profileTable(profiles: readonly LatencyProfile[]): string {
  const share = (ms: number, p: LatencyProfile) => `${((100 * ms) / Math.max(1e-12, p.tensorMs + p.nonTensorMs)).toFixed(1)}%`;
  const head = ['layer', 'op', 'kind', ...profiles.flatMap((p) => [`ms @${p.batch}`, 'share'])];
  const rows = profiles[0].layers.map((l, i) => [l.name, l.op, l.tensor ? 'tensor' : 'non-tensor',
    ...profiles.flatMap((p) => [p.layers[i].ms.toFixed(3), share(p.layers[i].ms, p)])]);
  const split = (tensor: boolean) => [tensor ? 'tensor layers' : 'non-tensor layers', '', '',
    ...profiles.flatMap((p) => { const ms = tensor ? p.tensorMs : p.nonTensorMs; return [ms.toFixed(3), share(ms, p)]; })];
  const total = ['forward (untimed)', '', '', ...profiles.flatMap((p) => [p.totalMs.toFixed(3), ''])];
  return table([head, ...rows, split(true), split(false), total], '  ');
}
