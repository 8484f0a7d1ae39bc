// Aliasing checks for the kernel façade: kernels assume their outputs overlap nothing else unless
// ABI.md says so, so ops refuse overlapping tensors up front. Inputs may share memory freely.

import { DTYPE_BYTES, type Tensor } from '../tensor.js';

type Named = Record<string, Tensor | null | undefined>;

/**
 * Throws when an output overlaps another output or an input in wasm memory, except the pairs in
 * `allowed` (written "out=in"), which may be the very same tensor (in place) but not partly overlap.
 */
export function distinct(op: string, outputs: Named, inputs: Named = {}, allowed: readonly string[] = []): void {
  // NOTE: plain for-in loops, no intermediate arrays: this runs on every op call.
  for (const an in outputs) {
    const a = outputs[an];
    if (a == null) continue;
    const aEnd = a.offset + a.size * DTYPE_BYTES[a.dtype];
    let later = false;
    for (const bn in outputs) {
      if (bn === an) later = true;
      else if (later) overlap(op, an, a, aEnd, bn, outputs[bn], allowed);
    }
    for (const bn in inputs) overlap(op, an, a, aEnd, bn, inputs[bn], allowed);
  }
}

function overlap(op: string, an: string, a: Tensor, aEnd: number, bn: string, b: Tensor | null | undefined, allowed: readonly string[]): void {
  if (b == null || a.offset >= b.offset + b.size * DTYPE_BYTES[b.dtype] || b.offset >= aEnd) return;
  const same = a.offset === b.offset && a.size === b.size;
  if (same && allowed.includes(`${an}=${bn}`)) return;
  const may = allowed.filter((p) => p.startsWith(`${an}=`)).map((p) => `'${p.slice(an.length + 1)}'`);
  throw new Error(
    `${op}: '${an}' and '${bn}' overlap in memory (${same ? 'the same tensor' : 'partly'}); ` +
      (may.length ? `'${an}' may only be ${may.join(' or ')} (in place)` : `'${an}' must not alias another argument`),
  );
}
