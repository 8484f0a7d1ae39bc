// `lopper prune`: prunes a saved model and retrains it, writing the pruned model and the run's
// history (JSON, for `lopper report`).
//   magnitude: Han et al. 2015 (runHan): prune → retrain on a sparsity schedule, dead neurons
//     removed at the end; a checkpoint after every stage, resumed automatically when the command
//     is run again with the same settings, and deleted once the outputs are written.
//   l1-filter: Li et al. 2017 (runFilterPruning): the lowest-L1 filters removed structurally at
//     once, then retraining.
//   l1, l2, apoz, taylor, maxout, correlation, group-lasso, random (runStructured): score →
//     remove → fine-tune in --steps steps, statistics from data passes on the workers;
//     checkpointed like magnitude.
//   thinet (runStructured): Luo et al. 2017, layer by layer: sample what the next layer reads (on
//     the workers), remove what it misses least, reweight by least squares, fine-tune; --ratio or
//     a --flops target.
// A bar per training epoch and per evaluation pass; a line per stage.

import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../node/kernels.js';
import { defaultWorkerCount } from '../node/workers.js';
import { fileCheckpoint } from '../node/checkpoint.js';
import { crc32 } from '../io/crc32.js';
import type { Model } from '../nn/model.js';
import { runHan, HAN_DEFAULTS, type HanSettings } from '../pipeline/han.js';
import { runFilterPruning, defaultFilterLayers, FILTER_DEFAULTS, type FilterSettings } from '../pipeline/filters.js';
import { runStructured, STRUCTURED_DEFAULTS, THINET_DEFAULTS, METHODS as STRUCTURED, type Method as StructuredMethod, type StructuredSettings } from '../pipeline/structured.js';
import { checkHistory } from '../pipeline/report.js';
import type { History, HistoryStep, Sensitivity } from '../pipeline/history.js';
import type { SparsitySchedule } from '../prune/schedule.js';
import { choice, integer, layerRatios, nameList, number, ratio, text, UsageError } from './options.js';
import { bytes, count, percent, printJson, si, writeOutput } from './output.js';
import { checkLayerNames, preflight, requireOptions } from './preflight.js';
import { prunableWeights } from '../prune/masks.js';
import { dependencyGroups } from '../graph/dependency.js';
import { consumersOf } from '../prune/thinet/sample.js';
import { barsEnabled, progress } from './progress.js';
import { DATA_HELP, loadDataFor } from './load.js';
import { readModelFile, writeModelFile } from '../node/model-file.js';
import { epochLine } from './train.js';
import { progressRunner, stepLine, versions, withWorkers } from './pipeline.js';
import { onInterrupt } from './interrupt.js';
import { existsSync } from 'node:fs';
import { LASSO_GROUPS, type LassoGroupKind } from '../prune/criteria/group-lasso.js';
import { runDataFreePrune } from './prune-data-free.js';

const METHODS = ['magnitude', 'l1-filter', ...STRUCTURED] as const;
const SCOPES = ['global', 'layer'] as const;
const SCHEDULES = ['one-shot', 'iterative', 'agp'] as const;
const LR_SCHEDULES = ['restart', 'continuous'] as const;
type Method = (typeof METHODS)[number];

interface PruneFlags {
  data?: string;
  output: string;
  method: Method;
  sparsity: number;
  layerSparsity?: Record<string, number>;
  ratio: number;
  layers?: string[];
  scope: (typeof SCOPES)[number];
  schedule: (typeof SCHEDULES)[number];
  steps: number;
  retrainEpochs: number;
  finalEpochs?: number;
  l1Epochs: number;
  l1: number;
  lr: number;
  lrSchedule: (typeof LR_SCHEDULES)[number];
  weightDecay: number;
  batchSize: number;
  workers: number;
  seed: number;
  removeDead: boolean;
  distill?: number;
  temperature: number;
  history?: string;
  checkpoint?: string;
  sensitivity?: string;
  json?: boolean;
  limit?: number;
  passSamples: number;
  lasso: number;
  lassoEpochs: number;
  lassoGroups: LassoGroupKind[];
  epsilon: number;
  lassoRemove: 'epsilon' | 'ratio';
  flops?: number;
  samples: number;
  leastSquares: boolean;
}

