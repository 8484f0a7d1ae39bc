// `npm test`: builds what the tests need, type-checks, runs the uvu suites on Node and the Deno
// smoke test, the portable suite on every host (Node, Deno, Chromium, workerd) and the pruning
// page end to end in Chromium, then one result line per host and one summary line
// "N passed, N failed" for CI to count.

import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url);
let passed = 0;
let failed = 0;
const hostLines = [];

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

  // One line per host: test/portable/run.ts prints "portable <host>: ok, …" or "… FAILED …".
  const HOSTS = ['node', 'deno', 'chromium', 'workerd'];
  const portable = run('portable suite on every host', process.execPath, ['--import', 'tsx', 'test/portable/run.ts', ...HOSTS], { capture: true });
  for (const host of HOSTS) {
    const line = portable.out.split('\n').find((l) => l.startsWith(`portable ${host}: `)) ?? `portable ${host}: FAILED (no result)`;
    if (/^portable \w+: ok,/.test(line)) passed++;
    else failed++;
    hostLines.push(line);
  }
  const page = run('the pruning page in Chromium, end to end', process.execPath, ['--import', 'tsx', 'test/web/page-e2e.ts'], { capture: true });
  if (page.ok) passed++;
  else failed++;
  hostLines.push(page.out.split('\n').find((l) => l.startsWith('page e2e: ')) ?? 'page e2e: FAILED (no result)');
}

if (hostLines.length > 0) console.log(`\n== hosts\n${hostLines.join('\n')}`);

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
