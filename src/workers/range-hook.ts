// The range of a value as a data-pass hook (kind 'range'): min, max, count and, with `bins`, a
// histogram of |x| over [0, bins·width) with width a power of two, so shards (from different
// workers) merge exactly by re-binning. Int8 calibration (src/compress/quantize/calibrate.ts)
// picks its thresholds from these results.

import type { Model } from '../nn/model.js';
import { defineHook, type HookResult, type HookSpec } from './hooks.js';

/** What one observed value has seen; `hist` is empty when no histogram was asked for. */
export interface RangeState {
  min: number;
  max: number;
  count: number;
  width: number;
  hist: Float64Array;
}

/** An empty state, with a histogram of `bins` bins (0: min and max only). */
export function rangeInit(bins: number): RangeState {
  return { min: Infinity, max: -Infinity, count: 0, width: 0, hist: new Float64Array(bins) };
}

/** Folds `values` into `s` (in place) and returns it; refuses NaN and ±Infinity by name. */
export function rangeUpdate(s: RangeState, values: ArrayLike<number>): RangeState {
  let lo = s.min, hi = s.max;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`calibration: an activation is ${v} (the model or the data is broken)`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  s.min = lo;
  s.max = hi;
  s.count += values.length;
  const bins = s.hist.length;
  if (bins === 0 || values.length === 0) return s;
  fit(s, Math.max(Math.abs(lo), Math.abs(hi)));
  // Only zeros so far: no width yet, and zeros sit in bin 0 whatever the width becomes.
  if (s.width === 0) {
    s.hist[0] += values.length;
    return s;
  }
  const inv = 1 / s.width;
  for (let i = 0; i < values.length; i++) s.hist[Math.min(bins - 1, Math.floor(Math.abs(values[i]) * inv))]++;
  return s;
}

/** The state of both parts' data together (neither is changed). */
export function rangeMerge(a: RangeState, b: RangeState): RangeState {
  const out: RangeState = { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), count: a.count + b.count, width: a.width, hist: a.hist.slice() };
  const bins = a.hist.length;
  if (bins === 0 || b.count === 0) return out;
  if (a.count === 0) return { ...out, width: b.width, hist: b.hist.slice() };
  const other = { ...b, hist: b.hist.slice() };
  fit(out, other.width * bins * (1 - 1e-9));
  fit(other, out.width * bins * (1 - 1e-9));
  for (let i = 0; i < bins; i++) out.hist[i] += other.hist[i];
  return out;
}

// Widens the bins (doubling, pairs summed) until [0, bins·width) holds `absMax`.
function fit(s: RangeState, absMax: number): void {
  const bins = s.hist.length;
  if (s.width === 0) {
    if (absMax === 0) return;
    s.width = 2 ** Math.ceil(Math.log2(absMax / bins));
    if (absMax >= s.width * bins) s.width *= 2;
    return;
  }
  while (absMax >= s.width * bins) {
    const half = bins / 2;
    for (let i = 0; i < half; i++) s.hist[i] = s.hist[2 * i] + s.hist[2 * i + 1];
    s.hist.fill(0, half);
    s.width *= 2;
  }
}

/** The spec of a 'range' hook on `node` (a node's output or a graph input), with `bins` histogram bins (0: none). */
export function rangeHook(node: string, bins: number): HookSpec {
  return { kind: 'range', node, bins };
}

const asResult = (s: RangeState): HookResult => ({ samples: 0, ...s });
const asState = (r: HookResult): RangeState => ({ min: r.min as number, max: r.max as number, count: r.count as number, width: r.width as number, hist: r.hist as Float64Array });

defineHook('range', {
  check(_model: Model, spec: HookSpec, id: string) {
    const bins = spec.bins;
    if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 0 || bins % 2) {
      throw new RangeError(`data pass: hook '${id}' (range): 'bins' must be an even integer ≥ 0, got ${JSON.stringify(bins)}`);
    }
  },
  open(model, spec) {
    const isInput = model.graph.inputs.some((i) => i.name === spec.node);
    const s = rangeInit(spec.bins as number);
    let samples = 0;
    return {
      batch(batch) {
        samples += batch;
        rangeUpdate(s, (isInput ? model.input(batch, spec.node) : model.activation(spec.node)).f32());
      },
      close: () => ({ ...asResult(s), samples }),
    };
  },
  merge: (a, b) => ({ ...asResult(rangeMerge(asState(a), asState(b))), samples: a.samples + b.samples }),
});