/** --lasso-groups: a comma-separated list of group kinds, each once. */
function lassoKinds(raw: string): LassoGroupKind[] {
  const kinds = raw.split(',').map((p) => p.trim());
  const bad = kinds.find((g) => !(LASSO_GROUPS as readonly string[]).includes(g));
  if (bad !== undefined || new Set(kinds).size !== kinds.length) throw new UsageError(`--lasso-groups must be a comma-separated list of ${LASSO_GROUPS.join(', ')}, each once; got '${raw}'`);
  return kinds as LassoGroupKind[];
}

const structured = (m: Method): m is StructuredMethod => (STRUCTURED as readonly string[]).includes(m);
/** Flags of the entries of ONLY that the structured methods read too (l1-filter's: all of them). */
const STRUCTURED_TOO = new Set(['steps', 'scope', 'checkpoint']);

/** Flags that only one method reads: given with the other, they are refused rather than ignored. */
const ONLY: Record<string, { method: Method; flag: string }> = {
  sparsity: { method: 'magnitude', flag: '--sparsity' },
  layerSparsity: { method: 'magnitude', flag: '--layer-sparsity' },
  lrSchedule: { method: 'magnitude', flag: '--lr-schedule' },
  scope: { method: 'magnitude', flag: '--scope' },
  schedule: { method: 'magnitude', flag: '--schedule' },
  steps: { method: 'magnitude', flag: '--steps' },
  l1Epochs: { method: 'magnitude', flag: '--l1-epochs' },
  l1: { method: 'magnitude', flag: '--l1' },
  removeDead: { method: 'magnitude', flag: '--no-remove-dead' },
  checkpoint: { method: 'magnitude', flag: '--checkpoint' },
  ratio: { method: 'l1-filter', flag: '--ratio' },
  layers: { method: 'l1-filter', flag: '--layers' },
  lasso: { method: 'group-lasso', flag: '--lasso' },
  lassoEpochs: { method: 'group-lasso', flag: '--lasso-epochs' },
  lassoGroups: { method: 'group-lasso', flag: '--lasso-groups' },
  epsilon: { method: 'group-lasso', flag: '--epsilon' },
  lassoRemove: { method: 'group-lasso', flag: '--lasso-remove' },
  flops: { method: 'thinet', flag: '--flops' },
  samples: { method: 'thinet', flag: '--samples' },
  leastSquares: { method: 'thinet', flag: '--no-least-squares' },
};

