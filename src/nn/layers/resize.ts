// Resize (ONNX Resize, and Upsample before it) of the spatial axes of [C, H, W] (or [C, L]) by
// nearest-neighbour or (bi)linear interpolation, with ONNX's coordinate transformations. Separable:
// along each axis, output index o reads one (nearest) or two (linear) input indices with weights,
// so backward scatters dy back with the same weights. Plain TypeScript.

import { Layer, type BackwardPass, type ForwardPass, type Shape, type ChannelFlow } from '../layer.js';
import { describe, known, sizeOf } from './options.js';

export type ResizeMode = 'nearest' | 'linear';
export type CoordinateMode = 'half_pixel' | 'asymmetric' | 'align_corners' | 'pytorch_half_pixel' | 'tf_half_pixel_for_nn' | 'half_pixel_symmetric';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

const COORDINATES: readonly CoordinateMode[] = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'];
const NEAREST: readonly NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

export interface ResizeOptions {
  /** Output size of each spatial axis (H, W or L). */
  sizes: readonly number[];
  /** The scale of each spatial axis as ONNX uses it in the coordinate transform (default size out / in). */
  scales?: readonly number[];
  mode?: ResizeMode;
  coordinate?: CoordinateMode;
  nearest?: NearestMode;
}

/** Along one axis: output o reads input index[o·taps + t] with weight[o·taps + t]. */
interface Taps {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

export class Resize extends Layer {
  readonly op = 'Resize';
  readonly sizes: readonly number[];
  readonly scales: readonly number[] | undefined;
  readonly mode: ResizeMode;
  readonly coordinate: CoordinateMode;
  readonly nearest: NearestMode;

  constructor(options: ResizeOptions) {
    super();
    const o = known('Resize', options, ['sizes', 'scales', 'mode', 'coordinate', 'nearest']);
    if (!Array.isArray(o.sizes) || o.sizes.length < 1 || o.sizes.length > 2 || !o.sizes.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new RangeError(`Resize: 'sizes' must be 1 or 2 integers ≥ 1 (the spatial output sizes), got ${describe(o.sizes)}`);
    }
    this.sizes = [...o.sizes];
    if (o.scales !== undefined && (!Array.isArray(o.scales) || o.scales.length !== this.sizes.length || !o.scales.every((s) => Number.isFinite(s) && s > 0))) {
      throw new RangeError(`Resize: 'scales' must be ${this.sizes.length} numbers > 0, got ${describe(o.scales)}`);
    }
    this.scales = o.scales ? [...o.scales] : undefined;
    this.mode = o.mode ?? 'nearest';
    if (this.mode !== 'nearest' && this.mode !== 'linear') throw new RangeError(`Resize: 'mode' must be 'nearest' or 'linear', got ${describe(o.mode)}`);
    this.coordinate = o.coordinate ?? 'half_pixel';
    if (!COORDINATES.includes(this.coordinate)) throw new RangeError(`Resize: 'coordinate' must be one of ${COORDINATES.join(', ')}, got ${describe(o.coordinate)}`);
    this.nearest = o.nearest ?? 'round_prefer_floor';
    if (!NEAREST.includes(this.nearest)) throw new RangeError(`Resize: 'nearest' must be one of ${NEAREST.join(', ')}, got ${describe(o.nearest)}`);
  }

  outputShape([x]: Shape[]): Shape {
    if (x.length !== this.sizes.length + 1) throw new RangeError(`Resize: ${this.sizes.length} output sizes for a per-sample input [${x}] (expected [C, ${this.sizes.length === 1 ? 'L' : 'H, W'}])`);
    return [x[0], ...this.sizes];
  }

  flops([x]: Shape[]): number {
    return sizeOf(this.outputShape([x])) * (this.mode === 'linear' ? 3 * this.sizes.length : 0);
  }

  forward({ inputs: [x], output: y }: ForwardPass): void {
    const xv = x.f32();
    const yv = y.f32();
    this.each(x.shape, (xi, yi, w) => { yv[yi] += w * xv[xi]; }, yv);
  }

