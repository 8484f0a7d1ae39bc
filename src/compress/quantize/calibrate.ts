// Activation calibration for symmetric int8: the clipping threshold of each observed value from
// min-max, a percentile of |x|, or the KL-optimal threshold (entropy, as TensorRT). Written as a
// per-batch hook (update) with a plain-data state and a reduce (merge), so a data pass over a
// worker pool can run it; `calibrate` drives it over a dataset on this thread.

import type { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

export interface CalibrationOptions {
  method?: CalibrationMethod;
  /** For 'percentile': the share of |x| kept inside the range, in (0, 100] (default 99.99). */
  percentile?: number;
  /** Histogram bins of |x| for 'percentile' and 'entropy' (default 2048). */
  bins?: number;
}

/**
 * What one observed value has seen: min and max, and a histogram of |x| over [0, bins·width)
 * with width a power of two, so states from different workers merge by re-binning, exactly.
 */
export interface RangeState {
  min: number;
  max: number;
  count: number;
  width: number;
  hist: number[];
}

const LEVELS = 128; // |q| ≤ 127: 128 levels of magnitude, zero included

export class Calibrator {
  readonly method: CalibrationMethod;
  readonly percentile: number;
  readonly bins: number;

  constructor(options: CalibrationOptions = {}) {
    const method = options.method ?? 'minmax';
    if (!CALIBRATION_METHODS.includes(method)) {
      throw new RangeError(`calibration: 'method' must be one of ${CALIBRATION_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    }
    const percentile = options.percentile ?? 99.99;
    if (!(percentile > 0 && percentile <= 100)) throw new RangeError(`calibration: 'percentile' must be in (0, 100], got ${percentile}`);
    const bins = options.bins ?? 2048;
    if (!Number.isInteger(bins) || bins < 2 * LEVELS || bins % 2) throw new RangeError(`calibration: 'bins' must be an even integer ≥ ${2 * LEVELS}, got ${bins}`);
    this.method = method;
    this.percentile = percentile;
    this.bins = bins;
  }

  init(): RangeState {
    return { min: Infinity, max: -Infinity, count: 0, width: 0, hist: this.method === 'minmax' ? [] : new Array(this.bins).fill(0) };
  }

  /** The per-batch hook: folds `values` into `s` (in place) and returns it. */
  update(s: RangeState, values: ArrayLike<number>): RangeState {
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
    if (this.method === 'minmax' || values.length === 0) return s;
    this.fit(s, Math.max(Math.abs(lo), Math.abs(hi)));
    // Only zeros so far: no width yet, and zeros sit in bin 0 whatever the width becomes.
    if (s.width === 0) {
      s.hist[0] += values.length;
      return s;
    }
    const inv = 1 / s.width;
    for (let i = 0; i < values.length; i++) s.hist[Math.min(this.bins - 1, Math.floor(Math.abs(values[i]) * inv))]++;
    return s;
  }

  /** The reduce: the state of both parts' data together. */
  merge(a: RangeState, b: RangeState): RangeState {
    const out: RangeState = { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), count: a.count + b.count, width: a.width, hist: [...a.hist] };
    if (this.method === 'minmax' || b.count === 0) return out;
    if (a.count === 0) return { ...out, width: b.width, hist: [...b.hist] };
    const other = { ...b, hist: [...b.hist] };
    this.fit(out, other.width * this.bins * (1 - 1e-9));
    this.fit(other, out.width * this.bins * (1 - 1e-9));
    for (let i = 0; i < this.bins; i++) out.hist[i] += other.hist[i];
    return out;
  }

  /** The clipping threshold T (the int8 scale is T / 127); 0 when every value seen was 0. */
  threshold(s: RangeState): number {
    if (s.count === 0) throw new RangeError('calibration: no values were observed (empty dataset?)');
    const absMax = Math.max(Math.abs(s.min), Math.abs(s.max));
    if (this.method === 'minmax' || absMax === 0) return absMax;
    const last = lastNonzero(s.hist);
    if (this.method === 'percentile') {
      const want = s.count * this.percentile / 100;
      let sum = 0;
      for (let i = 0; i <= last; i++) {
        sum += s.hist[i];
        if (sum >= want) return Math.min(absMax, (i + 1) * s.width);
      }
      return absMax;
    }
    // NOTE: bin 0 (zeros, a ReLU's spike) is left out of the divergence: zero is exact at any
    // scale, and its mass would otherwise pull the threshold far down (tested on LeNet-5's fc2 input).
    return Math.min(absMax, (klBest([0, ...s.hist.slice(1)], last) + 0.5) * s.width);
  }

  // Widens the bins (doubling, pairs summed) until [0, bins·width) holds `absMax`.
  private fit(s: RangeState, absMax: number): void {
    if (s.width === 0) {
      if (absMax === 0) return;
      s.width = 2 ** Math.ceil(Math.log2(absMax / this.bins));
      if (absMax >= s.width * this.bins) s.width *= 2;
      return;
    }
    while (absMax >= s.width * this.bins) {
      const half = this.bins / 2;
      for (let i = 0; i < half; i++) s.hist[i] = s.hist[2 * i] + s.hist[2 * i + 1];
      s.hist.fill(0, half);
      s.width *= 2;
    }
  }
}

function lastNonzero(hist: readonly number[]): number {
  let last = hist.length - 1;
  while (last > 0 && hist[last] === 0) last--;
  return last;
}

/**
 * TensorRT's entropy calibration: the bin count i (≥ 128) whose clipped distribution P (the
 * outliers folded into bin i − 1) loses least information, KL(P‖Q), when its bins are squeezed
 * into 128 levels Q (each level's mass spread evenly over the bins where P is non-zero).
 * Returns the last bin kept, i − 1.
 */
function klBest(hist: readonly number[], last: number): number {
  if (last < LEVELS) return last;
  let best = last;
  let bestKl = Infinity;
  const q = new Float64Array(last + 1);
  let outliers = 0;
  for (let i = last + 1; i >= LEVELS; i--) {
    if (i <= last) outliers += hist[i];
    let total = 0;
    for (let j = 0; j < i; j++) total += hist[j];
    total += outliers;
    const p = (j: number) => (j === i - 1 ? hist[j] + outliers : hist[j]);
    for (let g = 0; g < LEVELS; g++) {
      const start = Math.floor((g * i) / LEVELS);
      const end = Math.floor(((g + 1) * i) / LEVELS);
      let mass = 0, used = 0;
      for (let j = start; j < end; j++) { mass += hist[j]; if (p(j) > 0) used++; }
      for (let j = start; j < end; j++) q[j] = p(j) > 0 ? mass / used : 0;
    }
    let qTotal = 0;
    for (let j = 0; j < i; j++) qTotal += q[j];
    let kl = 0;
    for (let j = 0; j < i; j++) {
      const pj = p(j) / total;
      if (pj === 0) continue;
      // A level that got no mass (only the folded outliers) counts as very unlikely, not impossible.
      const qj = Math.max(q[j] / qTotal, 1e-12);
      kl += pj * Math.log(pj / qj);
    }
    if (kl < bestKl) { bestKl = kl; best = i; }
  }
  return best - 1;
}

export interface CalibrateOptions extends CalibrationOptions {
  batchSize?: number;
  /** Samples to calibrate on, from the start of the dataset's order (default all, at most 2048). */
  samples?: number;
}

/**
 * Thresholds of the named values (graph inputs or node outputs) over `data`, in inference mode,
 * one batch at a time on this thread.
 */
export function calibrate(model: Model, data: Dataset, values: readonly string[], options: CalibrateOptions = {}): Map<string, number> {
  const cal = new Calibrator(options);
  const batchSize = options.batchSize ?? 128;
  const n = Math.min(data.size, options.samples ?? 2048);
  if (n === 0) throw new RangeError(`calibrate: dataset '${data.name}' is empty`);
  const states = new Map(values.map((v) => [v, cal.init()]));
  const order = data.order();
  for (let start = 0; start < n; start += batchSize) {
    const indices = order.subarray(start, Math.min(n, start + batchSize));
    data.fillBatch(model.input(indices.length).f32(), null, indices);
    model.forward(indices.length, { training: false });
    for (const [v, s] of states) {
      const t = model.graph.inputs.some((i) => i.name === v) ? model.input(indices.length, v) : model.activation(v);
      cal.update(s, t.f32());
    }
  }
  return new Map([...states].map(([v, s]) => [v, cal.threshold(s)]));
}