export function pruneCommand(program: Command): void {
  program
    .command('prune')
    .description('prune a model and retrain it: magnitude (Han et al. 2015), l1-filter (Li et al. 2017), or a structured criterion: l1, l2, apoz, taylor, maxout, correlation, group-lasso, random, thinet (Luo et al. 2017)')
    .argument('<model>', 'the trained model (.lopm or .onnx)', text('<model>'))
    // Required, but checked in runPrune: commander would report them before a missing <model>.
    .option('--data <spec>', `${DATA_HELP} (without it: prune only, no retraining or evaluation)`, text('--data'))
    .option('-o, --output <file>', 'required: where to save the pruned model (.lopm or .onnx, by extension)', text('-o'))
    .option('--method <name>', `required: ${METHODS.join(' or ')}`, choice('--method', METHODS))
    .option('--sparsity <s>', 'magnitude: final share of zero weights, in [0, 1)', ratio('--sparsity'), HAN_DEFAULTS.sparsity)
    .option('--layer-sparsity <list>', 'magnitude: final sparsity per layer, e.g. fc1=0.93,fc2=0.85 (layers not named stay dense; each step takes every layer the same share of the way to its target as --schedule takes --sparsity)', layerRatios('--layer-sparsity'))
    .option('--scope <kind>', 'magnitude: global (one threshold across layers) or layer (the same share per layer); l1 … random: global ranks units across layers (default there: layer)', choice('--scope', SCOPES), HAN_DEFAULTS.scope)
    .option('--schedule <kind>', `magnitude: ${SCHEDULES.join(', ')}`, choice('--schedule', SCHEDULES), 'iterative')
    .option('--steps <n>', 'magnitude: prune → retrain iterations (iterative, agp); l1 … random: remove → fine-tune steps (default there: 1)', integer('--steps', 1), 3)
    .option('--l1-epochs <n>', 'magnitude: epochs of L1-regularised training before the first prune', integer('--l1-epochs', 0), HAN_DEFAULTS.l1Epochs)
    .option('--l1 <x>', 'magnitude: the L1 penalty of those epochs', number('--l1', { above: 0 }), HAN_DEFAULTS.l1)
    .option('--no-remove-dead', 'magnitude: keep the neurons pruning left without inputs or outputs')
    .option('--distill <alpha>', 'while retraining, learn from the input model\'s softened outputs too, with this weight in [0, 1] (knowledge distillation)', number('--distill', { min: 0, upTo: 1 }))
    .option('--temperature <T>', 'the softmax temperature of --distill', number('--temperature', { above: 0 }), 4)
    .option('--checkpoint <file>', 'magnitude, l1 … random: the checkpoint, resumed if it exists (default: <output>.checkpoint)', text('--checkpoint'))
    .option('--ratio <r>', 'l1-filter, l1 … random: share of each layer\'s filters to remove, in [0, 1) (maxout: of each unit\'s neurons; correlation: of the dense layers\' connections)', ratio('--ratio'), FILTER_DEFAULTS.ratio as number)
    .option('--layers <names>', 'l1-filter, l1 … random: the layers to prune, comma-separated (default: every conv layer that can be; a net without any: its hidden fully connected layers)', nameList('--layers'))
    .option('--pass-samples <n>', 'apoz, taylor, maxout, correlation: training samples each statistics pass visits (0: all); thinet: images the samples are drawn from (0: --samples / 10)', integer('--pass-samples', 0), STRUCTURED_DEFAULTS.passSamples)
    .option('--flops <x>', 'thinet: instead of --ratio, the FLOPs reduction to reach (2: half the FLOPs), by one share for every layer', number('--flops', { above: 1 }))
    .option('--samples <n>', 'thinet: (image, channel, location) samples per layer that reads the pruned one', integer('--samples', 1), THINET_DEFAULTS.samples)
    .option('--no-least-squares', 'thinet: keep the next layer\'s weights as they are (no least-squares reweighting of the kept channels)')
    .option('--lasso <lambda>', 'group-lasso: the penalty λ on Σ‖w_g‖₂ over the groups while training (a proximal step after every optimiser step)', number('--lasso', { above: 0 }), STRUCTURED_DEFAULTS.lasso.lambda)
    .option('--lasso-epochs <n>', 'group-lasso: epochs of training with the penalty before removal', integer('--lasso-epochs', 0), STRUCTURED_DEFAULTS.lasso.epochs)
    .option('--lasso-groups <kinds>', `group-lasso: the groups penalised, comma-separated: ${LASSO_GROUPS.join(', ')}`, lassoKinds, STRUCTURED_DEFAULTS.lasso.groups)
    .option('--epsilon <x>', 'group-lasso: remove units whose filter or channel norm is under this, mask filter shapes under it', number('--epsilon', { min: 0 }), STRUCTURED_DEFAULTS.lasso.epsilon)
    .option('--lasso-remove <how>', 'group-lasso: epsilon (the units under --epsilon) or ratio (the --ratio share of units with the smallest group norms, for a removal of a chosen size)', choice('--lasso-remove', ['epsilon', 'ratio'] as const), 'epsilon')
    .option('--retrain-epochs <n>', 'epochs of retraining after each prune', integer('--retrain-epochs', 0), HAN_DEFAULTS.retrainEpochs)
    .option('--final-epochs <n>', 'magnitude: epochs of retraining after the last prune (default: --retrain-epochs)', integer('--final-epochs', 0))
    .option('--lr <x>', 'SGD learning rate while retraining (momentum 0.9, cosine schedule)', number('--lr', { above: 0 }), HAN_DEFAULTS.lr)
    .option('--lr-schedule <kind>', 'magnitude: restart (a cosine from --lr to 0 in every retraining) or continuous (one cosine over all of them)', choice('--lr-schedule', LR_SCHEDULES), HAN_DEFAULTS.lrSchedule)
    .option('--weight-decay <x>', 'L2 weight decay while retraining', number('--weight-decay', { min: 0 }), HAN_DEFAULTS.weightDecay)
    .option('--batch-size <n>', 'samples per optimiser step', integer('--batch-size', 1), HAN_DEFAULTS.batchSize)
    .addOption(new Option('--workers <n>', 'worker threads (1: run on the main thread)').argParser(integer('--workers', 1)).default(defaultWorkerCount(), 'the available cores'))
    .option('--seed <n>', 'seed of the batch order', integer('--seed', 0, 2 ** 31 - 1), 0)
    .option('--history <file>', 'where to write the run\'s history (default: <output>.history.json)', text('--history'))
    .option('--sensitivity <file>', 'a `lopper sensitivity` output to include in the history (for the report)', text('--sensitivity'))
    .option('--json', 'print one JSON object (settings, steps, before and after) instead of progress')
    .addOption(new Option('--limit <n>', 'use the first n samples of each split').argParser(integer('--limit', 1)).hideHelp())
    .action((file: string, flags: PruneFlags, cmd: Command) => runPrune(file, flags, cmd));
}

