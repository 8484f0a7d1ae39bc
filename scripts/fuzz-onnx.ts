// Fuzzes the ONNX importer: 10,000 mutated fixtures by default (test/helpers/onnx-fuzz.ts says
// how they are mutated), each imported and, when it imports, run once. A worker runs the cases;
// this thread watches it, so a case that hangs is reported (and skipped) instead of stalling.
//
//   node --import tsx scripts/fuzz-onnx.ts [--cases 10000] [--start 0] [--timeout-ms 10000]
//
// Prints counts by outcome, mutation and error code, the slowest case and the peak memory; exits
// 1 on any crash (an error that is not an OnnxError with a message), hang or runaway allocation.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { parseArgs } from 'node:util';

interface Report {
  seed: number;
  fixture: string;
  mutation: string;
  kind: 'ok' | 'refused' | 'crash';
  code?: string;
  ms: number;
  message: string;
  rss: number;
}

/** Peak resident memory that counts as runaway allocation (the caps keep a case far below it). */
const RUNAWAY_BYTES = 3 * 2 ** 30;

if (isMainThread) {
  const { values } = parseArgs({ options: { cases: { type: 'string', default: '10000' }, start: { type: 'string', default: '0' }, 'timeout-ms': { type: 'string', default: '10000' } } });
  const total = Number(values.cases);
  const start = Number(values.start);
  const timeout = Number(values['timeout-ms']);
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const problems: string[] = [];
  let slowest: Report | undefined;
  let peak = 0;
  let next = start;
  const end = start + total;
  const t0 = performance.now();

  const run = (): Promise<void> => new Promise((resolve) => {
    if (next >= end) { resolve(); return; }
    // NOTE: Node 20 does not carry `--import tsx` into workers: the worker registers tsx itself.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { from: next, to: end } });
    let current = next;
    let running = false;
    let timer = setTimeout(onHang, timeout);
    function onHang() {
      problems.push(`hang: seed ${current} ran longer than ${timeout} ms`);
      bump('hang');
      next = current + 1;
      void worker.terminate().then(() => resolve(run()));
    }
    worker.on('message', (r: Report & { started?: number }) => {
      if (r.started !== undefined) { current = r.started; running = true; return; }
      clearTimeout(timer);
      timer = setTimeout(onHang, timeout);
      next = r.seed + 1;
      bump(r.kind);
      bump(`${r.mutation}: ${r.kind}`);
      if (r.code) bump(`code ${r.code}`);
      peak = Math.max(peak, r.rss);
      if (!slowest || r.ms > slowest.ms) slowest = r;
      if (r.kind === 'crash') problems.push(`crash: seed ${r.seed} (${r.mutation} of ${r.fixture}): ${r.message}`);
      if (r.rss > RUNAWAY_BYTES) problems.push(`runaway allocation: seed ${r.seed} (${r.mutation} of ${r.fixture}) left ${(r.rss / 2 ** 20).toFixed(0)} MB resident`);
      const done = next - start;
      if (done % 1000 === 0) process.stderr.write(`  ${done} / ${total} cases, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      if (!running) {
        console.error(`fuzz-onnx: the worker failed to start: ${e.message}`);
        process.exit(2);
      }
      problems.push(`crash: seed ${current} killed the worker: ${e.message}`);
      bump('crash');
      next = current + 1;
      resolve(run());
    });
    worker.on('exit', () => { clearTimeout(timer); if (next >= end) resolve(); });
  });

  await run();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`fuzz-onnx: ${total} cases (seeds ${start}–${end - 1}) in ${seconds.toFixed(1)} s`);
  for (const key of ['ok', 'refused', 'crash', 'hang']) console.log(`  ${key.padEnd(9)} ${counts.get(key) ?? 0}`);
  console.log('  by mutation:');
  for (const [key, n] of [...counts].filter(([k]) => k.includes(': ')).sort()) console.log(`    ${key.padEnd(28)} ${n}`);
  console.log('  refusals by code:');
  for (const [key, n] of [...counts].filter(([k]) => k.startsWith('code ')).sort((a, b) => b[1] - a[1])) console.log(`    ${key.slice(5).padEnd(20)} ${n}`);
  if (slowest) console.log(`  slowest: seed ${slowest.seed} (${slowest.mutation} of ${slowest.fixture}) ${slowest.ms.toFixed(1)} ms`);
  console.log(`  peak resident memory: ${(peak / 2 ** 20).toFixed(0)} MB`);
  for (const p of problems) console.log(`  PROBLEM ${p}`);
  console.log(problems.length ? `${problems.length} problems` : '0 crashes, 0 hangs, 0 runaway allocations');
  process.exit(problems.length ? 1 : 0);
} else {
  const { onnxFixtures } = await import('../test/helpers/onnx-fixtures.js');
  const { fuzzCase, runFuzzCase } = await import('../test/helpers/onnx-fuzz.js');
  const { loadNodeKernels } = await import('../src/node/kernels.js');
  const k = await loadNodeKernels();
  const fixtures = onnxFixtures();
  const { from, to } = workerData as { from: number; to: number };
  for (let seed = from; seed < to; seed++) {
    parentPort!.postMessage({ started: seed });
    const c = fuzzCase(fixtures, seed);
    const o = runFuzzCase(c, k);
    const report: Report = { seed, fixture: c.fixture, mutation: c.mutation, kind: o.kind, code: o.code, ms: o.ms, message: o.message.slice(0, 2000), rss: process.memoryUsage().rss };
    parentPort!.postMessage(report);
  }
}
