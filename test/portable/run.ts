// `node --import tsx test/portable/run.ts <host>…`: the portable suite on Node (the reference,
// with a 2-worker pool and on one thread), then on each host named (deno, chromium, workerd),
// each compared with Node. Prints the cases and one line per host "portable <host>: ok|FAILED …";
// exits 1 if any host failed. Needs `npm run build` first.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { compare, type Verdict } from './compare.js';
import type { CaseResult } from './suite.js';

const root = new URL('../..', import.meta.url);
const hosts = process.argv.slice(2);
const known = ['node', 'deno', 'chromium', 'workerd'];
for (const h of hosts) if (!known.includes(h)) throw new Error(`unknown host '${h}'; known: ${known.join(', ')}`);

function nodeResults(pool: boolean): CaseResult[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/portable/node.ts', ...(pool ? [] : ['--no-pool'])],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`the Node run failed (exit ${r.status})`);
  return JSON.parse(r.stdout);
}

const node = nodeResults(true);
const single = nodeResults(false);
mkdirSync(new URL('build/portable/', root), { recursive: true });
writeFileSync(new URL('build/portable/node.json', root), JSON.stringify(node));

let failed = 0;
function verdict(host: string, v: Verdict, extra = ''): void {
  console.log(v.lines.join('\n'));
  const how = v.worst === 0 ? 'digests identical to Node\'s' : `largest relative digest difference ${v.worst.toExponential(1)}`;
  console.log(`portable ${host}: ${v.ok ? 'ok' : 'FAILED'}, ${v.passed}/${v.lines.length} cases equal to Node's (${how})${extra}`);
  if (!v.ok) failed++;
}

for (const host of hosts) {
  try {
    if (host === 'node') {
      const self = compare('node, one thread', single, single);
      verdict('node', compare('node', node, node), `; one thread: ${self.passed}/${self.lines.length}`);
    } else if (host === 'deno') {
      const r = spawnSync('npx', ['deno', 'test', '--no-check', '--sloppy-imports', '--allow-read', 'test/portable/deno.ts'],
        { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const lines = r.stdout.split('\n').filter((l) => /^\s+[✓✗] deno:/.test(l));
      console.log(lines.join('\n'));
      const passed = lines.filter((l) => l.includes('✓')).length;
      const ok = r.status === 0 && passed === node.length;
      const worst = Number(/largest relative digest difference: (\S+)/.exec(r.stdout)?.[1] ?? NaN);
      const how = worst === 0 ? "digests identical to Node's" : `largest relative digest difference ${worst.toExponential(1)}`;
      console.log(`portable deno: ${ok ? 'ok' : 'FAILED'}, ${passed}/${node.length} cases equal to Node's (${how}; deno test)`);
      if (!ok) {
        console.log(r.stdout);
        failed++;
      }
    } else if (host === 'chromium') {
      const { runChromium } = await import('./chromium.js');
      const run = await runChromium();
      const { errors } = run;
      const messages = [
        [errors.crossOriginIsolated === true, 'page cross-origin isolated'],
        [/HTTP 404/.test(errors.notFound), `missing worker script: ${errors.notFound}`],
        [/bare specifier 'comlink'/.test(errors.bareImport), `worker with a bare import: ${errors.bareImport}`],
        [/Cross-Origin-Embedder-Policy/.test(errors.coep), `worker importing from another origin: ${errors.coep}`],
      ] as const;
      for (const [ok, what] of messages) console.log(`  ${ok ? '✓' : '✗'} chromium: ${what}`);
      const bad = messages.filter(([ok]) => !ok).length;
      if (bad) console.log(run.console.join('\n'));
      verdict('chromium', compare('chromium', run.results, node), bad ? `; ${bad} error-message checks FAILED` : '; worker-failure messages as expected');
      if (bad && failed === 0) failed++;
    } else if (host === 'workerd') {
      const { runWorkerd } = await import('./workerd.js');
      const run = await runWorkerd();
      const checks = [
        [run.prune.ok, `POST /prune: ${run.prune.detail}`],
        [/import the \.wasm file as a WebAssembly\.Module/.test(run.errors.bytes), `loadKernels(bytes): ${run.errors.bytes}`],
        [/no Web Workers/.test(run.errors.pool), `createWebPool: ${run.errors.pool}`],
        [run.notes.some((n) => /running on this thread/.test(n)), `webPoolOrNone: ${run.notes.join('; ')}`],
      ] as const;
      for (const [ok, what] of checks) console.log(`  ${ok ? '✓' : '✗'} workerd: ${what}`);
      const bad = checks.filter(([ok]) => !ok).length;
      verdict('workerd', compare('workerd', run.results, single), bad ? `; ${bad} Worker checks FAILED` : '; a Worker pruned an ONNX model per request');
      if (bad && failed === 0) failed++;
    }
  } catch (e) {
    console.log(`portable ${host}: FAILED: ${(e as Error).stack ?? e}`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
