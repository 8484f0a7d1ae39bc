// A labelled set of samples in NCHW order (N samples × C channels × H × W), with seeded shuffling,
// batching and normalisation. Holds data only: reading files lives in idx.ts, csv.ts, lop-dataset.ts
// and src/node/data.ts.

import { permutation } from './shuffle.js';

/** Pixels as stored: 8-bit (images, 0…255) or float32 (users' own features). */
export type Pixels = Uint8Array | Float32Array;

/**
 * Normalisation constants, in scaled units (8-bit pixels are first scaled to [0, 1]; float data
 * is not scaled): x = (pixel·scale − mean[c]) / std[c]. One number applies to every channel.
 */
export interface Normalise {
  mean: number | readonly number[];
  std: number | readonly number[];
}

/** The resolved constants a dataset records: one mean and one std per channel. */
export interface NormaliseConstants {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export interface DatasetInit {
  /** Named in every error and report, e.g. 'fashion-mnist/train'. */
  name: string;
  /** [C, H, W] of one sample; feature vectors are [1, 1, F]. */
  shape: readonly number[];
  /** N × C × H × W values, sample after sample. */
  pixels: Pixels;
  /** One class index per sample, in [0, classes). Its length is N. */
  labels: Int32Array | Uint8Array | readonly number[];
  /** Number of classes; default: the largest label + 1. */
  classes?: number;
  /**
   * 'auto' (default): per-channel mean and std computed from this dataset's data — build the
   * training split this way and pass its `normalise` to the test split. 'none': mean 0, std 1.
   */
  normalise?: Normalise | NormaliseConstants | 'auto' | 'none';
}

export interface BatchOptions {
  /** Visit samples in a seeded random order (default false: in order). */
  shuffle?: boolean;
  /** Seed of the order when shuffling (default 0). Pass a different seed per epoch, e.g. seed + epoch. */
  seed?: number;
  /** Leave out the last batch when it would be smaller than the batch size (default false). */
  dropLast?: boolean;
}

export interface Batch {
  /** batch × C × H × W normalised values. */
  x: Float32Array;
  /** batch labels. */
  y: Int32Array;
  /** The dataset indices of the samples, in batch order. */
  indices: Int32Array;
}

/** More classes than this is taken for a mistake (e.g. a regression target as the label column). */
export const MAX_CLASSES = 65536;

export class Dataset {
  readonly name: string;
  readonly shape: readonly [c: number, h: number, w: number];
  readonly classes: number;
  readonly pixels: Pixels;
  readonly labels: Int32Array;
  readonly normalise: NormaliseConstants;
  /** 1/255 for 8-bit pixels, 1 for float data. */
  readonly scale: number;
  /** C·H·W: values per sample. */
  readonly sampleSize: number;
  // Per channel: x = p·gain[c] + offset[c]; for 8-bit pixels a 256-entry table per channel instead.
  private readonly gain: Float64Array;
  private readonly offset: Float64Array;
  private readonly lut: Float32Array | null;

  constructor(init: DatasetInit) {
    const name = init.name;
    const what = `dataset '${name}'`;
    if (typeof name !== 'string') throw new TypeError(`dataset: name must be a string, got ${typeof name}`);
    const { pixels } = init;
    if (!(pixels instanceof Uint8Array) && !(pixels instanceof Float32Array)) {
      throw new TypeError(`${what}: pixels must be a Uint8Array or a Float32Array, got ${kind(pixels)}`);
    }
    const shape = init.shape;
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new RangeError(`${what}: shape must be [C, H, W] of positive integers, got ${show(shape)}`);
    }
    const [C, H, W] = shape;
    const S = C * H * W;
    const n = init.labels?.length;
    if (typeof n !== 'number') throw new TypeError(`${what}: labels must be an array of class indices, got ${kind(init.labels)}`);
    if (n === 0 || pixels.length === 0) throw new RangeError(`${what} is empty`);
    if (pixels.length !== n * S) {
      throw new RangeError(`${what}: ${n} labels × [${shape}] = ${n * S} pixel values expected, got ${pixels.length}` +
        (pixels.length % S === 0 ? ` (${pixels.length / S} samples)` : ''));
    }

