// Dense and Conv2d that run on the int8 kernels: the input quantised with its calibrated scale,
// an int8 GEMM (or im2col + GEMM) with i32 sums, then one per-channel dequantize with the bias.
// Inference only; int8Model() swaps them into a quantised model.

import type { Kernels } from '../../kernels/kernels.js';
import type { Tensor } from '../../kernels/tensor.js';
import { conv2dInt8, dequantizeChannels, gemmInt8, packInt8, quantize, type PackedInt8 } from '../../kernels/ops/int8.js';
import { Conv2d, type Conv2dOptions } from '../../nn/layers/conv2d.js';
import { Dense, type DenseOptions } from '../../nn/layers/dense.js';
import type { BackwardPass, BufferSpec, ForwardPass, Shape } from '../../nn/layer.js';
import type { Model } from '../../nn/model.js';
import { saturateI8 } from '../../kernels/reference/int8.js';
import { withGraph, type QuantizedModel } from './model.js';

interface Int8Weights {
  w: Tensor;
  /** w packed for the GEMM, per layout (inputs in [0, 127] or any), made on first use. */
  packed: Map<boolean, PackedInt8>;
  /** s_x·s_w per output channel. */
  scale: Tensor;
}

/**
 * The int8 weights of one layer on one wasm instance, made on first use from its (snapped) f32
 * weights and packed once per layout (the relaxed build has one for inputs in [0, 127]).
 */
class WeightCache {
  private readonly byKernels = new WeakMap<Kernels, Int8Weights>();

  constructor(readonly inputScale: number, readonly weightScales: Float32Array) {}

  get(k: Kernels, weight: Tensor, nonNegativeInputs: boolean): { w: PackedInt8; scale: Tensor } {
    const got = this.weights(k, weight);
    let w = got.packed.get(nonNegativeInputs);
    if (!w) got.packed.set(nonNegativeInputs, (w = packInt8(got.w, { nonNegativeInputs })));
    return { w, scale: got.scale };
  }

  private weights(k: Kernels, weight: Tensor): Int8Weights {
    let got = this.byKernels.get(k);
    if (got) return got;
    const s = this.weightScales;
    const per = weight.size / s.length;
    const f = weight.f32();
    const q = new Int8Array(f.length);
    for (let i = 0; i < q.length; i++) q[i] = saturateI8(Math.fround(f[i] / s[Math.floor(i / per)]), 0);
    const combined = s.map((v) => Math.fround(this.inputScale) * v);
    got = { w: k.from(q, weight.shape, 'i8'), packed: new Map(), scale: k.from(combined) };
    this.byKernels.set(k, got);
    return got;
  }
}

/** Whether every int8 value is ≥ 0: sign bits four at a time (tensors are 16-byte aligned). */
function allNonNegative(q: Int8Array): boolean {
  const n4 = q.byteOffset % 4 === 0 ? q.length >> 2 : 0;
  const words = new Int32Array(q.buffer, q.byteOffset, n4);
  for (let i = 0; i < n4; i++) if (words[i] & 0x80808080) return false;
  for (let i = n4 << 2; i < q.length; i++) if (q[i] < 0) return false;
  return true;
}

function inferenceOnly(op: string): never {
  throw new Error(`${op}: an int8 layer runs inference only; fine-tune the fake-quant model (quantizeModel) instead`);
}

export class Int8Dense extends Dense {
  private readonly cache: WeightCache;

  constructor(options: DenseOptions, inputScale: number, weightScales: Float32Array) {
    super(options);
    this.cache = new WeightCache(inputScale, weightScales);
  }

  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [{ name: 'xq', shape: [batch, x[0]], dtype: 'i8' }, { name: 'acc', shape: [batch, this.units], dtype: 'i32' }];
  }

  override forward({ k, inputs: [x], output: y, params, buffers: { xq, acc } }: ForwardPass): void {
    quantize(xq, x, { scale: this.cache.inputScale });
    const nonNegative = allNonNegative(xq.i8());
    const { w, scale } = this.cache.get(k, params.weight, nonNegative);
    gemmInt8(acc, xq, w, { nonNegative });
    dequantizeChannels(y, acc, scale, this.bias ? params.bias : undefined);
  }

  override backward(_: BackwardPass): void {
    inferenceOnly('Int8Dense');
  }
}

export class Int8Conv2d extends Conv2d {
  private readonly cache: WeightCache;

  constructor(options: Conv2dOptions, inputScale: number, weightScales: Float32Array) {
    super(options);
    if (this.groups !== 1) throw new RangeError(`Int8Conv2d: grouped convolutions (groups ${this.groups}) are not quantised`);
    this.cache = new WeightCache(inputScale, weightScales);
  }

  override buffers([x]: Shape[], batch: number): BufferSpec[] {
    return [{ name: 'xq', shape: [batch, ...x], dtype: 'i8' }];
  }

  override forward({ k, inputs: [x], output: y, params, buffers: { xq } }: ForwardPass): void {
    quantize(xq, x, { scale: this.cache.inputScale });
    const nonNegative = allNonNegative(xq.i8());
    const { w, scale } = this.cache.get(k, params.weight, nonNegative);
    conv2dInt8(y, xq, w, scale, this.bias ? params.bias : undefined,
      { stride: this.stride, padding: this.padding, dilation: this.dilation, nonNegative });
  }

  override backward(_: BackwardPass): void {
    inferenceOnly('Int8Conv2d');
  }
}

/**
 * A model with the quantised layers of `q` running on the int8 kernels (same parameters, same
 * outputs up to f32 rounding). They quantise their own input, so each reads its FakeQuant's
 * input, and a FakeQuant only they read is dropped.
 */
export function int8Model(q: QuantizedModel): Model {
  const g = q.model.graph;
  const byNode = new Map(q.layers.map((l) => [l.node, l]));
  const dropped = new Set(q.layers.map((l) => l.quant).filter((name) => g.node(name).consumers.every((c) => byNode.has(c)) && !g.outputs.includes(name)));
  const nodes = g.nodes.filter((n) => !dropped.has(n.name)).map((n) => {
    const l = byNode.get(n.name);
    if (!l) return { name: n.name, inputs: n.inputs, layer: n.layer };
    const attrs = n.layer.attrs() as never;
    const layer = l.op === 'Dense' ? new Int8Dense(attrs, l.inputScale, l.weightScales) : new Int8Conv2d(attrs, l.inputScale, l.weightScales);
    return { name: n.name, inputs: [g.node(l.quant).inputs[0]], layer };
  });
  return withGraph(q.model, { name: g.name, inputs: g.inputs.map((i) => ({ name: i.name, shape: i.shape })), outputs: [...g.outputs], nodes });
}
