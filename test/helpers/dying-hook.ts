// A hook kind that ends the worker thread running it (exit code 7) when its spec says `die`:
// loaded into test workers before the entry, to check that a pass survives a crashing worker.
import { defineHook } from '../../src/workers/hooks.js';

defineHook('die', {
  check() {},
  open(_model, spec) {
    if (spec.die) process.exit(7);
    return { batch() {}, close: () => ({ samples: 0 }) };
  },
  merge: (a, b) => ({ samples: a.samples + b.samples }),
});