    const labels = init.labels instanceof Int32Array ? init.labels : Int32Array.from(init.labels as ArrayLike<number>);
    let top = -1;
    for (let i = 0; i < n; i++) {
      const v = (init.labels as ArrayLike<number>)[i];
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what}: label of sample ${i} is ${v}, not a class index (an integer ≥ 0)`);
      if (v > top) top = v;
    }
    const classes = init.classes ?? top + 1;
    if (!Number.isInteger(classes) || classes < 1 || classes > MAX_CLASSES) {
      throw new RangeError(`${what}: classes must be an integer in [1, ${MAX_CLASSES}], got ${classes}` +
        (init.classes === undefined ? ` (the largest label + 1)` : ''));
    }
    if (top >= classes) {
      const i = labels.findIndex((v) => v >= classes);
      throw new RangeError(`${what}: label of sample ${i} is ${labels[i]}, outside [0, ${classes})`);
    }

    if (pixels instanceof Float32Array) {
      for (let k = 0; k < pixels.length; k++) {
        const v = pixels[k];
        if (v - v !== 0) { // NaN or ±Infinity
          const i = Math.floor(k / S), e = k - i * S;
          const c = Math.floor(e / (H * W)), h = Math.floor((e % (H * W)) / W), w = e % W;
          throw new RangeError(`${what}: sample ${i} has ${v} at [c=${c}, h=${h}, w=${w}] (value ${e} of ${S}); NaN and Infinity are refused`);
        }
      }
    }

    this.name = name;
    this.shape = [C, H, W];
    this.classes = classes;
    this.pixels = pixels;
    this.labels = labels;
    this.sampleSize = S;
    this.scale = pixels instanceof Uint8Array ? 1 / 255 : 1;
    const norm = init.normalise ?? 'auto';
    this.normalise = norm === 'auto' ? channelStats(pixels, C, H * W, this.scale)
      : norm === 'none' ? { mean: Array(C).fill(0), std: Array(C).fill(1) }
      : resolveNormalise(what, norm, C);
    Object.freeze(this.normalise.mean);
    Object.freeze(this.normalise.std);
    this.gain = Float64Array.from(this.normalise.std, (s) => this.scale / s);
    this.offset = Float64Array.from(this.normalise.mean, (m, c) => -m / this.normalise.std[c]);
    if (pixels instanceof Uint8Array) {
      this.lut = new Float32Array(256 * C);
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < 256; p++) this.lut[c * 256 + p] = (p * this.scale - this.normalise.mean[c]) / this.normalise.std[c];
      }
    } else this.lut = null;
  }

  /** N: the number of samples. */
  get size(): number {
    return this.labels.length;
  }

  /** Pixel storage: 'u8' or 'f32'. */
  get dtype(): 'u8' | 'f32' {
    return this.pixels instanceof Uint8Array ? 'u8' : 'f32';
  }

  /**
   * The samples [start, end) (sharing this dataset's memory) or the listed indices (copied, in the
   * listed order, repeats allowed). Keeps this dataset's classes and normalisation constants.
   */
  subset(selection: ArrayLike<number> | { start?: number; end?: number }, name?: string): Dataset {
    const N = this.size, S = this.sampleSize;
    const what = `dataset '${this.name}'`;
    if ('length' in selection) {
      const k = selection.length;
      if (k === 0) throw new RangeError(`${what}: subset of 0 indices would be empty`);
      const pixels = this.pixels instanceof Uint8Array ? new Uint8Array(k * S) : new Float32Array(k * S);
      const labels = new Int32Array(k);
      for (let j = 0; j < k; j++) {
        const i = checkIndex(what, selection[j], j, N);
        pixels.set(this.pixels.subarray(i * S, (i + 1) * S), j * S);
        labels[j] = this.labels[i];
      }
      return this.derive(name ?? `${this.name}[${k} of ${N}]`, pixels, labels, this.normalise);
    }
    const start = selection.start ?? 0;
    const end = selection.end ?? N;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > N || start > end) {
      throw new RangeError(`${what}: subset [${start}, ${end}) must satisfy 0 ≤ start ≤ end ≤ ${N} with integers`);
    }
    if (start === end) throw new RangeError(`${what}: subset [${start}, ${end}) is empty`);
    return this.derive(name ?? `${this.name}[${start}:${end}]`, this.pixels.subarray(start * S, end * S),
      this.labels.subarray(start, end), this.normalise);
  }

  /** The same samples with other normalisation constants (e.g. the training split's, for a test set). */
  withNormalise(normalise: Normalise | NormaliseConstants | 'auto' | 'none'): Dataset {
    return this.derive(this.name, this.pixels, this.labels, normalise);
  }

  /** The order of one epoch: 0 … N−1, or a seeded permutation of it. */
  order(options: Pick<BatchOptions, 'shuffle' | 'seed'> = {}): Int32Array {
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new RangeError(`dataset '${this.name}': seed must be an integer, got ${seed}`);
    if (options.shuffle) return permutation(this.size, seed);
    return Int32Array.from({ length: this.size }, (_, i) => i);
  }

  /** How many batches one epoch of `batches(batchSize, { dropLast })` yields. */
  batchCount(batchSize: number, dropLast = false): number {
    this.checkBatchSize(batchSize, dropLast);
    return dropLast ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  /**
   * One epoch in batches of `batchSize` normalised samples; each batch is freshly allocated (use
   * `fillBatch` with `order()` for an allocation-free loop). Arguments are checked here, before
   * the first batch is asked for.
   */
  batches(batchSize: number, options: BatchOptions = {}): Generator<Batch, void, undefined> {
    const count = this.batchCount(batchSize, options.dropLast);
    const order = this.order(options);
    const S = this.sampleSize, N = this.size;
    const self = this;
    return (function* () {
      for (let b = 0; b < count; b++) {
        const indices = order.slice(b * batchSize, Math.min(N, (b + 1) * batchSize));
        const x = new Float32Array(indices.length * S);
        const y = new Int32Array(indices.length);
        self.fillBatch(x, y, indices);
        yield { x, y, indices };
      }
    })();
  }

  /**
   * Writes the normalised samples `indices` into x (k × C × H × W, from its start) and their labels
   * into y (k); longer arrays are allowed and their tails left as they were. Pass `null` for y to
   * skip labels.
   */
  fillBatch(x: Float32Array, y: Int32Array | null, indices: ArrayLike<number>): void {
    const what = `dataset '${this.name}': fillBatch`;
    const k = indices.length, S = this.sampleSize, N = this.size;
    if (!(x instanceof Float32Array)) throw new TypeError(`${what}: x must be a Float32Array, got ${kind(x)}`);
    if (x.length < k * S) throw new RangeError(`${what}: x holds ${x.length} values, ${k} samples × [${this.shape}] need ${k * S}`);
    if (y !== null) {
      if (!(y instanceof Int32Array)) throw new TypeError(`${what}: y must be an Int32Array or null, got ${kind(y)}`);
      if (y.length < k) throw new RangeError(`${what}: y holds ${y.length} labels, ${k} samples need ${k}`);
    }
    const [C, H, W] = this.shape;
    const HW = H * W;
    for (let j = 0; j < k; j++) {
      const i = checkIndex(what, indices[j], j, N);
      if (y !== null) y[j] = this.labels[i];
      const src = i * S, dst = j * S;
      if (this.lut !== null) {
        const p = this.pixels as Uint8Array, lut = this.lut;
        for (let c = 0; c < C; c++) {
          const base = c * 256, o = c * HW;
          for (let e = 0; e < HW; e++) x[dst + o + e] = lut[base + p[src + o + e]];
        }
      } else {
        const p = this.pixels as Float32Array;
        for (let c = 0; c < C; c++) {
          const g = this.gain[c], b = this.offset[c], o = c * HW;
          for (let e = 0; e < HW; e++) x[dst + o + e] = p[src + o + e] * g + b;
        }
      }
    }
  }

  /** Samples per class: an array of length `classes`. */
  classCounts(): Int32Array {
    const counts = new Int32Array(this.classes);
    for (let i = 0; i < this.labels.length; i++) counts[this.labels[i]]++;
    return counts;
  }

  /** One line: name, size, shape, storage, classes and normalisation. */
  toString(): string {
    const f = (v: readonly number[]): string => v.map((x) => x.toFixed(4)).join(',');
    return `${this.name}: ${this.size} × [${this.shape}] ${this.dtype}, ${this.classes} classes, ` +
      `mean [${f(this.normalise.mean)}], std [${f(this.normalise.std)}]`;
  }

  private derive(name: string, pixels: Pixels, labels: Int32Array, normalise: DatasetInit['normalise']): Dataset {
    return new Dataset({ name, shape: this.shape, pixels, labels, classes: this.classes, normalise });
  }

  private checkBatchSize(batchSize: number, dropLast = false): void {
    const what = `dataset '${this.name}'`;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${what}: batch size must be an integer ≥ 1, got ${batchSize}`);
    if (dropLast && batchSize > this.size) {
      throw new RangeError(`${what}: batch size ${batchSize} is larger than the ${this.size} samples, so dropLast would leave no batch`);
    }
  }
}

