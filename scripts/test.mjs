// `npm test`: builds what the tests need, type-checks, runs the uvu suites on Node and the Deno
// smoke test, then prints one summary line "N passed, N failed" for CI to count.

import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url);
let passed = 0;
let failed = 0;

function run(title, cmd, args, { capture = false } = {}) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (capture) process.stdout.write(r.stdout ?? '');
  if (r.error) console.error(r.error.message);
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

function step(title, cmd, args) {
  const { ok } = run(title, cmd, args);
  if (ok) passed++;
  else failed++;
  return ok;
}

const built = step('build (asc + tsc)', 'npm', ['run', '--silent', 'build']) &&
  step('type-check tests, benches and scripts', 'npx', ['tsc', '-p', 'tsconfig.check.json']);

if (built) {
  const filter = process.argv[2] ?? '\\.test\\.ts$';
  const uvu = run('unit tests (uvu, node)', process.execPath,
    ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', filter], { capture: true });
  const total = Number(/Total:\s+(\d+)/.exec(uvu.out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(uvu.out)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(uvu.out)?.[1] ?? 0);
  passed += ok;
  failed += total - ok - skipped;
  if (total === 0 || (!uvu.ok && total - ok - skipped === 0)) failed++; // a crash before any total

  step('deno smoke test', 'npx', ['deno', 'run', '--quiet', '--allow-read', 'test/deno/smoke.ts']);
  step('deno worker pool', 'npx', ['deno', 'run', '--quiet', '--allow-read', 'test/deno/workers.ts']);
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
