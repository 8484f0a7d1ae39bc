// Ctrl-C during a long command: say what was kept and how to go on, then exit 130 (128 + SIGINT,
// what a shell reports for a process stopped by Ctrl-C).
//
// The handler runs when the main thread is free, which it is while workers train (the default).
// With --workers 1 the training loop keeps the thread, so the handler is not installed then and
// Ctrl-C stops the process at once as usual (the last checkpoint is whole either way: checkpoints
// are written to a temporary name and renamed).

/** Calls `say()` (the lines to print on stderr) and exits 130 on SIGINT; returns the remover. */
export function onInterrupt(say: () => string, enabled = true): () => void {
  if (!enabled) return () => {};
  const handler = () => {
    process.stderr.write(`${say()}\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
