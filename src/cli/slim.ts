// `lopper slim`: DeepRebirth on a saved model — exact merges (--fold: batch norm folded, linear
// layers multiplied, parallel 1×1 branches merged, dropout dropped, ReLU fused), streamline
// slimming (--streamline) and branch slimming (--branch) refitted layer-locally on --data, then
// optional fine-tuning; prints each step's merges, refit errors, accuracy and latency.

import { Option, type Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { readModelFile, writeModelFile } from '../node/model-file.js';
import type { Model } from '../nn/model.js';
import { evaluate, train } from '../nn/train.js';
import { slimModel, type SlimStepResult } from '../slim/slim.js';
import { profileLatency, type LatencyProfile } from '../slim/profile.js';
import { renderLatencyReport } from '../pipeline/report-latency.js';
import { integer, number, text, UsageError } from './options.js';
import { bytes, checkOutput, count, dataInputs, percent, printJson, writeOutput } from './output.js';
import { loadDataFor } from './load.js';
import { epochLine } from './train.js';

interface SlimFlags {
  output: string;
  data?: string;
  fold?: boolean;
  streamline?: boolean;
  branch?: boolean;
  branchKernel: number;
  samples: number;
  regressEpochs: number;
  epochs: number;
  lr: number;
  batchSize: number;
  seed: number;
  runs: number;
  report?: string;
  json?: boolean;
  limit?: number;
}

export function slimCommand(program: Command): void {
  program
    .command('slim')
    .description('merge layers exactly, slim conv chains and inception blocks, refit (DeepRebirth)')
    .argument('<model>', 'the trained model (.lopm or .onnx)', text('<model>'))
    .requiredOption('-o, --output <file>', 'where to save the slimmed model (.lopm or .onnx, by extension)', text('-o'))
    .option('--fold', 'exact merges: batch norm, linear pairs, parallel 1×1 branches, dropout, ReLU (the default when no step is named)')
    .option('--streamline', 'replace conv → BN/LRN/ReLU → pool chains by one strided conv, refitted on --data')
    .option('--branch', 'replace inception-like blocks by one conv, refitted on --data')
    .option('--data <spec>', 'fashion-mnist, mnist, a directory of IDX files, a .csv or a .lopd file: refits, fine-tuning and accuracy', text('--data'))
    .option('--branch-kernel <k>', 'kernel of the conv that replaces a block (odd)', integer('--branch-kernel', 1, 15), 3)
    .option('--samples <n>', 'training samples the refits sample', integer('--samples', 1), 512)
    .option('--regress-epochs <n>', 'after least squares, epochs of local regression of each slim conv with its activation (Adam)', integer('--regress-epochs', 0), 0)
    .option('--epochs <n>', 'epochs of fine-tuning the whole slimmed net (Adam) after the refits', integer('--epochs', 0), 0)
    .option('--lr <x>', 'fine-tuning learning rate', number('--lr', { above: 0 }), 5e-4)
    .option('--batch-size <n>', 'fine-tuning batch size', integer('--batch-size', 1), 64)
    .option('--seed <n>', 'seed of the refit sample and the fine-tuning batch order', integer('--seed', 0, 2 ** 31 - 1), 0)
    .option('--runs <n>', 'timed forward passes for the latencies', integer('--runs', 1), 11)
    .option('--report <file.html>', 'also write the latency decomposition before and after as stacked bars (one HTML page)', text('--report'))
    .option('--json', 'print one JSON object instead of text')
    .addOption(new Option('--limit <n>', 'use the first n samples of each split').argParser(integer('--limit', 1)).hideHelp())
    .action((file: string, flags: SlimFlags) => runSlim(file, flags));
}

async function runSlim(file: string, flags: SlimFlags): Promise<void> {
  if ((flags.streamline || flags.branch) && !flags.data) throw new UsageError('--streamline and --branch refit on data: give --data');
  if (flags.epochs > 0 && !flags.data) throw new UsageError('--epochs fine-tunes on data: give --data');
  if (flags.branchKernel % 2 === 0) throw new UsageError(`--branch-kernel must be odd, got ${flags.branchKernel}`);
  const inputs = [file, ...(flags.data ? dataInputs(flags.data) : [])];
  checkOutput(flags.output, inputs);
  if (flags.report) checkOutput(flags.report, [...inputs, flags.output], '--report');
  const json = flags.json === true;
  const say = json ? () => {} : (line: string) => console.log(line);
  const k = await loadNodeKernels();
  const { model } = await readModelFile(file, k);
  const owned: Model[] = [model];
  try {
    const data = flags.data ? await loadDataFor(flags.data, model.graph.inputs[0].shape, flags.limit) : undefined;
    const test = data ? data.test ?? data.train : undefined;
    const accuracy = (m: Model) => (test ? evaluate(m, test).accuracy : undefined);
    const before = accuracy(model);
    const steps = slimModel(model, data?.train, {
      fold: flags.fold, streamline: flags.streamline, branch: flags.branch, kernel: flags.branchKernel, samples: flags.samples, seed: flags.seed,
      regress: { epochs: flags.regressEpochs },
    });
    owned.push(...steps.map((s) => s.model));
    const report = steps.map((s) => ({
      step: s.step, merges: s.merges, layers: s.model.graph.nodes.length, accuracy: accuracy(s.model),
      fits: s.fits.map((f) => ({ node: f.node, replaced: f.replaced, errorBefore: f.errorBefore, errorAfter: f.errorAfter, ...(f.regress ? { regress: f.regress } : {}) })),
    }));
    for (const r of report) say(stepLine(r));
    const slim = steps[steps.length - 1].model;
    if (flags.epochs > 0) {
      await train(slim, data!.train, {
        epochs: flags.epochs, batchSize: flags.batchSize, seed: flags.seed, optimizer: { kind: 'adam', lr: flags.lr },
        schedule: { kind: 'cosine', epochs: flags.epochs }, ...(data!.test ? { test: data!.test } : {}), onEpoch: (r) => say(`  fine-tune ${epochLine(r, flags.epochs)}`),
      });
    }
    const after = accuracy(slim);
    const profiles: { label: string; profile: LatencyProfile }[] = [];
    const latency = [1, 8].map((batch) => {
      const [a, b] = profileLatency([model, slim], batch, { runs: flags.runs });
      profiles.push({ label: 'before', profile: a }, { label: 'after', profile: b });
      return { batch, beforeMs: a.totalMs, afterMs: b.totalMs, speedup: a.totalMs / b.totalMs, nonTensorBefore: a.nonTensorMs, nonTensorAfter: b.nonTensorMs };
    });
    const size = await writeModelFile(flags.output, slim);
    if (flags.report) await writeOutput(flags.report, renderLatencyReport(`${model.graph.name}: before and after slimming`, profiles));
    if (json) {
      printJson({
        command: 'slim', model: file, output: flags.output, bytes: size, data: data?.source, steps: report, fineTuneEpochs: flags.epochs,
        layers: { before: model.graph.nodes.length, after: slim.graph.nodes.length }, params: { before: model.params.size, after: slim.params.size },
        accuracy: { before, after }, latency,
      });
      return;
    }
    say(`layers ${model.graph.nodes.length} → ${slim.graph.nodes.length}, parameters ${count(model.params.size)} → ${count(slim.params.size)}` +
      (before !== undefined ? `, accuracy ${percent(before)} → ${percent(after)}` : ''));
    for (const l of latency) say(`batch ${l.batch}: ${l.beforeMs.toFixed(3)} → ${l.afterMs.toFixed(3)} ms per forward (${l.speedup.toFixed(2)}×)`);
    say(`wrote ${flags.output} (${bytes(size)})${flags.report ? ` and ${flags.report}` : ''}`);
  } finally {
    for (const m of owned) m.dispose();
  }
}

interface FitLine { node: string; replaced: string[]; errorBefore: number; errorAfter: number; regress?: { errorBefore: number; errorAfter: number } }

function stepLine(r: { step: SlimStepResult['step']; merges: string[]; fits: FitLine[]; layers: number; accuracy?: number }): string {
  const acc = r.accuracy !== undefined ? `, accuracy ${percent(r.accuracy)}` : '';
  if (r.step === 'folded') return `folded: ${r.merges.length} exact merges, ${r.layers} layers${acc}${r.merges.length ? `\n  ${r.merges.join('\n  ')}` : ''}`;
  const fits = r.fits.map((f) => `  ${f.node} replaces ${f.replaced.join(', ')}: mean squared error ${f.errorBefore.toExponential(3)} → ${f.errorAfter.toExponential(3)} (least squares)` +
    (f.regress ? `; with the activation ${f.regress.errorBefore.toExponential(3)} → ${f.regress.errorAfter.toExponential(3)} (local regression)` : ''));
  return `${r.step}: ${r.fits.length} refitted, ${r.layers} layers${acc}${fits.length ? `\n${fits.join('\n')}` : ''}`;
}