  backward({ inputs: [x], dOutput: dy, dInputs: [dx] }: BackwardPass): void {
    if (!dx) return;
    const dyv = dy.f32();
    const acc = new Float64Array(dx.size);
    this.each(x.shape, (xi, yi, w) => { acc[xi] += w * dyv[yi]; });
    dx.f32().set(acc);
  }

  channelFlow(): ChannelFlow {
    return { kind: 'elementwise' };
  }

  withChannels(): Layer {
    return this;
  }

  attrs(): Record<string, unknown> {
    return { sizes: [...this.sizes], ...(this.scales ? { scales: [...this.scales] } : {}), mode: this.mode, coordinate: this.coordinate, nearest: this.nearest };
  }

  /** The taps of spatial axis i from `L` inputs to this.sizes[i] outputs. */
  private taps(i: number, L: number): Taps {
    const out = this.sizes[i];
    const scale = this.scales?.[i] ?? out / L;
    const source = (o: number): number => {
      switch (this.coordinate) {
        case 'asymmetric': return o / scale;
        case 'align_corners': return out === 1 ? 0 : (o * (L - 1)) / (out - 1);
        case 'pytorch_half_pixel': return out > 1 ? (o + 0.5) / scale - 0.5 : 0;
        case 'tf_half_pixel_for_nn': return (o + 0.5) / scale;
        case 'half_pixel_symmetric': {
          const adjustment = out / (scale * L);
          const offset = (L / 2) * (1 - adjustment);
          return offset + (o + 0.5) / scale - 0.5;
        }
        default: return (o + 0.5) / scale - 0.5;
      }
    };
    const taps = this.mode === 'linear' ? 2 : 1;
    const index = new Int32Array(out * taps);
    const weight = new Float64Array(out * taps);
    for (let o = 0; o < out; o++) {
      const s = source(o);
      if (this.mode === 'nearest') {
        let n: number;
        const f = Math.floor(s);
        const half = s - f === 0.5;
        if (this.nearest === 'floor') n = f;
        else if (this.nearest === 'ceil') n = Math.ceil(s);
        else if (half) n = this.nearest === 'round_prefer_floor' ? f : f + 1;
        else n = Math.round(s);
        index[o] = Math.min(L - 1, Math.max(0, n));
        weight[o] = 1;
      } else {
        const c = Math.min(L - 1, Math.max(0, s));
        const lo = Math.floor(c);
        const hi = Math.min(L - 1, lo + 1);
        const t = c - lo;
        index[2 * o] = lo;
        weight[2 * o] = 1 - t;
        index[2 * o + 1] = hi;
        weight[2 * o + 1] = t;
      }
    }
    return { taps, index, weight };
  }

  /** fn(xIndex, yIndex, weight) for every tap of a run-time input [B, C, ...spatial]; zeroes `clear` first. */
  private each(shape: readonly number[], fn: (xi: number, yi: number, w: number) => void, clear?: Float32Array): void {
    clear?.fill(0);
    const [B, C] = shape;
    const spatial = shape.slice(2);
    const [H, W] = spatial.length === 1 ? [1, spatial[0]] : spatial;
    const [OH, OW] = this.sizes.length === 1 ? [1, this.sizes[0]] : this.sizes;
    const th = spatial.length === 1 ? { taps: 1, index: Int32Array.of(0), weight: Float64Array.of(1) } : this.taps(0, H);
    const tw = this.taps(spatial.length - 1, W);
    for (let p = 0; p < B * C; p++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let a = 0; a < th.taps; a++) {
          const wh = th.weight[oh * th.taps + a];
          if (wh === 0) continue;
          const row = (p * H + th.index[oh * th.taps + a]) * W;
          for (let ow = 0; ow < OW; ow++) {
            const yi = (p * OH + oh) * OW + ow;
            for (let b = 0; b < tw.taps; b++) {
              const ww = tw.weight[ow * tw.taps + b];
              if (ww !== 0) fn(row + tw.index[ow * tw.taps + b], yi, wh * ww);
            }
          }
        }
      }
    }
  }
}