async function runPrune(file: string, flags: PruneFlags, cmd: Command): Promise<void> {
  requireOptions(cmd, ['output', 'method']);
  for (const [key, { method, flag }] of Object.entries(ONLY)) {
    const reads = flags.method === method || (structured(flags.method) && (method === 'l1-filter' || STRUCTURED_TOO.has(key) || method === flags.method));
    if (!reads && cmd.getOptionValueSource(key) === 'cli') {
      throw new UsageError(`${flag} is for --method ${method}, not ${flags.method}`);
    }
  }
  if (flags.data === undefined) return runDataFreePrune(file, flags, cmd);
  const dataSpec = flags.data;
  if (flags.schedule === 'one-shot' && cmd.getOptionValueSource('steps') === 'cli') {
    throw new UsageError('--steps does not apply to --schedule one-shot');
  }
  if (flags.layerSparsity && cmd.getOptionValueSource('scope') === 'cli') {
    throw new UsageError('--scope does not apply with --layer-sparsity');
  }
  if (flags.method === 'thinet') {
    for (const [key, flag] of [['steps', '--steps'], ['scope', '--scope']] as const) {
      if (cmd.getOptionValueSource(key) === 'cli') throw new UsageError(`${flag} does not apply to --method thinet (it prunes layer by layer, each once)`);
    }
    if (flags.flops !== undefined && cmd.getOptionValueSource('ratio') === 'cli') throw new UsageError('give --flops or --ratio, not both');
  }
  if (flags.method === 'group-lasso' && flags.lassoRemove === 'epsilon' && cmd.getOptionValueSource('ratio') === 'cli') {
    throw new UsageError('--ratio with --method group-lasso needs --lasso-remove ratio (by default it removes what training drove under --epsilon)');
  }
  if (flags.distill === undefined && cmd.getOptionValueSource('temperature') === 'cli') {
    throw new UsageError('--temperature needs --distill');
  }
  const magnitude = flags.method === 'magnitude';
  const historyPath = flags.history ?? `${flags.output}.history.json`;
  const checkpointPath = flags.checkpoint ?? `${flags.output}.checkpoint`;
  const checkpointed = magnitude || structured(flags.method);
  preflight({
    model: file, data: dataSpec, inputs: flags.sensitivity ? [flags.sensitivity] : [],
    outputs: [
      { flag: '-o', path: flags.output, kind: 'model' },
      { flag: '--history', path: historyPath, kind: 'file' },
      ...(checkpointed ? [{ flag: '--checkpoint', path: checkpointPath, kind: 'file' as const }] : []),
    ],
  });

  const started = performance.now();
  const json = flags.json === true;
  const say = json ? () => {} : (line: string) => console.log(line);
  const bar = progress(barsEnabled(json));
  const sensitivity = flags.sensitivity ? await readSensitivity(flags.sensitivity) : undefined;

  const k = await loadNodeKernels();
  const { model: start, bytes: inputBytes } = await readModelFile(file, k);
  let model: Model = start;
  try {
    const graph = start.graph;
    checkPruneLayers(start, flags);
    const data = await loadDataFor(dataSpec, graph.inputs[0].shape, flags.limit);
    const split = data.test ? 'test' : 'train';
    const test = data.test ?? data.train;
    say(`${file} (${graph.name}, ${count(graph.paramCount())} parameters) on ${data.train.name}: ${count(data.train.size)} training samples, ` +
      (data.test ? `${count(data.test.size)} test` : 'no test split (accuracy is measured on the training split)') +
      `; ${flags.workers} worker${flags.workers > 1 ? 's' : ''}`);

    const common = { lr: flags.lr, weightDecay: flags.weightDecay, batchSize: flags.batchSize, seed: flags.seed, retrainEpochs: flags.retrainEpochs, latencyBatch: 64 };
    const distill = flags.distill === undefined ? {} : { distill: { alpha: flags.distill, temperature: flags.temperature } };
    const schedule: SparsitySchedule = flags.schedule === 'one-shot' ? { kind: 'one-shot' } : { kind: flags.schedule, steps: flags.steps };
    const settings = magnitude
      ? { ...HAN_DEFAULTS, ...common, sparsity: flags.sparsity, scope: flags.scope, schedule, l1Epochs: flags.l1Epochs, l1: flags.l1, removeDead: flags.removeDead,
        lrSchedule: flags.lrSchedule,
        ...(flags.layerSparsity === undefined ? {} : { layerSparsity: flags.layerSparsity }),
        ...(flags.finalEpochs === undefined ? {} : { finalEpochs: flags.finalEpochs }),
        ...distill } satisfies HanSettings
      : { ...FILTER_DEFAULTS, ...common, ratio: flags.ratio, ...(flags.layers ? { layers: flags.layers } : {}), ...distill } satisfies FilterSettings;
    say((magnitude
      ? `magnitude pruning (Han et al. 2015) to ${flags.layerSparsity ? `per-layer sparsity ${Object.entries(flags.layerSparsity).map(([n, v]) => `${n} ${percent(v, 1)}`).join(', ')}` : `${percent(flags.sparsity, 1)} sparsity, ${flags.scope}`}, ${flags.schedule === 'one-shot' ? 'one shot' : `${flags.schedule} in ${flags.steps} step${flags.steps === 1 ? '' : 's'}`}, ` +
        `${flags.retrainEpochs} retraining epoch${flags.retrainEpochs === 1 ? '' : 's'} per step at lr ${flags.lr} (${flags.lrSchedule === 'restart' ? 'a cosine per retraining' : 'one cosine over all retraining'})`
      : structured(flags.method) ? `structured pruning by ${flags.method}: ${flags.method === 'group-lasso' ? `${flags.lassoEpochs} epochs with λ ${flags.lasso} on ${flags.lassoGroups.join(', ')} groups, then ${flags.lassoRemove === 'ratio' ? `the ${percent(flags.ratio, 0)} of units with the smallest group norms` : `the groups under ${flags.epsilon}`}` : flags.method === 'thinet' && flags.flops !== undefined ? `${flags.flops}× fewer FLOPs, layer by layer${flags.leastSquares ? '' : ', no least squares'}` : `${percent(flags.ratio, 0)} of the ${flags.method === 'maxout' ? 'neurons of every maxout unit' : flags.method === 'correlation' ? 'connections of the dense layers' : 'units of the layers'}${flags.method === 'thinet' ? `, layer by layer${flags.leastSquares ? '' : ', no least squares'}` : ''}`}, ` +
        `${flags.retrainEpochs} fine-tuning epoch${flags.retrainEpochs === 1 ? '' : 's'} per ${flags.method === 'thinet' ? 'layer' : 'step'} at lr ${flags.lr}`
      : `L1-norm filter pruning (Li et al. 2017): ${percent(flags.ratio, 0)} of the filters of ${(flags.layers ?? defaultFilterLayers(graph)).join(', ')}, ` +
        `then ${flags.retrainEpochs} retraining epoch${flags.retrainEpochs === 1 ? '' : 's'} at lr ${flags.lr}`) +
      (flags.distill === undefined ? '' : `, distilling from the input model (α ${flags.distill}, T ${flags.temperature})`));

    const checkpoint = checkpointed ? fileCheckpoint(checkpointPath) : undefined;
    const resumed = checkpoint ? await checkpoint.exists() : false;
    let ran = 0;
    let current = 'loading';
    const stopListening = onInterrupt(() => {
      const where = `lopper prune: interrupted during ${current}`;
      if (!checkpoint) return `${where}; nothing was written (${flags.method} keeps no checkpoint: run the command again to start over)`;
      if (!existsSync(checkpointPath)) return `${where}, before the first stage finished; nothing was kept (run the command again to start over)`;
      return `${where}; ${checkpointPath} keeps every stage finished before it.\n` +
        `Run the same command again to resume there${flags.checkpoint ? '' : ' (the checkpoint is found from -o)'}; delete the checkpoint to start over.`;
    });

    const result = await withWorkers(flags.workers, async (pool) => {
      const runner = progressRunner(bar, pool);
      const hooks = {
        train: data.train, test, runner, modelName: graph.name, datasetName: data.source, versions: versions(),
        onStageStart: (stage: string, index: number, stages: number) => {
          if (resumed && ran++ === 0) say(`resuming from ${checkpointPath} at ${stage} (stage ${index + 1} of ${stages})`);
          runner.stage = stage;
          current = stage;
        },
        onEpoch: (e: Parameters<typeof epochLine>[0], stage: string) => say(`  ${stage}, ${epochLine(e, stage === 'l1' ? flags.l1Epochs : flags.retrainEpochs)}`),
        onStep: (step: HistoryStep, stage: string) => say(stepLine(step, stage)),
      };
      if (magnitude) {
        const source = { model: crc32(inputBytes).toString(16).padStart(8, '0'), data: data.source, ...(flags.limit ? { limit: flags.limit } : {}) };
        const r = await runHan(start, { ...hooks, settings: settings as HanSettings, checkpoint, source });
        return { ...r, removed: undefined };
      }
      if (structured(flags.method)) {
        const source = { model: crc32(inputBytes).toString(16).padStart(8, '0'), data: data.source, ...(flags.limit ? { limit: flags.limit } : {}) };
        const s: StructuredSettings = {
          ...STRUCTURED_DEFAULTS, ...common, method: flags.method, ratio: flags.ratio, scope: cmd.getOptionValueSource('scope') === 'cli' ? flags.scope : 'layer',
          steps: cmd.getOptionValueSource('steps') === 'cli' ? flags.steps : 1,
          passSamples: flags.passSamples, lasso: { lambda: flags.lasso, epochs: flags.lassoEpochs, epsilon: flags.epsilon, groups: flags.lassoGroups, remove: flags.lassoRemove },
          ...(flags.layers ? { layers: flags.layers } : {}), ...(flags.finalEpochs === undefined ? {} : { finalEpochs: flags.finalEpochs }), ...distill,
          ...(flags.method === 'thinet' ? { thinet: { samples: flags.samples, leastSquares: flags.leastSquares }, ...(flags.flops === undefined ? {} : { flops: flags.flops }) } : {}),
        };
        return runStructured(start, { ...hooks, settings: s, checkpoint, source });
      }
      return runFilterPruning(start, { ...hooks, settings: settings as FilterSettings });
    });
    stopListening();
    model = result.model;
    if (resumed && ran === 0) say(`${checkpointPath} holds the finished run`);
    const history: History = { ...result.history, ...(sensitivity ? { sensitivity } : {}) };
    const before = history.steps[0];
    const after = history.steps[history.steps.length - 1];
    const meta = {
      prunedFrom: file, trainedOn: data.source, method: history.method, settings: history.settings,
      accuracy: after.accuracy, split, ...(flags.limit ? { limit: flags.limit } : {}),
    };
    const size = await writeModelFile(flags.output, model, meta);
    await writeOutput(historyPath, `${JSON.stringify(history, null, 2)}\n`);
    await checkpoint?.remove();
    const seconds = (performance.now() - started) / 1000;
    const summary = (s: HistoryStep) => ({
      params: s.params, nonzeroParams: s.nonzeroParams, flops: s.flops, sparsity: s.sparsity, accuracy: s.accuracy, latencyMs: s.latencyMs, latencyBatch: s.latencyBatch,
    });
    if (json) {
      printJson({
        command: 'prune', model: file, name: graph.name, data: data.source, split, method: flags.method, settings: history.settings,
        output: flags.output, bytes: size, history: historyPath, ...(magnitude ? { checkpoint: checkpointPath, resumed } : { removed: result.removed }),
        ...(history.thinet ? { thinet: history.thinet } : {}),
        collapsed: history.collapse !== undefined, ...(history.collapse ? { collapse: history.collapse } : {}),
        before: summary(before), after: summary(after), compression: before.nonzeroParams / after.nonzeroParams, seconds, steps: history.steps,
      });
    } else {
      say(`${graph.name}: ${count(before.nonzeroParams)} → ${count(after.nonzeroParams)} non-zero parameters (${(before.nonzeroParams / after.nonzeroParams).toFixed(1)}× fewer${history.collapse ? ', but the run collapsed' : ''}), ` +
        `${si(before.flops)} → ${si(after.flops)} FLOPs, ${split} accuracy ${percent(before.accuracy)} → ${percent(after.accuracy)}, ${seconds.toFixed(1)} s`);
      for (const t of history.thinet ?? []) {
        say(`  ${t.layer}: ${t.unitsBefore} → ${t.unitsBefore - t.removed} channels, objective ${t.objective.toPrecision(3)}` +
          (t.reweighting.length ? `, least squares ${t.reweighting.map((w) => `${w.status} at ${w.consumer}${w.reason ? ` (${w.reason})` : ''}`).join(', ')}` : ''));
      }
      say(`→ ${flags.output} (${bytes(size)}), history → ${historyPath}`);
    }
    if (history.collapse) console.error(`lopper prune: warning: ${history.collapse.message}`);
  } finally {
    // runHan may have disposed the start model already; disposing twice is harmless.
    model.dispose();
    if (model !== start) start.dispose();
  }
}

