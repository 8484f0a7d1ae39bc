// Running the PyTorch baselines (bench/baselines/*.py) with Debian's python3-torch, which only
// /usr/bin/python3 imports (bench/baselines/install-torch.sh installs it).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';

/** The installed torch's version, or undefined (and a note) when python3 cannot import it. */
export function torchVersion(): string | undefined {
  const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }) : undefined;
  if (r?.status === 0) return r.stdout.trim();
  console.log(`PyTorch baseline skipped: ${PYTHON} cannot import torch (bench/baselines/install-torch.sh installs it)`);
  return undefined;
}

/** Runs bench/baselines/<script> with `threads` threads; returns the JSON objects it printed, one per line. */
export function runTorch<T>(script: string, threads: number, args: string[]): T[] {
  const path = fileURLToPath(new URL(`../baselines/${script}`, import.meta.url));
  const r = spawnSync(PYTHON, [path, '--threads', String(threads), ...args], {
    encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`PyTorch baseline ${script} failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as T);
}
