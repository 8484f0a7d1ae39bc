// ThiNet sampling (Luo et al. 2017): m random (image, output channel, location) triples of a layer
// that reads a group's channels, and per unit u of the group its contribution x̂_u there (bias
// excluded). The per-batch work, `sampleBatch`, is a pure function of that layer's input, so a
// data pass can run it on shards; `sampleContributions` runs it on one thread over a Dataset.

import { memberEntries, type ChannelGroup } from '../../graph/dependency.js';
import type { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { Dense } from '../../nn/layers/dense.js';
import { Rng } from '../../nn/random.js';

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

export interface ConsumerSamples {
  consumer: Consumer;
  /** x̂ [m, units]: row r, unit u = Σ over u's entries e of Σ_{kh,kw} W[c, e, kh, kw]·x[e, patch]. */
  xhat: Float32Array;
  /** ŷ [m]: the consumer's output at the triple, bias excluded (over all its inputs, not only the group's). */
  y: Float32Array;
}

/**
 * The layers reading `group`'s channels (its 'in' members): Conv2d with one group, or Dense.
 * Throws, naming the node, for any other reader.
 */
export function consumersOf(model: Model, group: ChannelGroup): Consumer[] {
  const out: Consumer[] = [];
  for (const m of group.members) {
    if (m.side !== 'in') continue;
    const node = model.graph.node(m.node);
    const layer = node.layer;
    const [C, H = 1, W = 1] = node.inputShapes[m.input];
    const [OC, OH = 1, OW = 1] = node.outputShape;
    let geometry: Consumer['geometry'];
    if (layer instanceof Conv2d && layer.groups === 1) {
      geometry = [...layer.kernel, ...layer.stride, ...layer.padding, ...layer.dilation];
    } else if (layer instanceof Dense) {
      geometry = [1, 1, 1, 1, 0, 0, 1, 1];
    } else {
      throw new Error(`thinet: '${m.node}' (${layer.op}) reads the channels of ${group.producers.join(', ')}; ` +
        `only Conv2d (ungrouped) and Dense readers are supported`);
    }
    const units = Array.from({ length: group.units }, (_, u) => u);
    out.push({
      node: m.node, input: node.inputs[m.input], C, H, W, OC, OH, OW, geometry,
      entries: Int32Array.from(memberEntries(m, units)), perUnit: m.perUnit, units: group.units,
    });
  }
  return out;
}

/** m triples over `imageCount` images, uniform and seeded, sorted by image. */
export function planSamples(consumer: Consumer, imageCount: number, m: number, seed: number): SamplePlan {
  const rng = new Rng(seed);
  const rows = Array.from({ length: m }, () => [rng.int(0, imageCount - 1), rng.int(0, consumer.OC - 1), rng.int(0, consumer.OH * consumer.OW - 1)]);
  rows.sort((a, b) => a[0] - b[0]);
  return {
    image: Int32Array.from(rows, (r) => r[0]),
    channel: Int32Array.from(rows, (r) => r[1]),
    location: Int32Array.from(rows, (r) => r[2]),
  };
}

/**
 * Fills x̂ and ŷ for the plan's rows whose image lies in [first, first + count), from `x`, the
 * consumer's input for those images ([count, C, H, W]); returns how many rows it filled.
 * `weight` is the consumer's weight ([OC, C, KH, KW], or [OC, C]). Pure: writes only its rows.
 */
export function sampleBatch(
  c: Consumer, weight: Float32Array, x: Float32Array, first: number, count: number,
  plan: SamplePlan, xhat: Float32Array, y: Float32Array,
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

export interface SampleOptions {
  /** Triples per consumer (default 10,000). */
  samples?: number;
  seed?: number;
  /** How many images of `data` to draw them from, a seeded subset (default min(N, ⌈samples / 10⌉)). */
  images?: number;
  batchSize?: number;
}

/** Runs the model over a seeded subset of `data` and samples every consumer of `group` (one thread). */
export function sampleContributions(model: Model, group: ChannelGroup, data: Dataset, options: SampleOptions = {}): ConsumerSamples[] {
  const m = options.samples ?? 10_000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`thinet: samples must be an integer ≥ 1, got ${m}`);
  const imageCount = Math.min(data.size, options.images ?? Math.ceil(m / 10));
  if (!Number.isInteger(imageCount) || imageCount < 1) throw new RangeError(`thinet: images must be an integer ≥ 1, got ${options.images}`);
  const consumers = consumersOf(model, group);
  const images = new Rng(seed).shuffle(Int32Array.from({ length: data.size }, (_, i) => i)).subarray(0, imageCount);
  const plans = consumers.map((c, i) => planSamples(c, imageCount, m, seed + 7919 * (i + 1)));
  const out = consumers.map((consumer) => ({ consumer, xhat: new Float32Array(m * consumer.units), y: new Float32Array(m) }));
  const weights = consumers.map((c) => model.params.value(c.node, 'weight').toArray() as Float32Array);
  const batch = Math.min(options.batchSize ?? 64, imageCount);
  for (let first = 0; first < imageCount; first += batch) {
    const count = Math.min(batch, imageCount - first);
    const input = model.input(count);
    const x = input.f32();
    data.fillBatch(x, null, images.subarray(first, first + count));
    model.forward(count);
    consumers.forEach((c, i) => {
      sampleBatch(c, weights[i], model.activation(c.input).f32(), first, count, plans[i], out[i].xhat, out[i].y);
    });
  }
  return out;
}

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
