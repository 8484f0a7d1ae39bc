// Runs one wasm export and its reference twin on copies of the same arguments and compares
// every array argument afterwards (outputs and in-outs) and the returned scalar.
// Passing the same array object twice makes both sides alias it (in-place tests).

import type { Kernels } from '../../src/kernels/kernels.js';
import type { Tensor } from '../../src/kernels/tensor.js';
import * as reference from '../../src/kernels/reference/index.js';
import { assertClose, type Tolerance } from './close.js';

export type Arg = number | Float32Array | Int32Array | Int8Array;

export interface TwinOptions extends Tolerance {
  /** Bytes of scratch to append as the last wasm argument. */
  scratch?: number;
  /** Tolerance for the returned scalar, when it differs from the arrays'. */
  returnTolerance?: Tolerance;
}

export function twin(k: Kernels, name: string, args: Arg[], label: string, options: TwinOptions = {}): void {
  const ref = (reference as unknown as Record<string, (...a: Arg[]) => number | void>)[name];
  const fn = (k.wasm as unknown as Record<string, (...a: number[]) => number | void>)[name];
  if (!ref) throw new Error(`no reference twin named ${name}`);
  if (!fn) throw new Error(`no wasm export named ${name}`);

  const onHeap = new Map<Arg, Tensor>();
  const copies = new Map<Arg, Float32Array | Int32Array | Int8Array>();
  for (const a of args) {
    if (typeof a === 'number' || onHeap.has(a)) continue;
    onHeap.set(a, k.from(a, [a.length], a instanceof Int32Array ? 'i32' : a instanceof Int8Array ? 'i8' : 'f32'));
    copies.set(a, a.slice());
  }
  try {
    const wasmArgs = args.map((a) => (typeof a === 'number' ? a : onHeap.get(a)!.offset));
    if (options.scratch !== undefined) wasmArgs.push(k.scratch(options.scratch));
    const got = fn(...wasmArgs);
    const want = ref(...args.map((a) => (typeof a === 'number' ? a : copies.get(a)!)));
    const where = `${name} ${label} [${k.build}]`;
    if (typeof want === 'number') {
      assertClose([got as number], [want], `${where} returned`, options.returnTolerance ?? options);
    }
    for (const [a, t] of onHeap) {
      assertClose(t.toArray(), copies.get(a)!, `${where} argument #${args.indexOf(a)}`, options);
    }
  } finally {
    for (const t of onHeap.values()) t.dispose();
  }
}
