// ThiNet's sampling as a data-pass hook (kind 'thinet'): the rows of a sample plan that fall on
// the shard's images, x̂ per unit and ŷ, zero elsewhere, so shards (rows disjoint) merge by adding.
// The per-batch work, `sampleBatch`, gathers from the reading layer's input in wasm (thinetGather); the plan and
// the layer's geometry come in the spec (src/prune/thinet/sample.ts makes both).

import { defineHook, sumResults } from './hooks.js';
import type { Tensor } from '../kernels/tensor.js';
import { thinetGather } from '../kernels/ops/thinet.js';

/** A layer that reads a group's channels (layer i+1), and where the group's units sit on its input. */
export interface Consumer {
  node: string;
  /** The value it reads: its input activation, [C, H, W] per sample (Dense: [C], H = W = 1). */
  input: string;
  C: number; H: number; W: number;
  OC: number; OH: number; OW: number;
  /** Conv geometry [KH, KW, SH, SW, PH, PW, DH, DW]; all 1s and 0s for Dense. */
  geometry: readonly [number, number, number, number, number, number, number, number];
  /** Input entries (channels, or columns after a Flatten) of each unit of the group, unit after unit. */
  entries: Int32Array;
  /** How many entries each unit has (entries.length / units). */
  perUnit: number;
  units: number;
}

/** The sampled triples, sorted by image: row r is (images[r], channel[r], location[r]). */
export interface SamplePlan {
  /** Indices into the list of sampled images (0 … imageCount − 1), non-decreasing. */
  image: Int32Array;
  channel: Int32Array;
  /** oh·OW + ow. */
  location: Int32Array;
}

/**
 * Fills x̂ and ŷ for the plan's rows whose image lies in [first, first + count), from `x`, the
 * consumer's input for those images ([count, C, H, W], a tensor); returns how many rows it filled.
 * `weight` is the consumer's weight ([OC, C, KH, KW], or [OC, C]). Writes only its rows.
 */
export function sampleBatch(
  c: Consumer, weight: Tensor, x: Tensor, first: number, count: number,
  plan: SamplePlan, xhat: Float32Array | Float64Array, y: Float32Array | Float64Array,
): number {
  const start = lowerBound(plan.image, first), end = lowerBound(plan.image, first + count);
  const rows = Array.from({ length: end - start }, (_, i) => start + i);
  gatherRows(c, weight, x, rows, rows.map((r) => plan.image[r] - first), plan, xhat, y);
  return rows.length;
}

/** x̂ and ŷ of plan rows `rows`, row rows[i] read at sample at[i] of x, by the wasm gather (thinetGather). */
function gatherRows(
  c: Consumer, weight: Tensor, x: Tensor, rows: readonly number[], at: readonly number[],
  plan: SamplePlan, xhat: Float32Array | Float64Array, y: Float32Array | Float64Array,
): void {
  const n = rows.length;
  if (n === 0) return;
  const k = x.kernels;
  const triples = new Int32Array(3 * n);
  rows.forEach((r, i) => { triples[3 * i] = at[i]; triples[3 * i + 1] = plan.channel[r]; triples[3 * i + 2] = plan.location[r]; });
  const t = [k.from(triples, [n, 3], 'i32'), k.from(c.entries, [c.entries.length], 'i32'), k.tensor([n, c.units]), k.tensor([n])];
  try {
    const [tr, entries, xh, yy] = t;
    thinetGather(xh, yy, x, weight, tr, entries, c);
    const xv = xh.f32(), yv = yy.f32();
    rows.forEach((r, i) => {
      for (let u = 0; u < c.units; u++) xhat[r * c.units + u] = xv[i * c.units + u];
      y[r] = yv[i];
    });
  } finally {
    for (const x of t) x.dispose();
  }
}

/** The spec of a 'thinet' hook: `node` is `consumer.input`; `images[p]` the sample index of plan image p. */
export interface ThinetHookSpec {
  kind: 'thinet';
  node: string;
  consumer: Consumer;
  plan: SamplePlan;
  images: Int32Array;
  [option: string]: unknown;
}

// { samples, rows: plan rows filled, xhat: [m · units], y: [m] }.
defineHook('thinet', {
  check(model, spec, id) {
    const { consumer: c, plan, images } = spec as ThinetHookSpec;
    const shape = model.graph.shapeOf(spec.node);
    if (!model.graph.has(c.node) || shape.reduce((a, b) => a * b, 1) !== c.C * c.H * c.W) {
      throw new RangeError(`data pass: hook '${id}' (thinet) samples '${c.node}' reading [${c.C}, ${c.H}, ${c.W}] from '${spec.node}', which is [${shape}]`);
    }
    if (plan.image.some((p) => !(p >= 0 && p < images.length))) throw new RangeError(`data pass: hook '${id}' (thinet): a plan row names an image outside its ${images.length}`);
  },
  open(model, spec) {
    const { consumer: c, plan, images } = spec as ThinetHookSpec;
    const weight = model.params.value(c.node, 'weight');
    // The plan rows of each sampled image, by its sample index in the data.
    const rowsOf = new Map<number, number[]>();
    images.forEach((index) => rowsOf.set(index, []));
    plan.image.forEach((p, r) => rowsOf.get(images[p])!.push(r));
    const m = plan.image.length;
    const xhat = new Float64Array(m * c.units);
    const y = new Float64Array(m);
    let samples = 0, rows = 0;
    return {
      batch(batch, indices) {
        const picks: number[] = [], at: number[] = [];
        for (let b = 0; b < batch; b++) for (const r of rowsOf.get(indices[b]) ?? []) { picks.push(r); at.push(b); }
        gatherRows(c, weight, model.activation(spec.node), picks, at, plan, xhat, y);
        rows += picks.length;
        samples += batch;
      },
      close: () => ({ samples, rows, xhat, y }),
    };
  },
  merge: sumResults,
});

// The first index whose value is ≥ v in a non-decreasing array.
function lowerBound(a: Int32Array, v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
