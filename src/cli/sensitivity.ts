// `lopper sensitivity`: each layer pruned alone over a range of ratios, accuracy measured with no
// retraining; prints a table layer × ratio. `-o` writes a history JSON with no steps whose
// `sensitivity` field holds the curves: `lopper report` renders it as it is, and
// `lopper prune --sensitivity` includes it in a pruning run's history.

import { Option, type Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { defaultWorkerCount } from '../node/workers.js';
import { dependencyGroups } from '../graph/dependency.js';
import { prunableWeights } from '../prune/masks.js';
import { sensitivity, SENSITIVITY_METHODS, SENSITIVITY_RATIOS } from '../pipeline/sensitivity.js';
import { dataPass } from '../workers/pass.js';
import { Rng } from '../nn/random.js';
import { maxoutUnits } from '../prune/criteria/maxout.js';
import { correlationLayers } from '../prune/criteria/correlation.js';
import type { History, Sensitivity } from '../pipeline/history.js';
import { evaluate } from '../nn/train.js';
import { evaluateParallel } from '../workers/train-parallel.js';
import { choice, integer, ratioList, text } from './options.js';
import { bytes, percent, printJson, table, writeOutput } from './output.js';
import { preflight, requireOptions } from './preflight.js';
import { barsEnabled, progress } from './progress.js';
import { DATA_HELP, loadDataFor } from './load.js';
import { readModelFile } from '../node/model-file.js';
import { versions, withWorkers } from './pipeline.js';

const METHODS = SENSITIVITY_METHODS;

interface SensitivityFlags {
  data: string;
  method: (typeof METHODS)[number];
  passSamples: number;
  seed: number;
  ratios: number[];
  batchSize: number;
  workers: number;
  output?: string;
  json?: boolean;
  limit?: number;
}

export function sensitivityCommand(program: Command): void {
  program
    .command('sensitivity')
    .description('accuracy with each layer pruned alone over a range of ratios (no retraining)')
    .argument('<model>', 'a model file (.lopm or .onnx)', text('<model>'))
    // Required, but checked in runSensitivity: commander would report them before a missing <model>.
    .option('--data <spec>', `required: ${DATA_HELP}`, text('--data'))
    .option('--method <name>', `required: ${METHODS.join(', ')} — magnitude masks a share of each layer's weights, l1-filter (= l1) … random remove a share of its units by that criterion, maxout a share of each maxout unit's neurons, correlation masks a share of a dense layer's connections`, choice('--method', METHODS))
    .option('--pass-samples <n>', 'apoz, taylor, maxout, correlation: training samples of the data pass (0: all; a seeded subset otherwise)', integer('--pass-samples', 0), 0)
    .option('--seed <n>', 'random: the seed of its scores', integer('--seed', 0), 1)
    .addOption(new Option('--ratios <list>', 'comma-separated ratios in [0, 1)').argParser(ratioList('--ratios')).default(SENSITIVITY_RATIOS, '0.1,0.2,…,0.9'))
    .option('--batch-size <n>', 'samples per forward pass', integer('--batch-size', 1), 256)
    .addOption(new Option('--workers <n>', 'worker threads (1: evaluate on the main thread)').argParser(integer('--workers', 1)).default(defaultWorkerCount(), 'the available cores'))
    .option('-o, --output <file>', 'write the curves as JSON (a history with no steps: lopper report renders it)', text('-o'))
    .option('--json', 'print one JSON object instead of the table')
    .addOption(new Option('--limit <n>', 'evaluate the first n samples').argParser(integer('--limit', 1)).hideHelp())
    .action((file: string, flags: SensitivityFlags, cmd: Command) => runSensitivity(file, flags, cmd));
}

async function runSensitivity(file: string, flags: SensitivityFlags, cmd: Command): Promise<void> {
  requireOptions(cmd, ['data', 'method']);
  preflight({ model: file, data: flags.data, outputs: flags.output ? [{ flag: '-o', path: flags.output, kind: 'file' }] : [] });
  const started = performance.now();
  const json = flags.json === true;
  const bar = progress(barsEnabled(json));
  const k = await loadNodeKernels();
  const { model } = await readModelFile(file, k);
  try {
    const graph = model.graph;
    const data = await loadDataFor(flags.data, graph.inputs[0].shape, flags.limit);
    const split = data.test ? 'test' : 'train';
    const set = data.test ?? data.train;
    const layers = flags.method === 'magnitude' ? prunableWeights(model).length
      : flags.method === 'maxout' ? maxoutUnits(model).length
      : flags.method === 'correlation' ? correlationLayers(model).length
      : dependencyGroups(graph).filter((g) => g.prunable).length;
    if (layers === 0) throw new Error(`${file}: ${graph.name} has no layer --method ${flags.method} can prune`);
    const passes = 1 + layers * flags.ratios.length;
    if (!json) {
      console.log(`${file} (${graph.name}) on the ${split} split of ${data.source} (${set.size} samples): ${layers} layers × ` +
        `${flags.ratios.length} ratios, ${flags.method}; ${flags.workers} worker${flags.workers > 1 ? 's' : ''}`);
    }
    let done = 0;
    const result: Sensitivity = await withWorkers(flags.workers, async (pool) => {
      bar.start('sensitivity', passes, 'passes');
      try {
        return await sensitivity(model, set, {
          method: flags.method,
          ratios: flags.ratios,
          seed: flags.seed,
          // Statistics from the training split (the curves are measured on the test split when there is one).
          pass: (m, hooks) => {
            const n = flags.passSamples;
            const indices = n > 0 && n < data.train.size ? new Rng(flags.seed ^ 0x51ed).shuffle(data.train.order()).slice(0, n) : undefined;
            return dataPass(pool).run(m, data.train, hooks, indices ? { indices } : {});
          },
          evaluate: async (m, d) => {
            const r = pool ? await evaluateParallel(m, d, { pool, batchSize: flags.batchSize }) : evaluate(m, d, { batchSize: flags.batchSize });
            bar.update(++done);
            return r;
          },
          onPoint: (layer, ratio, accuracy) => bar.update(done, `${layer} at ${percent(ratio, 0)}: ${percent(accuracy)}`),
        });
      } finally {
        bar.stop();
      }
    });
    const history: History = {
      model: graph.name, dataset: data.source, method: `sensitivity (${flags.method})`, seed: 0,
      settings: { method: flags.method, ratios: flags.ratios, from: file, split, ...(['apoz', 'taylor', 'maxout', 'correlation'].includes(flags.method) ? { passSamples: flags.passSamples } : {}), ...(flags.method === 'random' ? { seed: flags.seed } : {}), ...(flags.limit ? { limit: flags.limit } : {}) },
      versions: versions(), steps: [], sensitivity: result,
    };
    const size = flags.output ? await writeOutput(flags.output, `${JSON.stringify(history, null, 2)}\n`) : 0;
    const seconds = (performance.now() - started) / 1000;
    if (json) {
      printJson({
        command: 'sensitivity', model: file, name: graph.name, data: data.source, split, method: flags.method,
        ...(flags.output ? { output: flags.output, bytes: size } : {}), seconds, sensitivity: result,
      });
      return;
    }
    console.log(`accuracy with one layer pruned alone (baseline ${percent(result.baseline)}):`);
    console.log(table([
      ['layer', ...flags.ratios.map((r) => percent(r, 0))],
      ...result.curves.map((c) => [c.layer, ...c.accuracy.map((a) => percent(a, 1))]),
    ], '  '));
    console.log(`${seconds.toFixed(1)} s` + (flags.output ? ` → ${flags.output} (${bytes(size)})` : ''));
  } finally {
    model.dispose();
  }
}
