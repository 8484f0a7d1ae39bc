// Small graphs with the couplings structural pruning must respect: a residual Add, a Concat,
// a depthwise-separable block with batch norm.

import type { GraphDef } from '../../src/graph/graph.js';
import { Add, BatchNorm, Concat, Conv2d, Dense, Flatten, GlobalAvgPool, MaxPool2d, Relu } from '../../src/nn/layers/index.js';

const X = { name: 'x', shape: [3, 8, 8] };

export function residualNet(): GraphDef {
  return {
    name: 'residual', inputs: [X], outputs: ['fc'],
    nodes: [
      { name: 'a', layer: new Conv2d({ filters: 6, kernel: 3, padding: 1 }), inputs: ['x'] },
      { name: 'ra', layer: new Relu(), inputs: ['a'] },
      { name: 'b', layer: new Conv2d({ filters: 6, kernel: 3, padding: 1 }), inputs: ['ra'] },
      { name: 'bnb', layer: new BatchNorm({}), inputs: ['b'] },
      { name: 'sum', layer: new Add(), inputs: ['ra', 'bnb'] },
      { name: 'rs', layer: new Relu(), inputs: ['sum'] },
      { name: 'c', layer: new Conv2d({ filters: 5, kernel: 3 }), inputs: ['rs'] },
      { name: 'gap', layer: new GlobalAvgPool(), inputs: ['c'] },
      { name: 'flat', layer: new Flatten(), inputs: ['gap'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  };
}

export function concatNet(): GraphDef {
  return {
    name: 'concat', inputs: [X], outputs: ['fc'],
    nodes: [
      { name: 'a', layer: new Conv2d({ filters: 4, kernel: 1 }), inputs: ['x'] },
      { name: 'b', layer: new Conv2d({ filters: 5, kernel: 3, padding: 1 }), inputs: ['x'] },
      { name: 'cat', layer: new Concat({}), inputs: ['a', 'b'] },
      { name: 'r', layer: new Relu(), inputs: ['cat'] },
      { name: 'pool', layer: new MaxPool2d({ kernel: 2 }), inputs: ['r'] },
      { name: 'c', layer: new Conv2d({ filters: 3, kernel: 3 }), inputs: ['pool'] },
      { name: 'flat', layer: new Flatten(), inputs: ['c'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  };
}

export function depthwiseNet(): GraphDef {
  return {
    name: 'depthwise', inputs: [X], outputs: ['fc'],
    nodes: [
      { name: 'a', layer: new Conv2d({ filters: 6, kernel: 3, padding: 1, bias: false }), inputs: ['x'] },
      { name: 'bna', layer: new BatchNorm({}), inputs: ['a'] },
      { name: 'ra', layer: new Relu(), inputs: ['bna'] },
      { name: 'dw', layer: new Conv2d({ filters: 6, kernel: 3, padding: 1, groups: 6 }), inputs: ['ra'] },
      { name: 'bnd', layer: new BatchNorm({}), inputs: ['dw'] },
      { name: 'rd', layer: new Relu(), inputs: ['bnd'] },
      { name: 'pw', layer: new Conv2d({ filters: 8, kernel: 1 }), inputs: ['rd'] },
      { name: 'rp', layer: new Relu(), inputs: ['pw'] },
      { name: 'gap', layer: new GlobalAvgPool(), inputs: ['rp'] },
      { name: 'flat', layer: new Flatten(), inputs: ['gap'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  };
}
