// `lopper quantize`: post-training static int8 quantisation of a model (per-channel weights,
// activations calibrated on data), optional quantisation-aware fine-tuning, written as QDQ ONNX.

import { Option, type Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { defaultWorkerCount } from '../node/workers.js';
import { dataPass } from '../workers/pass.js';
import { readModelFile } from '../node/model-file.js';
import { exportQdqOnnx } from '../io/onnx/export-qdq.js';
import { exportOnnx } from '../io/onnx/export.js';
import { evaluate } from '../nn/train.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../compress/quantize/calibrate.js';
import { quantizeModel } from '../compress/quantize/model.js';
import { fineTuneQuantized } from '../compress/quantize/qat.js';
import { int8Model } from '../compress/quantize/int8-layers.js';
import { choice, integer, number, text, UsageError } from './options.js';
import { bytes, checkOutput, dataInputs, percent, printJson, table, writeOutput } from './output.js';
import { loadDataFor } from './load.js';
import { withWorkers } from './pipeline.js';

interface QuantizeFlags {
  data: string;
  output: string;
  calibration: CalibrationMethod;
  percentile: number;
  calibrationSamples: number;
  qatEpochs: number;
  lr: number;
  batchSize: number;
  json?: boolean;
  limit?: number;
  workers: number;
}

export function quantizeCommand(program: Command): void {
  program
    .command('quantize')
    .description('int8 post-training quantisation (+ optional QAT) → a QDQ ONNX file that onnxruntime runs')
    .argument('<model>', 'a model file (.lopm or .onnx)', text('<model>'))
    .requiredOption('--data <spec>', 'calibration (and QAT) data: fashion-mnist, mnist, IDX directory, .csv or .lopd', text('--data'))
    .requiredOption('-o, --output <file.onnx>', 'the QDQ ONNX file to write', text('-o'))
    .addOption(new Option('--calibration <method>', 'activation ranges from').choices(CALIBRATION_METHODS).argParser(choice('--calibration', CALIBRATION_METHODS)).default('minmax'))
    .option('--percentile <p>', "share of |x| kept by --calibration percentile", number('--percentile', { above: 0, upTo: 100 }), 99.99)
    .option('--calibration-samples <n>', 'training samples to calibrate on', integer('--calibration-samples', 1), 2048)
    .option('--qat-epochs <n>', 'epochs of quantisation-aware fine-tuning (0: none)', integer('--qat-epochs', 0), 0)
    .option('--lr <x>', 'learning rate of the fine-tuning (SGD, momentum 0.9)', number('--lr', { above: 0 }), 0.001)
    .option('--batch-size <n>', 'samples per batch', integer('--batch-size', 1), 64)
    .addOption(new Option('--workers <n>', 'worker threads for the calibration pass (1: the main thread)').argParser(integer('--workers', 1)).default(defaultWorkerCount(), 'the available cores'))
    .option('--json', 'print one JSON object instead of text')
    .addOption(new Option('--limit <n>', 'use the first n samples of each split').argParser(integer('--limit', 1)).hideHelp())
    .action((file: string, flags: QuantizeFlags) => runQuantize(file, flags));
}

async function runQuantize(file: string, flags: QuantizeFlags): Promise<void> {
  if (!flags.output.toLowerCase().endsWith('.onnx')) throw new UsageError(`-o ${flags.output}: the quantised model is written as ONNX; give a .onnx name`);
  checkOutput(flags.output, [file, ...dataInputs(flags.data)]);
  const started = performance.now();
  const json = flags.json === true;
  const say = json ? () => {} : (line: string) => console.log(line);
  const k = await loadNodeKernels();
  const { model } = await readModelFile(file, k);
  try {
    const data = await loadDataFor(flags.data, model.graph.inputs[0].shape, flags.limit);
    const test = data.test ?? data.train;
    const split = data.test ? 'test' : 'train';
    const q = await withWorkers(flags.workers, (pool) => quantizeModel(model, data.train,
      { method: flags.calibration, percentile: flags.percentile, samples: flags.calibrationSamples, pass: dataPass(pool) }));
    if (flags.qatEpochs > 0) {
      say(`fine-tuning ${flags.qatEpochs} epoch${flags.qatEpochs > 1 ? 's' : ''} with fake-quant (lr ${flags.lr})`);
      await fineTuneQuantized(q, data.train, {
        epochs: flags.qatEpochs, batchSize: flags.batchSize, optimizer: { kind: 'sgd', lr: flags.lr, momentum: 0.9 },
        onEpoch: (r) => say(`  epoch ${r.epoch + 1}: loss ${r.loss.toFixed(4)}, train ${percent(r.trainAccuracy)}`),
      });
    }
    const onnx = exportQdqOnnx(q.model, new Map(q.layers.map((l) => [l.node, l.weightScales])));
    const fp32Bytes = exportOnnx(model).length;
    const fp32 = evaluate(model, test).accuracy;
    const runner = int8Model(q);
    const int8 = evaluate(runner, test).accuracy;
    runner.dispose();
    const size = await writeOutput(flags.output, onnx);
    const seconds = (performance.now() - started) / 1000;
    const layers = q.layers.map((l) => ({
      node: l.node, op: l.op, inputScale: l.inputScale,
      weightScaleMin: Math.min(...l.weightScales), weightScaleMax: Math.max(...l.weightScales), int8Bytes: q.model.params.entry(l.node, 'weight').size,
    }));
    if (json) {
      printJson({
        command: 'quantize', model: file, data: data.source, output: flags.output, calibration: flags.calibration, qatEpochs: flags.qatEpochs,
        bytes: size, fp32Bytes, split, fp32Accuracy: fp32, accuracy: int8, layers, seconds,
      });
      return;
    }
    say(table([['layer', 'op', 'input scale', 'weight scales', 'int8 weights'],
      ...layers.map((l) => [l.node, l.op, l.inputScale.toPrecision(4), `${l.weightScaleMin.toPrecision(3)}–${l.weightScaleMax.toPrecision(3)}`, bytes(l.int8Bytes)])], '  '));
    say(`${file} → ${flags.output}: ${bytes(size)} (fp32 ONNX ${bytes(fp32Bytes)}, ${(fp32Bytes / size).toFixed(2)}× smaller); ` +
      `${split} accuracy ${percent(fp32)} fp32 → ${percent(int8)} int8 (${flags.calibration}${flags.qatEpochs ? `, QAT ${flags.qatEpochs}` : ''}), ${seconds.toFixed(1)} s`);
  } finally {
    model.dispose();
  }
}
