// Per-channel symmetric int8 weights: one scale per output channel (axis 0), q in [−127, 127],
// zero point 0, so a pruned (zero) weight stays an exact zero.

import { roundHalfEven } from '../../kernels/reference/int8.js';

export interface ChannelQuant {
  /** int8 values, the weight's layout. */
  q: Int8Array;
  /** One f32 scale per channel: weight ≈ q·scale. */
  scales: Float32Array;
}

/** Quantizes `w` (channels × rest, row-major) with scale = max|w_c| / 127 per channel. */
export function quantizePerChannel(w: Float32Array, channels: number): ChannelQuant {
  if (!Number.isInteger(channels) || channels < 1 || w.length % channels !== 0) {
    throw new RangeError(`quantizePerChannel: ${w.length} weights do not split into ${channels} channels`);
  }
  const per = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = c * per; i < (c + 1) * per; i++) {
      const v = w[i];
      if (Number.isNaN(v)) throw new RangeError(`quantizePerChannel: weight ${i} (channel ${c}) is NaN`);
      max = Math.max(max, Math.abs(v));
    }
    if (!Number.isFinite(max)) throw new RangeError(`quantizePerChannel: channel ${c} has an infinite weight`);
    // An all-zero channel (pruned away) gets scale 1: its values are zeros whatever the scale.
    const s = max === 0 ? 1 : Math.fround(max / 127);
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(w[i] / s))));
  }
  return { q, scales };
}

/** q·scale per channel as f32: the weights int8 inference (and ONNX DequantizeLinear) sees. */
export function dequantizePerChannel({ q, scales }: ChannelQuant, out = new Float32Array(q.length)): Float32Array {
  const per = q.length / scales.length;
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scales[Math.floor(i / per)];
  return out;
}
