// Progress bars for the long loops (epochs over batches, passes over data), drawn with cli-progress
// on stderr so stdout keeps only results. Off with --json, and when stderr is not a terminal (a
// log file gets no bar frames); a disabled bar does nothing.

import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Starts a bar of `total` steps of `unit` (replacing any bar still running). */
  start(label: string, total: number, unit: string): void;
  /** Moves to `value` steps done, with a short note (e.g. the running loss). */
  update(value: number, note?: string): void;
  /** Clears the bar. Safe to call when none runs. */
  stop(): void;
}

/** Whether bars are drawn: not with --json, and only on a terminal. */
export function barsEnabled(json: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
  return !json && stream.isTTY === true;
}

export function progress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled) return { start() {}, update() {}, stop() {} };
  let bar: SingleBar | null = null;
  // Ctrl-C while a bar runs: give the terminal its cursor back, then stop as Node would.
  const interrupted = () => {
    bar?.stop();
    process.exit(130);
  };
  const stop = () => {
    bar?.stop();
    bar = null;
    process.off('SIGINT', interrupted);
  };
  return {
    start(label, total, unit) {
      stop();
      bar = new SingleBar({
        stream,
        format: `${label} {bar} {value}/{total} ${unit}{note} | {duration_formatted}, ETA {eta_formatted}`,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 10,
      });
      bar.start(total, 0, { note: '' });
      process.once('SIGINT', interrupted);
    },
    update(value, note) {
      bar?.update(value, { note: note ? ` | ${note}` : '' });
    },
    stop,
  };
}
