// `lopper eval`: accuracy and loss of a saved model on the test split of a dataset (or on the
// training split when the data has no test split).

import { Option, type Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { defaultWorkerCount, withNodePool } from '../node/workers.js';
import { integer, text } from './options.js';
import { count, percent, printJson } from './output.js';
import { barsEnabled, progress } from './progress.js';
import { DATA_HELP, loadDataFor } from './load.js';
import { preflight, requireOptions } from './preflight.js';
import { readModelFile } from '../node/model-file.js';
import { evaluateWithProgress } from './evaluate.js';

interface EvalFlags {
  data: string;
  batchSize: number;
  workers: number;
  json?: boolean;
  limit?: number;
}

export function evalCommand(program: Command): void {
  program
    .command('eval')
    .description('accuracy and loss of a model on the test split (the training split if there is none)')
    .argument('<model>', 'a model file (.lopm, .lop or .onnx)', text('<model>'))
    // Required, but checked in runEval: commander would report it before a missing <model>.
    .option('--data <spec>', `required: ${DATA_HELP}`, text('--data'))
    .option('--batch-size <n>', 'samples per forward pass', integer('--batch-size', 1), 256)
    .addOption(new Option('--workers <n>', 'worker threads (1: evaluate on the main thread)').argParser(integer('--workers', 1)).default(defaultWorkerCount(), 'the available cores'))
    .option('--json', 'print one JSON object instead of text')
    .addOption(new Option('--limit <n>', 'evaluate the first n samples').argParser(integer('--limit', 1)).hideHelp())
    .action((file: string, flags: EvalFlags, cmd: Command) => runEval(file, flags, cmd));
}

async function runEval(file: string, flags: EvalFlags, cmd: Command): Promise<void> {
  requireOptions(cmd, ['data']);
  preflight({ model: file, data: flags.data });
  const started = performance.now();
  const json = flags.json === true;
  const k = await loadNodeKernels();
  const { model } = await readModelFile(file, k);
  try {
    const graph = model.graph;
    const data = await loadDataFor(flags.data, graph.inputs[0].shape, flags.limit);
    const split = data.test ? 'test' : 'train';
    const set = data.test ?? data.train;
    const bar = progress(barsEnabled(json));
    const options = { batchSize: flags.batchSize, bar, label: `evaluating ${set.name}` };
    const r = flags.workers === 1
      ? await evaluateWithProgress(model, set, options)
      : await withNodePool({ workers: flags.workers }, (pool) => evaluateWithProgress(model, set, { ...options, pool }));
    const seconds = (performance.now() - started) / 1000;
    if (json) {
      printJson({
        command: 'eval', model: file, name: graph.name, params: graph.paramCount(), data: data.source, split,
        count: r.count, correct: r.correct, accuracy: r.accuracy, loss: r.loss, seconds,
      });
    } else {
      console.log(`${file} (${graph.name}, ${count(graph.paramCount())} parameters) on the ${split} split of ${data.source} ` +
        `(${count(r.count)} samples): accuracy ${percent(r.accuracy)}, loss ${r.loss.toFixed(4)}, ${seconds.toFixed(1)} s`);
    }
  } finally {
    model.dispose();
  }
}
