// `lopper report`: renders a pruning run's history JSON as a self-contained report.html, or a
// .lop file's sizes: the waterfall of bytes per Deep Compression stage and the size per layer.

import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { checkHistory, renderReport } from '../pipeline/report.js';
import { renderSizeReport } from '../pipeline/report-sizes.js';
import { loadNodeKernels } from '../node/kernels.js';
import { decodeLop } from '../compress/lop-file.js';
import { stageSizes } from '../compress/sizes.js';
import { sizeRows } from './lop-sizes.js';
import { text } from './options.js';
import { bytes, checkOutput, printJson, writeOutput } from './output.js';

interface ReportFlags {
  output: string;
  json?: boolean;
}

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('render a pruning history (JSON), or the sizes of a .lop file, as a self-contained HTML page')
    .argument('<history>', 'the history JSON a pruning run wrote, or a .lop file', text('<history>'))
    .requiredOption('-o, --output <file>', 'the HTML file to write', text('-o'))
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, flags: ReportFlags) => runReport(file, flags));
}

async function runReport(file: string, flags: ReportFlags): Promise<void> {
  checkOutput(flags.output, [file]);
  let raw: Uint8Array;
  try {
    raw = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read: ${(e as Error).message}`);
  }
  if (file.toLowerCase().endsWith('.lop')) return lopReport(file, raw, flags);
  const source = new TextDecoder().decode(raw);
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    throw new Error(`${file}: not JSON: ${(e as Error).message}`);
  }
  const history = checkHistory(json, file);
  const size = await writeOutput(flags.output, renderReport(history));
  const curves = history.sensitivity?.curves.length ?? 0;
  if (flags.json) {
    printJson({ command: 'report', input: file, output: flags.output, bytes: size, model: history.model, dataset: history.dataset, steps: history.steps.length, curves });
  } else {
    console.log(`${flags.output}: ${history.model} on ${history.dataset}, ${history.steps.length} steps` +
      (curves ? `, sensitivity of ${curves} layers` : '') + ` (${bytes(size)})`);
  }
}

// A .lop file: decoded in full (a damaged one is refused, naming the section) for its sizes.
async function lopReport(file: string, raw: Uint8Array, flags: ReportFlags): Promise<void> {
  const lop = decodeLop(raw, await loadNodeKernels(), file);
  const params = lop.model.params.size;
  const name = lop.model.graph.name;
  lop.model.dispose();
  const stages = stageSizes(params, lop.shared, lop.gapBits, raw.length);
  const size = await writeOutput(flags.output, renderSizeReport(`${name}: ${file}`, stages, sizeRows(lop.sections, raw.length)));
  if (flags.json) printJson({ command: 'report', input: file, output: flags.output, bytes: size, model: name, stages });
  else console.log(`${flags.output}: sizes of ${file} (${name}), ${stages.map((s) => `${s.stage} ${bytes(s.bytes)}`).join(' → ')} (${bytes(size)})`);
}
