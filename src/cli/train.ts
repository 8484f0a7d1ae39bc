// `lopper train`: trains one of the reference nets on a dataset and saves it as a .lopm file.
// One progress bar per epoch over its batches; the test split, when the data has one, is
// evaluated after every epoch.

import { Option, type Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { defaultWorkerCount, withNodePool } from '../node/workers.js';
import { Graph } from '../graph/graph.js';
import { Model } from '../nn/model.js';
import { referenceNets, type ReferenceNet } from '../nn/nets.js';
import { train, type EpochReport, type TrainOptions } from '../nn/train.js';
import type { OptimizerOptions } from '../nn/optim/optimizer.js';
import type { Schedule } from '../nn/optim/schedule.js';
import { trainParallel } from '../workers/train-parallel.js';
import { saveModel } from '../io/native.js';
import { choice, integer, number, text } from './options.js';
import { bytes, count, percent, printJson, writeOutput } from './output.js';
import { preflight } from './preflight.js';
import { barsEnabled, progress } from './progress.js';
import { DATA_HELP, loadDataFor } from './load.js';

const MODELS = Object.keys(referenceNets) as ReferenceNet[];
const OPTIMIZERS = ['sgd', 'adam'] as const;
const SCHEDULES = ['cosine', 'constant'] as const;
const DEFAULT_LR = { sgd: 0.02, adam: 0.001 } as const;

interface TrainFlags {
  model: ReferenceNet;
  data: string;
  output: string;
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr?: number;
  momentum: number;
  weightDecay: number;
  schedule: (typeof SCHEDULES)[number];
  workers: number;
  seed: number;
  json?: boolean;
  limit?: number;
}

export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('train a reference net on a dataset and save it (.lopm)')
    .requiredOption('--model <name>', `the net: ${MODELS.join(', ')}`, choice('--model', MODELS))
    .requiredOption('--data <spec>', DATA_HELP, text('--data'))
    .requiredOption('-o, --output <file>', 'where to save the trained model (.lopm)', text('-o'))
    .option('--epochs <n>', 'passes over the training split', integer('--epochs', 1), 10)
    .option('--batch-size <n>', 'samples per optimiser step', integer('--batch-size', 1), 64)
    .option('--optimizer <kind>', `${OPTIMIZERS.join(' or ')}`, choice('--optimizer', OPTIMIZERS), 'sgd')
    .option('--lr <x>', `learning rate (default: ${DEFAULT_LR.sgd} for sgd, ${DEFAULT_LR.adam} for adam)`, number('--lr', { above: 0 }))
    .option('--momentum <x>', 'SGD momentum', number('--momentum', { min: 0, below: 1 }), 0.9)
    .option('--weight-decay <x>', 'L2 weight decay', number('--weight-decay', { min: 0 }), 0)
    .option('--schedule <kind>', `learning-rate schedule: ${SCHEDULES.join(' or ')}`, choice('--schedule', SCHEDULES), 'cosine')
    .addOption(new Option('--workers <n>', 'worker threads (1: train on the main thread)').argParser(integer('--workers', 1)).default(defaultWorkerCount(), 'the available cores'))
    .option('--seed <n>', 'seed of the initial weights and the batch order', integer('--seed', 0, 2 ** 31 - 1), 0)
    .option('--json', 'print one JSON object (settings, per-epoch history, accuracy) instead of progress')
    .addOption(new Option('--limit <n>', 'train and test on the first n samples of each split').argParser(integer('--limit', 1)).hideHelp())
    .action((flags: TrainFlags) => runTrain(flags));
}

async function runTrain(flags: TrainFlags): Promise<void> {
  const { epochs, batchSize, seed, workers } = flags;
  preflight({ data: flags.data, outputs: [{ flag: '-o', path: flags.output, kind: 'file' }] });
  const started = performance.now();
  const json = flags.json === true;
  const say = json ? () => {} : (line: string) => console.log(line);
  const bar = progress(barsEnabled(json));

  const k = await loadNodeKernels();
  const graph = new Graph(referenceNets[flags.model]());
  const data = await loadDataFor(flags.data, graph.inputs[0].shape, flags.limit);
  const lr = flags.lr ?? DEFAULT_LR[flags.optimizer];
  const optimizer: OptimizerOptions = flags.optimizer === 'sgd'
    ? { kind: 'sgd', lr, momentum: flags.momentum, weightDecay: flags.weightDecay }
    : { kind: 'adam', lr, weightDecay: flags.weightDecay };
  const schedule: Schedule = flags.schedule === 'cosine' ? { kind: 'cosine', epochs } : { kind: 'constant' };
  say(`${flags.model} (${count(graph.paramCount())} parameters) on ${data.train.name}: ${count(data.train.size)} training samples` +
    (data.test ? `, ${count(data.test.size)} test` : ', no test split') + `; ${workers} worker${workers > 1 ? 's' : ''}`);

  const model = new Model(graph, k, { seed });
  try {
    let lossSum = 0;
    const options: TrainOptions = {
      epochs, batchSize, optimizer, schedule, seed, test: data.test,
      onBatch: (p) => {
        if (p.batch === 0) {
          lossSum = 0;
          bar.start(`epoch ${p.epoch + 1}/${epochs}`, p.batches, 'batches');
        }
        lossSum += p.loss;
        const last = p.batch + 1 === p.batches;
        bar.update(p.batch + 1, `loss ${(lossSum / (p.batch + 1)).toFixed(4)}${last && data.test ? ', testing' : ''}`);
      },
      onEpoch: (r) => {
        bar.stop();
        say(epochLine(r, epochs));
      },
    };
    let reports: EpochReport[];
    try {
      reports = workers === 1
        ? await train(model, data.train, options)
        : await withNodePool({ workers }, (pool) => trainParallel(model, data.train, { ...options, pool }));
    } finally {
      bar.stop();
    }
    const last = reports[reports.length - 1];
    const split = last.testAccuracy !== undefined ? 'test' : 'train';
    const accuracy = last.testAccuracy ?? last.trainAccuracy;
    const settings = { epochs, batchSize, optimizer, schedule, seed, workers, ...(flags.limit ? { limit: flags.limit } : {}) };
    const file = saveModel(model, { trainedOn: data.source, settings, accuracy, split, history: reports });
    const size = await writeOutput(flags.output, file);
    const seconds = (performance.now() - started) / 1000;
    if (json) {
      printJson({
        command: 'train', model: flags.model, data: data.source, output: flags.output, bytes: size,
        params: graph.paramCount(), flops: graph.flops(), settings, accuracy, split, seconds, epochs: reports,
      });
    } else {
      say(`${flags.model} on ${data.source}: ${split} accuracy ${percent(accuracy)}` +
        (split === 'train' ? ' (measured during the last epoch)' : '') +
        ` after ${epochs} epoch${epochs > 1 ? 's' : ''}, ${seconds.toFixed(1)} s → ${flags.output} (${bytes(size)})`);
    }
  } finally {
    model.dispose();
  }
}

export function epochLine(r: EpochReport, epochs: number): string {
  return `epoch ${r.epoch + 1}/${epochs}: loss ${r.loss.toFixed(4)}, train ${percent(r.trainAccuracy)}` +
    (r.testAccuracy !== undefined ? `, test ${percent(r.testAccuracy)}` : '') +
    `, lr ${r.lr.toPrecision(3)}, ${r.seconds.toFixed(1)} s`;
}