/** Per-channel mean and (population) std of the scaled data; a constant channel gets std 1. */
function channelStats(pixels: Pixels, C: number, HW: number, scale: number): NormaliseConstants {
  const N = pixels.length / (C * HW);
  const mean: number[] = [], std: number[] = [];
  for (let c = 0; c < C; c++) {
    let m: number, v: number;
    if (pixels instanceof Uint8Array) {
      // NOTE: exact moments from a histogram of the 256 possible values.
      const hist = new Float64Array(256);
      for (let i = 0; i < N; i++) {
        const o = (i * C + c) * HW;
        for (let e = 0; e < HW; e++) hist[pixels[o + e]]++;
      }
      let s = 0;
      for (let p = 0; p < 256; p++) s += hist[p] * p;
      m = s / (N * HW);
      let q = 0;
      for (let p = 0; p < 256; p++) q += hist[p] * (p - m) * (p - m);
      v = q / (N * HW);
      m *= scale;
      v *= scale * scale;
    } else {
      let s = 0;
      for (let i = 0; i < N; i++) {
        const o = (i * C + c) * HW;
        for (let e = 0; e < HW; e++) s += pixels[o + e];
      }
      m = s / (N * HW);
      let q = 0;
      for (let i = 0; i < N; i++) {
        const o = (i * C + c) * HW;
        for (let e = 0; e < HW; e++) q += (pixels[o + e] - m) * (pixels[o + e] - m);
      }
      v = (q / (N * HW)) * scale * scale;
      m *= scale;
    }
    const sd = Math.sqrt(v);
    mean.push(m);
    std.push(sd > 0 && Number.isFinite(sd) ? sd : 1);
  }
  return { mean, std };
}

