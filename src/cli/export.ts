// `lopper export`: a model file in another format. From a .lop file to ONNX, the shared weights
// stay shared: Gather(codebook, uint8 indices), which any ONNX runtime runs (--dense: plain f32).
// --sparse-initializers: pruned weights as ONNX sparse initializers (f32 values and their indices).

import type { Command } from 'commander';
import { loadNodeKernels } from '../node/kernels.js';
import { modelFormat, readModelFile, writeModelFile } from '../node/model-file.js';
import { exportCodebookOnnx } from '../compress/onnx-codebook.js';
import { text, UsageError } from './options.js';
import { bytes, checkOutput, printJson, writeOutput } from './output.js';

interface ExportFlags {
  output: string;
  dense?: boolean;
  sparseInitializers?: boolean;
  json?: boolean;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write a model in another format (.lop → codebook ONNX; .onnx ↔ .lopm)')
    .argument('<model>', 'a model file (.lop, .lopm or .onnx)', text('<model>'))
    .requiredOption('-o, --output <file>', 'the file to write (.onnx or .lopm)', text('-o'))
    .option('--dense', 'from a .lop file: f32 weights in the ONNX, not codebooks')
    .option('--sparse-initializers', 'ONNX: pruned weights (under a third nonzero) as sparse initializers; from a .lop file, instead of codebooks')
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
  if (flags.sparseInitializers && to !== 'onnx') throw new UsageError(`--sparse-initializers: -o ${flags.output} is not an .onnx file`);
  checkOutput(flags.output, [file]);
  const k = await loadNodeKernels();
  const { model, meta, lop } = await readModelFile(file, k);
  try {
    const sparseInitializers = flags.sparseInitializers === true;
    const codebook = to === 'onnx' && lop && !flags.dense && !sparseInitializers;
    const size = codebook
      ? await writeOutput(flags.output, exportCodebookOnnx(model, lop.shared))
      : await writeModelFile(flags.output, model, meta, { sparseInitializers });
    if (flags.json) printJson({ command: 'export', model: file, output: flags.output, bytes: size, codebook: !!codebook, sparseInitializers });
    else console.log(`${flags.output}: ${bytes(size)}${codebook ? `, ${lop.shared.length} weights as codebooks and indices` : sparseInitializers ? ', pruned weights as sparse initializers' : ''}`);
  } finally {
    model.dispose();
  }
}
