// `lopper export`: a model file in another format. From a .lop file to ONNX, the shared weights
// stay shared: Gather(codebook, uint8 indices), which any ONNX runtime runs (--dense: plain f32).

import type { Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { modelFormat, readModelFile, writeModelFile } from '../node/model-file.js';
import { exportCodebookOnnx } from '../compress/onnx-codebook.js';
import { text, UsageError } from './options.js';
import { bytes, checkOutput, printJson, writeOutput } from './output.js';

interface ExportFlags {
  output: string;
  dense?: boolean;
  json?: boolean;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write a model in another format (.lop → codebook ONNX; .onnx ↔ .lopm)')
    .argument('<model>', 'a model file (.lop, .lopm or .onnx)', text('<model>'))
    .requiredOption('-o, --output <file>', 'the file to write (.onnx or .lopm)', text('-o'))
    .option('--dense', 'from a .lop file: f32 weights in the ONNX, not codebooks')
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, flags: ExportFlags) => runExport(file, flags));
}

async function runExport(file: string, flags: ExportFlags): Promise<void> {
  let to: string;
  try {
    modelFormat(file);
    to = modelFormat(flags.output);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (to === 'lop') throw new UsageError(`-o ${flags.output}: a .lop file is written by 'lopper compress'`);
  checkOutput(flags.output, [file]);
  const k = await loadNodeKernels();
  const { model, meta, lop } = await readModelFile(file, k);
  try {
    const codebook = to === 'onnx' && lop && !flags.dense;
    const size = codebook
      ? await writeOutput(flags.output, exportCodebookOnnx(model, lop.shared))
      : await writeModelFile(flags.output, model, meta);
    if (flags.json) printJson({ command: 'export', model: file, output: flags.output, bytes: size, codebook: !!codebook });
    else console.log(`${flags.output}: ${bytes(size)}${codebook ? `, ${lop.shared.length} weights as codebooks and indices` : ''}`);
  } finally {
    model.dispose();
  }
}
