// Magnitude pruning (Han et al., NIPS 2015): mask the connections with the smallest |w|.
// Thresholds come from a quality parameter × the layer's weight std, a target sparsity per
// layer, or one global sparsity across layers. Already-masked weights stay masked.

import type { Model } from '../nn/model.js';
import { prunableWeights } from './masks.js';
import { checkModel, checkOptions, describe } from '../nn/check.js';

export type MagnitudeTarget =
  /** Per layer: prune |w| < quality · std(w) (Han's "quality parameter"). */
  | { kind: 'quality'; quality: number | Record<string, number> }
  /** Per layer: this share of the layer's weights (a number for every layer, or per layer name). */
  | { kind: 'layer'; sparsity: number | Record<string, number> }
  /** One threshold across all prunable layers, reaching this share overall. */
  | { kind: 'global'; sparsity: number };

/** Updates the model's mask (turning masking on) and zeroes the newly masked weights. */
export function pruneByMagnitude(model: Model, target: MagnitudeTarget): void {
  checkModel('pruneByMagnitude', 'model', model);
  checkOptions('pruneByMagnitude', 'target', target);
  if (!['quality', 'layer', 'global'].includes(target.kind)) {
    throw new RangeError(`pruneByMagnitude: 'target.kind' must be 'quality', 'layer' or 'global', got ${describe(target.kind)}`);
  }
  const amount = target.kind === 'quality' ? target.quality : target.sparsity;
  if (typeof amount !== 'number' && (target.kind === 'global' || typeof amount !== 'object' || amount === null || Array.isArray(amount))) {
    const key = target.kind === 'quality' ? 'quality' : 'sparsity';
    throw new TypeError(`pruneByMagnitude: 'target.${key}' must be a number${target.kind === 'global' ? '' : ' or a map of layer name → number'}, got ${describe(amount)}`);
  }
  const entries = prunableWeights(model);
  const names = new Set(entries.map((e) => e.node));
  const perLayer = (v: number | Record<string, number>, node: string): number => {
    if (typeof v === 'number') return v;
    for (const name of Object.keys(v)) if (!names.has(name)) throw new RangeError(`magnitude pruning: no prunable layer '${name}' (prunable: ${[...names].join(', ')})`);
    return v[node] ?? 0;
  };
  const check = (s: number, what: string) => {
    if (typeof s !== 'number') throw new TypeError(`magnitude pruning: ${what} must be a number, got ${describe(s)}`);
    if (!(s >= 0 && s < 1)) throw new RangeError(`magnitude pruning: ${what} must be in [0, 1), got ${s}`);
    return s;
  };
  if (target.kind === 'quality') {
    for (const e of entries) {
      const q = perLayer(target.quality, e.node);
      if (!(q >= 0 && Number.isFinite(q))) throw new RangeError(`magnitude pruning: quality for '${e.node}' must be a finite number ≥ 0, got ${q}`);
    }
  } else if (target.kind === 'layer') {
    for (const e of entries) check(perLayer(target.sparsity, e.node), `sparsity for '${e.node}'`);
  } else check(target.sparsity, 'global sparsity');

  const mask = model.params.enableMask().f32();
  const values = model.params.values.f32();
  if (target.kind === 'global') {
    const all = new Float32Array(entries.reduce((n, e) => n + e.size, 0));
    let at = 0;
    for (const e of entries) for (let i = e.start; i < e.start + e.size; i++) all[at++] = mask[i] === 0 ? 0 : Math.abs(values[i]);
    const t = kth(all, Math.floor(target.sparsity * all.length));
    for (const e of entries) applyThreshold(values, mask, e.start, e.size, t);
    return;
  }
  for (const e of entries) {
    const w = values.subarray(e.start, e.start + e.size);
    if (target.kind === 'quality') {
      const q = perLayer(target.quality, e.node);
      applyThreshold(values, mask, e.start, e.size, q * std(w));
    } else {
      const s = perLayer(target.sparsity, e.node);
      const magnitudes = Float32Array.from(w, (v, i) => (mask[e.start + i] === 0 ? 0 : Math.abs(v)));
      applyThreshold(values, mask, e.start, e.size, kth(magnitudes, Math.floor(s * e.size)));
    }
  }
}

/** Masks every weight with |w| < t (and keeps masked what already was). */
function applyThreshold(values: Float32Array, mask: Float32Array, start: number, size: number, t: number): void {
  for (let i = start; i < start + size; i++) {
    if (Math.abs(values[i]) < t || mask[i] === 0) {
      mask[i] = 0;
      values[i] = 0;
    }
  }
}

/** The n-th smallest value (0-based); with n = 0, the smallest. Pruning masks everything strictly below it. */
function kth(values: Float32Array, n: number): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort();
  return sorted[Math.min(n, sorted.length - 1)];
}

function std(w: Float32Array): number {
  let mean = 0;
  for (const v of w) mean += v;
  mean /= w.length;
  let s = 0;
  for (const v of w) s += (v - mean) ** 2;
  return Math.sqrt(s / w.length);
}
