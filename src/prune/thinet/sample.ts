// ThiNet sampling (Luo et al. 2017): m random (image, output channel, location) triples of a layer
// that reads a group's channels, and per unit u of the group its contribution x̂_u there (bias
// excluded). The per-batch work, `sampleBatch` (the wasm gather), reads only that layer's input (it
// lives with the data-pass hook that runs it on shards, src/workers/thinet-hook.ts);
// `sampleContributions` runs it on one thread over a Dataset, `samplePass` on any data pass.

import { memberEntries, type ChannelGroup } from '../../graph/dependency.js';
import type { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { Dense } from '../../nn/layers/dense.js';
import { Rng } from '../../nn/random.js';
import type { DataPass } from '../../workers/pass.js';
import { sampleBatch, type Consumer, type SamplePlan, type ThinetHookSpec } from '../../workers/thinet-hook.js';

export { sampleBatch, type Consumer, type SamplePlan };

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
    if (m.count < group.units) {
      throw new Error(`thinet: '${m.node}' reads units [${m.first}, ${m.first + m.count}) of the ${group.units} of ${group.producers.join(', ')} (after a channel Slice); ` +
        `ThiNet reconstructs readers of the whole group`);
    }
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

export interface SampleOptions {
  /** Triples per consumer (default 10,000). */
  samples?: number;
  seed?: number;
  /** How many images of `data` to draw them from, a seeded subset (default min(N, ⌈samples / 10⌉)). */
  images?: number;
  batchSize?: number;
}

/** The sampled images (sample indices of `data`) and one plan per consumer, seeded; options checked. */
function drawSamples(consumers: readonly Consumer[], data: Dataset, options: SampleOptions): { images: Int32Array; plans: SamplePlan[]; m: number } {
  const m = options.samples ?? 10_000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`thinet: samples must be an integer ≥ 1, got ${m}`);
  const imageCount = Math.min(data.size, options.images ?? Math.ceil(m / 10));
  if (!Number.isInteger(imageCount) || imageCount < 1) throw new RangeError(`thinet: images must be an integer ≥ 1, got ${options.images}`);
  const images = new Rng(seed).shuffle(Int32Array.from({ length: data.size }, (_, i) => i)).subarray(0, imageCount);
  const plans = consumers.map((c, i) => planSamples(c, imageCount, m, seed + 7919 * (i + 1)));
  return { images, plans, m };
}

/** Runs the model over a seeded subset of `data` and samples every consumer of `group` (one thread). */
export function sampleContributions(model: Model, group: ChannelGroup, data: Dataset, options: SampleOptions = {}): ConsumerSamples[] {
  const consumers = consumersOf(model, group);
  const { images, plans, m } = drawSamples(consumers, data, options);
  const imageCount = images.length;
  const out = consumers.map((consumer) => ({ consumer, xhat: new Float32Array(m * consumer.units), y: new Float32Array(m) }));
  const batch = Math.min(options.batchSize ?? 64, imageCount);
  for (let first = 0; first < imageCount; first += batch) {
    const count = Math.min(batch, imageCount - first);
    const input = model.input(count);
    const x = input.f32();
    data.fillBatch(x, null, images.subarray(first, first + count));
    model.forward(count);
    consumers.forEach((c, i) => {
      sampleBatch(c, model.params.value(c.node, 'weight'), model.activation(c.input), first, count, plans[i], out[i].xhat, out[i].y);
    });
  }
  return out;
}

/**
 * The same samples as `sampleContributions`, gathered by a data pass (this thread or a worker
 * pool): one 'thinet' hook per consumer over the sampled images.
 */
export async function samplePass(model: Model, group: ChannelGroup, data: Dataset, pass: DataPass, options: SampleOptions = {}): Promise<ConsumerSamples[]> {
  const consumers = consumersOf(model, group);
  const { images, plans } = drawSamples(consumers, data, options);
  const hooks: Record<string, ThinetHookSpec> = Object.fromEntries(consumers.map((consumer, i) => [
    `thinet:${consumer.node}`, { kind: 'thinet', node: consumer.input, consumer, plan: plans[i], images },
  ]));
  const stats = await pass.run(model, data, hooks, { indices: images, ...(options.batchSize ? { batchSize: options.batchSize } : {}) });
  return consumers.map((consumer) => {
    const r = stats[`thinet:${consumer.node}`];
    return { consumer, xhat: Float32Array.from(r.xhat as Float64Array), y: Float32Array.from(r.y as Float64Array) };
  });
}
