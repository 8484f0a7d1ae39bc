// The reference networks, as graph definitions for 1×28×28 inputs and 10 classes.

import type { GraphDef, NodeDef } from '../graph/graph.js';
import type { Layer } from './layer.js';
import { Dense } from './layers/dense.js';
import { Relu } from './layers/relu.js';
import { Flatten } from './layers/flatten.js';
import { Conv2d } from './layers/conv2d.js';
import { MaxPool2d } from './layers/maxpool2d.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Maxout } from './layers/maxout.js';

const INPUT = { name: 'image', shape: [1, 28, 28] };

/** A chain of layers, each reading the one before. */
export function sequential(name: string, input: { name: string; shape: readonly number[] }, layers: [string, Layer][]): GraphDef {
  const nodes: NodeDef[] = layers.map(([node, layer], i) => ({ name: node, layer, inputs: [i === 0 ? input.name : layers[i - 1][0]] }));
  return { name, inputs: [input], nodes, outputs: [nodes[nodes.length - 1].name] };
}

/** LeNet-300-100 (LeCun et al. 1998; Han et al. 2015): 784-300-100-10 with ReLU. */
export function lenet300100(): GraphDef {
  return sequential('lenet-300-100', INPUT, [
    ['flatten', new Flatten()],
    ['fc1', new Dense({ units: 300 })], ['relu1', new Relu()],
    ['fc2', new Dense({ units: 100 })], ['relu2', new Relu()],
    ['fc3', new Dense({ units: 10 })],
  ]);
}

/** LeNet-5 as in Caffe and Han et al. 2015: conv20 5×5, pool, conv50 5×5, pool, fc500, ReLU, fc10. */
export function lenet5(): GraphDef {
  return sequential('lenet-5', INPUT, [
    ['conv1', new Conv2d({ filters: 20, kernel: 5 })], ['pool1', new MaxPool2d({ kernel: 2 })],
    ['conv2', new Conv2d({ filters: 50, kernel: 5 })], ['pool2', new MaxPool2d({ kernel: 2 })],
    ['flatten', new Flatten()],
    ['fc1', new Dense({ units: 500 })], ['relu1', new Relu()],
    ['fc2', new Dense({ units: 10 })],
  ]);
}

/** LeNet-5 with maxout (Rueda et al. 2017): fc1's 500 units in groups of k = 4 → 125 maxout units. */
export function lenet5Maxout(): GraphDef {
  return sequential('lenet-5-maxout', INPUT, [
    ['conv1', new Conv2d({ filters: 20, kernel: 5 })], ['pool1', new MaxPool2d({ kernel: 2 })],
    ['conv2', new Conv2d({ filters: 50, kernel: 5 })], ['pool2', new MaxPool2d({ kernel: 2 })],
    ['flatten', new Flatten()],
    ['fc1', new Dense({ units: 500 })], ['maxout1', new Maxout({ k: 4 })],
    ['fc2', new Dense({ units: 10 })],
  ]);
}

/** A small VGG-style net with batch norm: 32-32-pool-64-64-pool-128-pool-fc256-fc10, 3×3 convs. */
export function vggSmall(): GraphDef {
  const block = (n: string, filters: number): [string, Layer][] => [
    [`conv${n}`, new Conv2d({ filters, kernel: 3, padding: 1, bias: false })],
    [`bn${n}`, new BatchNorm({})],
    [`relu${n}`, new Relu()],
  ];
  return sequential('vgg-small', INPUT, [
    ...block('1', 32), ...block('2', 32), ['pool1', new MaxPool2d({ kernel: 2 })],
    ...block('3', 64), ...block('4', 64), ['pool2', new MaxPool2d({ kernel: 2 })],
    ...block('5', 128), ['pool3', new MaxPool2d({ kernel: 2 })],
    ['flatten', new Flatten()],
    ['fc1', new Dense({ units: 256 })], ['relu6', new Relu()],
    ['fc2', new Dense({ units: 10 })],
  ]);
}

export const referenceNets = {
  'lenet-300-100': lenet300100,
  'lenet-5': lenet5,
  'lenet-5-maxout': lenet5Maxout,
  'vgg-small': vggSmall,
} as const;

export type ReferenceNet = keyof typeof referenceNets;
