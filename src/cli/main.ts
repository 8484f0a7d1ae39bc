#!/usr/bin/env node
// The `lopper` command line. Node-only; each command lives in its own file beside this one.
// Exit codes: 0 done, 1 failed while working (a bad file, a shape mismatch…), 2 bad command line.
// Errors are one line, "lopper <command>: <what>"; LOPPER_DEBUG=1 adds the stack.

import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { UsageError } from './options.js';
import { kernelsCommand } from './kernels.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { reportCommand } from './report.js';
import { pruneCommand } from './prune.js';
import { sensitivityCommand } from './sensitivity.js';
import { demoCommand } from './demo.js';
import { inspectCommand } from './inspect.js';
import { checkCommand } from './check.js';
import { serveCommand } from './serve.js';
import { compressCommand } from './compress.js';
import { exportCommand } from './export.js';
import { quantizeCommand } from './quantize.js';
import { profileCommand } from './profile.js';
import { slimCommand } from './slim.js';

const { version } = createRequire(import.meta.url)('lopper/package.json') as { version: string };

const program = new Command('lopper')
  .description('Prune and compress neural networks anywhere JavaScript runs.')
  .version(version)
  // Set before the commands are added, so they inherit it: errors come back here as exceptions.
  .exitOverride()
  .configureOutput({ outputError: () => {} })
  .showSuggestionAfterError(true);

// Output piped into a reader that stops early (`lopper demo | head`): stop quietly, as cat does.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

let command = '';
program.hook('preSubcommand', (_program, sub) => {
  command = sub.name();
});

demoCommand(program);
trainCommand(program);
pruneCommand(program);
evalCommand(program);
inspectCommand(program);
sensitivityCommand(program);
reportCommand(program);
kernelsCommand(program);
checkCommand(program);
serveCommand(program);
compressCommand(program);
exportCommand(program);
quantizeCommand(program);
profileCommand(program);
slimCommand(program);

try {
  await program.parseAsync();
} catch (e) {
  process.exitCode = report(e);
}

/** Prints the error as one line and returns the exit code. */
function report(e: unknown): number {
  const who = command ? `lopper ${command}` : 'lopper';
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    if (e.code === 'commander.help') return 2; // no command given: commander printed the help
    console.error(`${who}: ${e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}`);
    return 2;
  }
  if (e instanceof UsageError) {
    console.error(`${who}: ${e.message}`);
    return 2;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  console.error(process.env.LOPPER_DEBUG === '1' ? `${who}: ${err.stack ?? err.message}` : `${who}: ${err.message}`);
  return 1;
}
