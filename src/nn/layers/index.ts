// Every layer, and the registry that rebuilds a saved layer from its op name and attrs().

import type { Layer } from '../layer.js';
import { Add } from './add.js';
import { BroadcastAdd } from './broadcastadd.js';
import { Clip } from './clip.js';
import { Div } from './div.js';
import { HardSigmoid } from './hardsigmoid.js';
import { HardSwish } from './hardswish.js';
import { Identity } from './identity.js';
import { LogSoftmax } from './logsoftmax.js';
import { Mul } from './mul.js';
import { Pad } from './pad.js';
import { ReduceL2, ReduceMax, ReduceMean, ReduceMin, ReduceSum } from './reduce.js';
import { Reshape } from './reshape.js';
import { Sigmoid } from './sigmoid.js';
import { Softmax } from './softmax.js';
import { Sub } from './sub.js';
import { Tanh } from './tanh.js';
import { Transpose } from './transpose.js';
import { AvgPool2d } from './avgpool2d.js';
import { BatchNorm } from './batchnorm.js';
import { Concat } from './concat.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { GlobalAvgPool } from './globalavgpool.js';
import { LeakyRelu } from './leakyrelu.js';
import { Lrn } from './lrn.js';
import { Maxout } from './maxout.js';
import { MaxPool2d } from './maxpool2d.js';
import { Relu } from './relu.js';
import { Slice } from './slice.js';
import { Abs, Erf, Exp, Log, Neg, Pow, Reciprocal, Sqrt } from './math.js';
import { Elu, Gelu, Selu, Softplus } from './smooth-activations.js';
import { PRelu } from './prelu.js';
import { Max, Mean, Min } from './variadic.js';
import { RoundFloat } from './round-float.js';
import { InstanceNorm, LayerNorm } from './normalization.js';
import { ConvTranspose2d } from './convtranspose2d.js';
import { Resize } from './resize.js';
import { FakeQuant } from './fakequant.js';

export {
  Add, AvgPool2d, BatchNorm, BroadcastAdd, Clip, Concat, Conv2d, Dense, Div, Dropout, Flatten, GlobalAvgPool, HardSigmoid, HardSwish,
  Identity, LeakyRelu, LogSoftmax, Lrn, Maxout, MaxPool2d, Mul, Pad, ReduceMean, Relu, Reshape, Sigmoid, Softmax, Sub, Tanh, Transpose,
  Slice, ReduceL2, ReduceMax, ReduceMin, ReduceSum, Abs, Erf, Exp, Log, Neg, Pow, Reciprocal, Sqrt, Elu, Gelu, Selu, Softplus, PRelu,
  Max, Mean, Min, RoundFloat, InstanceNorm, LayerNorm, ConvTranspose2d, Resize,
};
export type { AvgPool2dOptions } from './avgpool2d.js';
export type { BinaryOptions } from './binary.js';
export type { ClipOptions } from './clip.js';
export type { HardSigmoidOptions } from './hardsigmoid.js';
export type { PadOptions } from './pad.js';
export type { ReduceMeanOptions, ReduceOptions } from './reduce.js';
export type { ReshapeOptions } from './reshape.js';
export type { SoftmaxOptions } from './softmax.js';
export type { TransposeOptions } from './transpose.js';
export type { BatchNormOptions } from './batchnorm.js';
export type { Conv2dOptions } from './conv2d.js';
export type { ConcatOptions } from './concat.js';
export type { DenseOptions } from './dense.js';
export type { DropoutOptions } from './dropout.js';
export type { LeakyReluOptions } from './leakyrelu.js';
export type { LrnOptions } from './lrn.js';
export type { MaxoutOptions } from './maxout.js';
export type { MaxPool2dOptions } from './maxpool2d.js';
export type { SliceOptions } from './slice.js';
export type { PowOptions } from './math.js';
export type { EluOptions, GeluOptions, SeluOptions } from './smooth-activations.js';
export type { PReluOptions } from './prelu.js';
export type { RoundFloatOptions } from './round-float.js';
export type { InstanceNormOptions, LayerNormOptions } from './normalization.js';
export type { ConvTranspose2dOptions } from './convtranspose2d.js';
export type { ResizeOptions } from './resize.js';
export { FakeQuant };
export type { FakeQuantOptions } from './fakequant.js';

/** Layer classes by op name (each class's `op` is its name); `new layerRegistry[op](attrs)` rebuilds a layer. */
export const layerRegistry: Record<string, new (attrs: any) => Layer> = {
  Add, AvgPool2d, BatchNorm, BroadcastAdd, Clip, Concat, Conv2d, Dense, Div, Dropout, Flatten, GlobalAvgPool, HardSigmoid, HardSwish,
  Identity, LeakyRelu, LogSoftmax, Lrn, Maxout, MaxPool2d, Mul, Pad, ReduceMean, Relu, Reshape, Sigmoid, Softmax, Sub, Tanh, Transpose,
  Slice, ReduceL2, ReduceMax, ReduceMin, ReduceSum, Abs, Erf, Exp, Log, Neg, Pow, Reciprocal, Sqrt, Elu, Gelu, Selu, Softplus, PRelu,
  Max, Mean, Min, RoundFloat, InstanceNorm, LayerNorm, ConvTranspose2d, Resize,
  FakeQuant,
};

/** Rebuilds a layer from its op and attrs() (as saved); throws naming the known ops for an unknown one. */
export function layerFromAttrs(op: string, attrs: Record<string, unknown> = {}): Layer {
  const make = Object.hasOwn(layerRegistry, op) ? layerRegistry[op] : undefined;
  if (!make) throw new Error(`unknown op '${op}'; known: ${Object.keys(layerRegistry).sort().join(', ')}`);
  return new make(attrs);
}