/** The layers --layer-sparsity and --layers name exist in the model and can be pruned that way. */
function checkPruneLayers(model: Model, flags: PruneFlags): void {
  if (flags.layerSparsity) {
    checkLayerNames('--layer-sparsity', Object.keys(flags.layerSparsity), prunableWeights(model).map((e) => e.node), `a prunable layer of ${model.graph.name}`);
  }
  if (flags.layers) {
    const producers = dependencyGroups(model.graph).filter((g) => g.prunable).flatMap((g) => g.producers);
    checkLayerNames('--layers', flags.layers, producers, `a layer of ${model.graph.name} whose filters or neurons can be removed`);
  }
  if (flags.method === 'thinet') {
    // ThiNet samples the layers reading each pruned one: refuse readers it cannot sample before loading data.
    const groups = dependencyGroups(model.graph);
    const layers = flags.layers ?? defaultFilterLayers(model.graph);
    for (const l of layers) consumersOf(model, groups.find((g) => g.producers.includes(l))!);
  }
}

/** The sensitivity analysis in a `lopper sensitivity` output (or any history that has one). */
async function readSensitivity(path: string): Promise<Sensitivity> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: ${e instanceof SyntaxError ? 'not JSON: ' : 'cannot read: '}${(e as Error).message}`);
  }
  const h = checkHistory(json, path);
  if (!h.sensitivity) throw new Error(`${path}: has no sensitivity analysis (write one with lopper sensitivity -o)`);
  return h.sensitivity;
}
