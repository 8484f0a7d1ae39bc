// Median time per call with the `benchmark` package, sync or async, plus the record and table
// every bench suite writes. Ratios are only meaningful between records of the same run.

import Benchmark from 'benchmark';

export interface MeasureOptions {
  /** Seconds Benchmark.js may spend sampling (default 1.5). */
  maxTime?: number;
  minSamples?: number;
}

/** Median milliseconds per call of `fn` (awaited when it returns a promise). */
export function medianMs(name: string, fn: () => unknown, options: MeasureOptions = {}): Promise<number> {
  const probe = fn();
  const async = probe instanceof Promise;
  return Promise.resolve(probe).then(
    () =>
      new Promise<number>((resolve, reject) => {
        const bench = new Benchmark(name, {
          defer: async,
          maxTime: options.maxTime ?? 1.5,
          minSamples: options.minSamples ?? 5,
          fn: async
            ? (deferred: { resolve(): void }) => void (fn() as Promise<unknown>).then(() => deferred.resolve(), reject)
            : fn,
          onComplete() {
            if (bench.error) return reject(bench.error);
            const sample = [...bench.stats.sample].sort((a, b) => a - b);
            const mid = sample.length >> 1;
            const median = sample.length % 2 ? sample[mid] : (sample[mid - 1] + sample[mid]) / 2;
            resolve(median * 1000);
          },
        });
        bench.run({ async: true });
      }),
  );
}

/**
 * Medians of several systems measured in alternating rounds (a, b, c, a, b, c, …), each round a
 * short Benchmark.js run; the result per system is the median over rounds. On a shared machine
 * whose speed drifts, this compares the systems under the same conditions.
 */
export async function interleavedMs(systems: Record<string, () => unknown>, rounds = 5, options: MeasureOptions = {}): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(systems).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(systems)) samples[name].push(await medianMs(name, fn, { maxTime: 0.5, minSamples: 3, ...options }));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => {
    v.sort((a, b) => a - b);
    return [k, v[v.length >> 1]];
  }));
}

export interface BenchRecord {
  suite: string;
  kernel: string;
  shape: string;
  system: string;
  medianMs: number;
  gflops?: number;
  [extra: string]: unknown;
}

/** Prints records as an aligned table, with a ratio column against `baseline` per kernel+shape. */
export function printTable(records: BenchRecord[], ratioTo: (r: BenchRecord) => BenchRecord | undefined): void {
  const rows = records.map((r) => {
    const base = ratioTo(r);
    return [
      r.kernel, r.shape, r.system,
      r.medianMs < 1 ? r.medianMs.toFixed(4) : r.medianMs.toFixed(2),
      r.gflops === undefined ? '' : r.gflops.toFixed(1),
      base ? `${(base.medianMs / r.medianMs).toFixed(2)}× vs ${base.system}` : '',
    ];
  });
  const head = ['kernel', 'shape', 'system', 'median ms', 'GFLOP/s', 'speed'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(width[i])).join('  ');
  console.log(line(head));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
