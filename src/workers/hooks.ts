// Statistics hooks of a data pass: what to gather from each batch's forward (and, for some,
// backward) pass, and how two partial results merge. The same code runs on this thread and in
// the pool's workers, which is why hooks are named kinds with cloneable specs, not closures.
// The kinds lopper knows are in stat-hooks.ts; defineHook adds more (register at module top level
// in a module the worker entry imports too, or the workers will not know them).

import type { Model } from '../nn/model.js';
import type { Dataset } from '../nn/data/dataset.js';
import type { SoftmaxCrossEntropy } from '../nn/loss.js';

/** What to gather: `kind` names a registered hook, `node` the value it reads; the rest is the kind's. */
export interface HookSpec {
  kind: string;
  node: string;
  [option: string]: unknown;
}

/** One hook's result: counts and sums as plain arrays (structured-cloneable), `samples` seen. */
export interface HookResult {
  samples: number;
  [field: string]: number | Float64Array;
}

/** A pass's results by hook id. */
export type PassStats = Record<string, HookResult>;

/** A hook over one shard of samples: fed after every batch, closed into its result. */
export interface HookState {
  /** After the forward (and backward, for kinds with `gradients`) pass over `batch` samples, `indices` (of the dataset). */
  batch(batch: number, indices: Int32Array): void;
  /** The shard's result; frees what `open` allocated. */
  close(): HookResult;
}

export interface HookKind {
  /** Whether the batches need a backward pass (gradients of the summed loss w.r.t. activations). */
  gradients?: boolean;
  /** Throws, naming the hook and node, if the spec does not fit the model; runs before any work. */
  check(model: Model, spec: HookSpec, id: string): void;
  open(model: Model, spec: HookSpec): HookState;
  /** `a` and `b` from disjoint samples into one result, as if one shard had seen both. */
  merge(a: HookResult, b: HookResult): HookResult;
}

const kinds = new Map<string, HookKind>();

export function defineHook(kind: string, hook: HookKind): void {
  if (kinds.has(kind)) throw new Error(`defineHook: a hook kind '${kind}' exists already`);
  kinds.set(kind, hook);
}

export function hookKind(kind: string): HookKind {
  const h = kinds.get(kind);
  if (!h) throw new RangeError(`data pass: unknown hook kind '${kind}' (known: ${[...kinds.keys()].join(', ')})`);
  return h;
}

/** Checks every hook against the model (kind known, node present, shapes fitting). */
export function checkHooks(model: Model, hooks: Record<string, HookSpec>): void {
  for (const [id, spec] of Object.entries(hooks)) {
    if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string' || typeof spec.node !== 'string') {
      throw new TypeError(`data pass: hook '${id}' must be { kind, node, … }, got ${JSON.stringify(spec)}`);
    }
    const kind = hookKind(spec.kind);
    if (!model.graph.has(spec.node) && !model.graph.inputs.some((i) => i.name === spec.node)) {
      throw new RangeError(`data pass: hook '${id}' (${spec.kind}) reads '${spec.node}', not a node of model '${model.graph.name}'`);
    }
    kind.check(model, spec, id);
  }
}

/**
 * Runs `hooks` over the samples `indices` of `data` in batches, in inference mode (batch norm
 * on its running statistics, no dropout), with a backward pass of the summed loss when a hook
 * needs gradients. Returns each hook's result for these samples, unmerged with anything else.
 */
export function runHooks(
  model: Model, loss: SoftmaxCrossEntropy, data: Dataset, indices: Int32Array,
  hooks: Record<string, HookSpec>, batchSize: number, labelBuffer: (n: number) => Int32Array,
): PassStats {
  const ids = Object.keys(hooks);
  const gradients = ids.some((id) => hookKind(hooks[id].kind).gradients);
  const states: HookState[] = [];
  try {
    for (const id of ids) states.push(hookKind(hooks[id].kind).open(model, hooks[id]));
    const n = indices.length;
    const labels = labelBuffer(Math.min(n, batchSize));
    for (let start = 0; start < n; start += batchSize) {
      const part = indices.subarray(start, Math.min(n, start + batchSize));
      const batch = part.length;
      data.fillBatch(model.input(batch).f32(), labels, part);
      const logits = model.forward(batch, { training: false });
      if (gradients) {
        loss.forward(logits, labels.subarray(0, batch));
        const dLogits = loss.backward();
        // NOTE: the loss is a mean over the batch: × batch gives the gradient of the sum, so
        // per-sample terms add up the same whatever the batch or shard sizes.
        model.k.wasm.f32_scale(dLogits.offset, dLogits.offset, batch, dLogits.size);
        model.backward(dLogits);
      }
      for (const s of states) s.batch(batch, part);
    }
    const out: PassStats = {};
    ids.forEach((id, i) => { out[id] = states[i].close(); });
    states.length = 0;
    return out;
  } finally {
    for (const s of states) s.close();
  }
}

/** Merges the per-shard results of one pass, in shard order. */
export function mergeStats(hooks: Record<string, HookSpec>, parts: readonly PassStats[]): PassStats {
  const out: PassStats = {};
  for (const [id, spec] of Object.entries(hooks)) {
    const kind = hookKind(spec.kind);
    let acc: HookResult | undefined;
    for (const p of parts) acc = acc ? kind.merge(acc, p[id]) : p[id];
    if (acc) out[id] = acc;
  }
  return out;
}

/** Field-by-field sums: what merging counts and plain sums is. */
export function sumResults(a: HookResult, b: HookResult): HookResult {
  const out: HookResult = { samples: a.samples + b.samples };
  for (const key of Object.keys(a)) {
    if (key === 'samples') continue;
    const x = a[key];
    const y = b[key];
    if (typeof x === 'number') out[key] = x + (y as number);
    else {
      const s = new Float64Array(x.length);
      const yy = y as Float64Array;
      for (let i = 0; i < s.length; i++) s[i] = x[i] + yy[i];
      out[key] = s;
    }
  }
  return out;
}

/** [C, S] of a value per sample: channels on axis 0, S the product of the rest (1 for a vector). */
export function channelsOf(model: Model, node: string): [number, number] {
  const shape = model.graph.shapeOf(node);
  return [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
}
