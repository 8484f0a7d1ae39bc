// ThiNet's sampling as a data-pass hook (kind 'thinet'): the rows of a sample plan that fall on
// the shard's images, x̂ per unit and ŷ, zero elsewhere, so shards (rows disjoint) merge by adding.
// The per-batch work, `sampleBatch`, is a pure function of the reading layer's input; the plan and
// the layer's geometry come in the spec (src/prune/thinet/sample.ts makes both).

import { defineHook, sumResults } from './hooks.js';

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
 * consumer's input for those images ([count, C, H, W]); returns how many rows it filled.
 * `weight` is the consumer's weight ([OC, C, KH, KW], or [OC, C]). Pure: writes only its rows.
 */
export function sampleBatch(
  c: Consumer, weight: Float32Array, x: Float32Array, first: number, count: number,
  plan: SamplePlan, xhat: Float32Array | Float64Array, y: Float32Array | Float64Array,
): number {
  const [KH, KW, SH, SW, PH, PW, DH, DW] = c.geometry;
  const { C, H, W, OW, units, perUnit, entries } = c;
  const HW = H * W, K = KH * KW;
  // Contribution of every input entry, then per unit: a row of C values (most are the group's).
  const perEntry = new Float64Array(C);
  let r = lowerBound(plan.image, first);
  const start = r;
  for (; r < plan.image.length && plan.image[r] < first + count; r++) {
    const xb = (plan.image[r] - first) * C * HW;
    const oc = plan.channel[r];
    const oh = Math.floor(plan.location[r] / OW), ow = plan.location[r] % OW;
    let total = 0;
    for (let e = 0; e < C; e++) {
      let s = 0;
      const wBase = (oc * C + e) * K;
      const xBase = xb + e * HW;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * SH - PH + kh * DH;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * SW - PW + kw * DW;
          if (iw < 0 || iw >= W) continue;
          s += weight[wBase + kh * KW + kw] * x[xBase + ih * W + iw];
        }
      }
      perEntry[e] = s;
      total += s;
    }
    for (let u = 0; u < units; u++) {
      let s = 0;
      for (let t = 0; t < perUnit; t++) s += perEntry[entries[u * perUnit + t]];
      xhat[r * units + u] = s;
    }
    y[r] = total;
  }
  return r - start;
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
    const weight = model.params.value(c.node, 'weight').toArray() as Float32Array;
    const position = new Map<number, number>();
    images.forEach((index, p) => position.set(index, p));
    const m = plan.image.length;
    const xhat = new Float64Array(m * c.units);
    const y = new Float64Array(m);
    const size = c.C * c.H * c.W;
    let samples = 0, rows = 0;
    return {
      batch(batch, indices) {
        const x = model.activation(spec.node).f32();
        for (let b = 0; b < batch; b++) {
          const p = position.get(indices[b]);
          if (p !== undefined) rows += sampleBatch(c, weight, x.subarray(b * size, (b + 1) * size), p, 1, plan, xhat, y);
        }
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
