// Ctrl-C during a long command: say what was kept and how to go on, then exit 130 (128 + SIGINT,
// what a shell reports for a process stopped by Ctrl-C).
//
// The handler runs when the main thread is free: while workers train (the default), and with
// --workers 1 because training, evaluation and data passes on this thread hand it back every
// HAND_BACK_MS (src/nn/train.ts). The last checkpoint is whole either way: checkpoints are written
// to a temporary name and renamed.

/** Calls `say()` (the lines to print on stderr) and exits 130 on SIGINT; returns the remover. */
export function onInterrupt(say: () => string): () => void {
  const handler = () => {
    process.stderr.write(`${say()}\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
