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
import { Lrn } from './layers/lrn.js';
import { Concat } from './layers/concat.js';
import { GlobalAvgPool } from './layers/globalavgpool.js';
import { Dropout } from './layers/dropout.js';
import { Add } from './layers/add.js';

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

/** LeNet-5 with batch norm after each conv and fc1, and ReLUs (the net for DeepRebirth's BN folding). */
export function lenet5Bn(): GraphDef {
  return sequential('lenet-5-bn', INPUT, [
    ['conv1', new Conv2d({ filters: 20, kernel: 5 })], ['bn1', new BatchNorm({})], ['relu1', new Relu()], ['pool1', new MaxPool2d({ kernel: 2 })],
    ['conv2', new Conv2d({ filters: 50, kernel: 5 })], ['bn2', new BatchNorm({})], ['relu2', new Relu()], ['pool2', new MaxPool2d({ kernel: 2 })],
    ['flatten', new Flatten()],
    ['fc1', new Dense({ units: 500 })], ['bn3', new BatchNorm({})], ['relu3', new Relu()],
    ['fc2', new Dense({ units: 10 })],
  ]);
}

/** Filters of an inception block's branches: 1×1; 1×1 reduce → 3×3; 1×1 reduce → 5×5; 3×3 max-pool → 1×1. */
export interface InceptionFilters { b1: number; r3: number; b3: number; r5: number; b5: number; pool: number }

/** The nodes of one GoogLeNet inception block reading `input`; its output is the Concat named `name`. */
export function inceptionBlock(name: string, input: string, f: InceptionFilters): NodeDef[] {
  const conv = (n: string, filters: number, kernel: number, from: string): NodeDef[] => [
    { name: `${name}.${n}`, layer: new Conv2d({ filters, kernel, padding: (kernel - 1) / 2 }), inputs: [from] },
    { name: `${name}.${n}.relu`, layer: new Relu(), inputs: [`${name}.${n}`] },
  ];
  return [
    ...conv('1x1', f.b1, 1, input),
    ...conv('3x3r', f.r3, 1, input), ...conv('3x3', f.b3, 3, `${name}.3x3r.relu`),
    ...conv('5x5r', f.r5, 1, input), ...conv('5x5', f.b5, 5, `${name}.5x5r.relu`),
    { name: `${name}.pool`, layer: new MaxPool2d({ kernel: 3, stride: 1, padding: 1 }), inputs: [input] },
    ...conv('poolproj', f.pool, 1, `${name}.pool`),
    { name, layer: new Concat(), inputs: [`${name}.1x1.relu`, `${name}.3x3.relu`, `${name}.5x5.relu`, `${name}.poolproj.relu`] },
  ];
}

/**
 * A small GoogLeNet (Szegedy et al. 2015) for 28×28 images, the net of DeepRebirth's experiments in
 * miniature: a stem of conv → ReLU → pool → LRN and conv → ReLU → LRN → pool (28 → 14 → 7), two
 * inception blocks with pool branches, global average pooling, dropout and one fully connected layer.
 */
export function inceptionSmall(): GraphDef {
  const chain = sequential('inception-small', INPUT, [
    ['conv1', new Conv2d({ filters: 32, kernel: 5, padding: 2 })], ['relu1', new Relu()],
    ['pool1', new MaxPool2d({ kernel: 3, stride: 2, padding: 1 })], ['lrn1', new Lrn({ size: 5 })],
    ['conv2', new Conv2d({ filters: 48, kernel: 3, padding: 1 })], ['relu2', new Relu()],
    ['lrn2', new Lrn({ size: 5 })], ['pool2', new MaxPool2d({ kernel: 3, stride: 2, padding: 1 })],
  ]);
  const nodes: NodeDef[] = [
    ...chain.nodes,
    ...inceptionBlock('inc3a', 'pool2', { b1: 16, r3: 16, b3: 32, r5: 8, b5: 16, pool: 16 }),
    ...inceptionBlock('inc3b', 'inc3a', { b1: 32, r3: 32, b3: 48, r5: 8, b5: 24, pool: 24 }),
    { name: 'gap', layer: new GlobalAvgPool(), inputs: ['inc3b'] },
    { name: 'flatten', layer: new Flatten(), inputs: ['gap'] },
    { name: 'dropout', layer: new Dropout({ rate: 0.4 }), inputs: ['flatten'] },
    { name: 'fc', layer: new Dense({ units: 10 }), inputs: ['dropout'] },
  ];
  return { name: 'inception-small', inputs: [INPUT], nodes, outputs: ['fc'] };
}

/**
 * A small residual net (He et al. 2016) with batch norm: a 16-filter stem, a residual block of two
 * 3×3 convs whose sum with the stem's output feeds a ReLU, pool, a 32-filter conv, a second such
 * block, pool, global average pooling and fc10. The stem's channels and each block's second conv
 * are coupled through the Add: removing one removes it in both and in every reader of the sum.
 */
export function resnetSmall(): GraphDef {
  const conv = (name: string, filters: number, from: string, relu = true): NodeDef[] => [
    { name, layer: new Conv2d({ filters, kernel: 3, padding: 1, bias: false }), inputs: [from] },
    { name: `${name}.bn`, layer: new BatchNorm({}), inputs: [name] },
    ...(relu ? [{ name: `${name}.relu`, layer: new Relu(), inputs: [`${name}.bn`] }] : []),
  ];
  const block = (name: string, filters: number, from: string): NodeDef[] => [
    ...conv(`${name}.conv1`, filters, from),
    ...conv(`${name}.conv2`, filters, `${name}.conv1.relu`, false),
    { name: `${name}.add`, layer: new Add(), inputs: [`${name}.conv2.bn`, from] },
    { name: `${name}.relu`, layer: new Relu(), inputs: [`${name}.add`] },
  ];
  const nodes: NodeDef[] = [
    ...conv('stem', 16, INPUT.name),
    ...block('block1', 16, 'stem.relu'),
    { name: 'pool1', layer: new MaxPool2d({ kernel: 2 }), inputs: ['block1.relu'] },
    ...conv('conv2', 32, 'pool1'),
    ...block('block2', 32, 'conv2.relu'),
    { name: 'pool2', layer: new MaxPool2d({ kernel: 2 }), inputs: ['block2.relu'] },
    { name: 'gap', layer: new GlobalAvgPool(), inputs: ['pool2'] },
    { name: 'flatten', layer: new Flatten(), inputs: ['gap'] },
    { name: 'fc', layer: new Dense({ units: 10 }), inputs: ['flatten'] },
  ];
  return { name: 'resnet-small', inputs: [INPUT], nodes, outputs: ['fc'] };
}

export const referenceNets = {
  'lenet-300-100': lenet300100,
  'lenet-5': lenet5,
  'lenet-5-maxout': lenet5Maxout,
  'vgg-small': vggSmall,
  'lenet-5-bn': lenet5Bn,
  'inception-small': inceptionSmall,
  'resnet-small': resnetSmall,
} as const;

export type ReferenceNet = keyof typeof referenceNets;
