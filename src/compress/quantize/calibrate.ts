// Activation calibration for symmetric int8: the clipping threshold of each observed value from
// min-max, a percentile of |x|, or the KL-optimal threshold (entropy, as TensorRT). The ranges
// come from the data pass's 'range' hook (src/workers/range-hook.ts), so `calibrate` runs on this
// thread or on a worker pool alike; the Calibrator turns a range into a threshold.

import type { Model } from '../../nn/model.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { localPass, type DataPass } from '../../workers/pass.js';
import { rangeHook, rangeInit, rangeMerge, rangeUpdate, type RangeState } from '../../workers/range-hook.js';

export type { RangeState };

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

export interface CalibrationOptions {
  method?: CalibrationMethod;
  /** For 'percentile': the share of |x| kept inside the range, in (0, 100] (default 99.99). */
  percentile?: number;
  /** Histogram bins of |x| for 'percentile' and 'entropy' (default 2048). */
  bins?: number;
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

  /** Histogram bins the method needs (min-max needs none). */
  get histogramBins(): number {
    return this.method === 'minmax' ? 0 : this.bins;
  }

  init(): RangeState {
    return rangeInit(this.histogramBins);
  }

  /** Folds `values` into `s` (in place) and returns it (what the 'range' hook does per batch). */
  update(s: RangeState, values: ArrayLike<number>): RangeState {
    return rangeUpdate(s, values);
  }

  /** The state of both parts' data together. */
  merge(a: RangeState, b: RangeState): RangeState {
    return rangeMerge(a, b);
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

}

function lastNonzero(hist: ArrayLike<number>): number {
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
function klBest(hist: ArrayLike<number>, last: number): number {
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
  /** Where the forward passes run: a runner's pass (a worker pool) or, by default, this thread. */
  pass?: DataPass;
}

/**
 * Thresholds of the named values (graph inputs or node outputs) over `data`, in inference mode:
 * one data pass with a 'range' hook per value, on `options.pass` (this thread by default).
 */
export async function calibrate(model: Model, data: Dataset, values: readonly string[], options: CalibrateOptions = {}): Promise<Map<string, number>> {
  const cal = new Calibrator(options);
  const batchSize = options.batchSize ?? 128;
  const n = Math.min(data.size, options.samples ?? 2048);
  if (n === 0) throw new RangeError(`calibrate: dataset '${data.name}' is empty`);
  const hooks = Object.fromEntries(values.map((v) => [v, rangeHook(v, cal.histogramBins)]));
  const stats = await (options.pass ?? localPass()).run(model, data, hooks, { batchSize, indices: data.order().slice(0, n) });
  return new Map(values.map((v) => {
    const r = stats[v];
    return [v, cal.threshold({ min: r.min as number, max: r.max as number, count: r.count as number, width: r.width as number, hist: r.hist as Float64Array })];
  }));
}
