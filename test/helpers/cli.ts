// Runs the `lopper` command line as a child process (from the sources, through tsx).

import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Run { code: number; stdout: string; stderr: string }

export function lopper(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** One line on stderr, exit code as given, naming every fragment. */
export function fails(r: Run, code: number, ...fragments: string[]): void {
  assert.is(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.is(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
  for (const f of fragments) assert.ok(r.stderr.includes(f), `stderr names ${f}: ${r.stderr}`);
}