function resolveNormalise(what: string, n: Normalise | NormaliseConstants, C: number): NormaliseConstants {
  if (n === null || typeof n !== 'object') throw new TypeError(`${what}: normalise must be { mean, std }, 'auto' or 'none', got ${show(n)}`);
  const spread = (key: 'mean' | 'std'): number[] => {
    const v = n[key];
    const arr = typeof v === 'number' ? Array<number>(C).fill(v) : Array.isArray(v) ? [...v] : null;
    if (arr === null || (arr.length !== C && arr.length !== 1)) {
      throw new RangeError(`${what}: normalise.${key} must be a number or ${C} numbers (one per channel), got ${show(v)}`);
    }
    const all = arr.length === 1 ? Array<number>(C).fill(arr[0]) : arr;
    all.forEach((x, c) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (key === 'std' && x <= 0)) {
        throw new RangeError(`${what}: normalise.${key}[${c}] must be a finite number${key === 'std' ? ' > 0' : ''}, got ${show(x)}`);
      }
    });
    return all;
  };
  return { mean: spread('mean'), std: spread('std') };
}

function checkIndex(what: string, i: number, j: number, N: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= N) throw new RangeError(`${what}: index ${j} is ${i}, outside [0, ${N})`);
  return i;
}

function kind(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return typeof v;
  return v.constructor?.name ?? 'an object';
}

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
