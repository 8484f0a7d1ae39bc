// Weight sharing (Han et al. 2016): the nonzero weights of each Dense and Conv2d layer clustered
// by k-means into 2^bits shared values; each weight keeps only its cluster's index. Pruned
// weights (exact zeros) stay out of the clustering and stay zero.

import type { Model } from '../nn/model.js';
import type { ParamEntry } from '../nn/params.js';
import { kmeans1d } from './kmeans.js';

/** Bits of the cluster index per layer kind (Han et al.: 5 for fully connected, 8 for conv). */
export interface ShareBits {
  fc: number;
  conv: number;
}

export const SHARE_DEFAULTS: ShareBits = { fc: 5, conv: 8 };

/** One weight tensor as shared values: element i is codebook[assign[i]], or 0 where assign[i] = −1. */
export interface SharedTensor {
  node: string;
  name: string;
  shape: readonly number[];
  kind: 'fc' | 'conv';
  bits: number;
  /** 2^bits shared values, increasing. */
  codebook: Float32Array;
  assign: Int32Array;
}

/** The weights weight sharing acts on: those of Dense (fc) and Conv2d (conv) layers. */
export function shareableWeights(model: Model): (ParamEntry & { kind: 'fc' | 'conv' })[] {
  return model.params.entries.flatMap((e) => {
    const op = model.graph.node(e.node).layer.op;
    if (!e.trainable || e.name !== 'weight' || (op !== 'Dense' && op !== 'Conv2d')) return [];
    return [{ ...e, kind: op === 'Dense' ? 'fc' as const : 'conv' as const }];
  });
}

/** Checks `bits` (each 1–8: indices are stored in a byte) and fills in the defaults. */
export function shareBits(bits: Partial<ShareBits> = {}): ShareBits {
  const out = { ...SHARE_DEFAULTS, ...bits };
  for (const key of ['fc', 'conv'] as const) {
    const b = out[key];
    if (!Number.isInteger(b) || b < 1 || b > 8) throw new RangeError(`weight sharing: bits ${key}=${b} must be an integer in 1–8`);
  }
  return out;
}

/**
 * Clusters every shareable weight of `model` (k-means per layer, linear initialisation) and
 * writes the shared values into the model, so it computes what the compressed file will.
 */
export function shareWeights(model: Model, bits: Partial<ShareBits> = {}): SharedTensor[] {
  const b = shareBits(bits);
  const values = model.params.values.f32();
  const shared = shareableWeights(model).map((e) => {
    const w = values.subarray(e.start, e.start + e.size);
    const positions: number[] = [];
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) positions.push(i);
    const kept = Float32Array.from(positions, (i) => w[i]);
    const k = 2 ** b[e.kind];
    const { centroids, assign } = kmeans1d(kept, k);
    const full = new Int32Array(e.size).fill(-1);
    positions.forEach((p, j) => (full[p] = assign[j]));
    return { node: e.node, name: e.name, shape: e.shape, kind: e.kind, bits: b[e.kind], codebook: centroids, assign: full };
  });
  for (const s of shared) writeShared(model, s);
  return shared;
}

/**
 * Writes a shared tensor's values into the model's parameter (after its codebook changed), and
 * drops the layer's sparse inference path, built from the weights before (useSparseKernels).
 */
export function writeShared(model: Model, s: SharedTensor): void {
  model.setInferenceForward(s.node, undefined);
  const w = model.params.value(s.node, s.name).f32();
  for (let i = 0; i < w.length; i++) w[i] = s.assign[i] < 0 ? 0 : s.codebook[s.assign[i]];
}
