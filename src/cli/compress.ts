// `lopper compress`: Deep Compression of a (pruned) model into a .lop file — weight sharing by
// k-means per layer, optional centroid fine-tuning on data, Huffman-coded indices and gaps —
// and the size of each part.

import type { Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { readModelFile } from '../node/model-file.js';
import { shareWeights, type ShareBits } from '../compress/share.js';
import { finetuneCentroids } from '../compress/finetune.js';
import { encodeLop } from '../compress/lop-file.js';
import { lopSizeRows } from './lop-sizes.js';
import { integer, number, text, UsageError } from './options.js';
import { bytes, checkOutput, count, dataInputs, percent, printJson, table, writeOutput } from './output.js';
import { loadDataFor } from './load.js';
import { evaluate } from '../nn/train.js';

interface CompressFlags {
  output: string;
  bits: Partial<ShareBits>;
  gapBits: Partial<ShareBits>;
  retrainEpochs: number;
  data?: string;
  lr: number;
  json?: boolean;
}

export function compressCommand(program: Command): void {
  program
    .command('compress')
    .description('weight sharing, centroid fine-tuning and Huffman coding of a pruned model into a .lop file')
    .argument('<model>', 'a model file (.lopm or .onnx), pruned', text('<model>'))
    .requiredOption('-o, --output <file.lop>', 'the compressed model to write', text('-o'))
    .option('--bits <kind=n,...>', 'cluster-index bits per layer kind, 1–8 (fc: Dense, conv: Conv2d; default fc=5,conv=8)', parseBits('--bits'), {})
    .option('--gap-bits <kind=n,...>', 'bits of the relative-index gaps per layer kind, 1–8 (default fc=4,conv=8)', parseBits('--gap-bits'), {})
    .option('--retrain-epochs <n>', 'epochs of centroid fine-tuning on --data (0: none)', integer('--retrain-epochs', 0), 0)
    .option('--data <spec>', 'training data for fine-tuning, and test data for the accuracy before and after', text('--data'))
    .option('--lr <rate>', 'learning rate of the fine-tuning', number('--lr', { above: 0 }), 1e-4)
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, flags: CompressFlags) => runCompress(file, flags));
}

/** 'fc=5,conv=8' → { fc: 5, conv: 8 }. */
function parseBits(flag: string): (raw: string) => Partial<ShareBits> {
  return (raw) => {
    const out: Partial<ShareBits> = {};
    for (const part of raw.split(',')) {
      const m = /^\s*(fc|conv)\s*=\s*(\d+)\s*$/.exec(part);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 8) throw new UsageError(`${flag} must be fc=n and/or conv=n with n in 1–8, got '${raw}'`);
      out[m[1] as keyof ShareBits] = Number(m[2]);
    }
    return out;
  };
}

async function runCompress(file: string, flags: CompressFlags): Promise<void> {
  if (!flags.output.toLowerCase().endsWith('.lop')) throw new UsageError(`-o must name a .lop file, got '${flags.output}'`);
  if (flags.retrainEpochs > 0 && !flags.data) throw new UsageError('--retrain-epochs needs --data to train on');
  checkOutput(flags.output, [file, ...(flags.data ? dataInputs(flags.data) : [])]);
  const k = await loadNodeKernels();
  const { model } = await readModelFile(file, k);
  try {
    const data = flags.data ? await loadDataFor(flags.data, model.graph.inputs[0].shape) : undefined;
    const test = data ? data.test ?? data.train : undefined;
    const before = test ? evaluate(model, test).accuracy : undefined;
    const shared = shareWeights(model, flags.bits);
    const sharedAccuracy = test ? evaluate(model, test).accuracy : undefined;
    if (flags.retrainEpochs > 0) await finetuneCentroids(model, shared, data!.train, { epochs: flags.retrainEpochs, lr: flags.lr });
    const after = test && flags.retrainEpochs > 0 ? evaluate(model, test).accuracy : sharedAccuracy;
    const lop = encodeLop(model, shared, { gapBits: flags.gapBits });
    await writeOutput(flags.output, lop);
    const denseBytes = 4 * model.params.size;
    const nonzero = shared.reduce((n, s) => n + s.assign.filter((a) => a >= 0).length, 0);
    if (flags.json) {
      printJson({
        command: 'compress', model: file, output: flags.output, bytes: lop.length, denseBytes, ratio: denseBytes / lop.length,
        layers: shared.map((s) => ({ node: s.node, kind: s.kind, bits: s.bits, weights: s.assign.length })), nonzero,
        ...(test ? { accuracy: { before, shared: sharedAccuracy, after } } : {}), retrainEpochs: flags.retrainEpochs,
      });
      return;
    }
    const lines = [
      `${flags.output}: ${bytes(lop.length)}, ${(denseBytes / lop.length).toFixed(1)}× smaller than the ${bytes(denseBytes)} of f32 parameters ` +
      `(${count(nonzero)} nonzero shared weights in ${shared.length} layers)`,
    ];
    if (test) lines.push(`  accuracy on ${test.name}: ${percent(before)} before, ${percent(sharedAccuracy)} shared${flags.retrainEpochs > 0 ? `, ${percent(after)} after ${flags.retrainEpochs} epochs of centroid fine-tuning` : ''}`);
    lines.push('', table(lopSizeRows(lop, k, flags.output), '  '));
    console.log(lines.join('\n'));
  } finally {
    model.dispose();
  }
}
