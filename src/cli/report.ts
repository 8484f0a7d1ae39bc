// `lopper report`: renders a pruning run's history JSON as a self-contained report.html.

import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { checkHistory, renderReport } from '../pipeline/report.js';
import { text } from './options.js';
import { bytes, checkOutput, printJson, writeOutput } from './output.js';

interface ReportFlags {
  output: string;
  json?: boolean;
}

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('render a pruning history (JSON) as a self-contained HTML page')
    .argument('<history>', 'the history JSON a pruning run wrote', text('<history>'))
    .requiredOption('-o, --output <file>', 'the HTML file to write', text('-o'))
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, flags: ReportFlags) => runReport(file, flags));
}

async function runReport(file: string, flags: ReportFlags): Promise<void> {
  checkOutput(flags.output, [file]);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read: ${(e as Error).message}`);
  }
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
