// Small graphs with the couplings structural pruning must respect: a residual Add, a Concat,
// a depthwise-separable block with batch norm, channel Slices (a Split) across a Concat.

import type { GraphDef } from '../../src/graph/graph.js';
import { Add, BatchNorm, Concat, Conv2d, Dense, Flatten, GlobalAvgPool, MaxPool2d, Relu, Slice } from '../../src/nn/layers/index.js';

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

/** A Split of a Concat: the first part takes channels 2–4 of a and channel 0 of b, the second the rest of b. */
export function splitNet(): GraphDef {
  return {
    name: 'split', inputs: [X], outputs: ['fc'],
    nodes: [
      { name: 'a', layer: new Conv2d({ filters: 5, kernel: 1 }), inputs: ['x'] },
      { name: 'b', layer: new Conv2d({ filters: 4, kernel: 3, padding: 1 }), inputs: ['x'] },
      { name: 'cat', layer: new Concat({}), inputs: ['a', 'b'] },
      { name: 'bn', layer: new BatchNorm({}), inputs: ['cat'] },
      { name: 'r', layer: new Relu(), inputs: ['bn'] },
      { name: 'lo', layer: new Slice({ axes: [0, 2], starts: [2, 1], ends: [6, 8] }), inputs: ['r'] },
      { name: 'hi', layer: new Slice({ axes: [0], starts: [6], ends: [9] }), inputs: ['r'] },
      { name: 'c', layer: new Conv2d({ filters: 3, kernel: 3 }), inputs: ['lo'] },
      { name: 'd', layer: new Conv2d({ filters: 3, kernel: 1 }), inputs: ['hi'] },
      { name: 'gc', layer: new GlobalAvgPool(), inputs: ['c'] },
      { name: 'gd', layer: new GlobalAvgPool(), inputs: ['d'] },
      { name: 'both', layer: new Concat({}), inputs: ['gc', 'gd'] },
      { name: 'flat', layer: new Flatten(), inputs: ['both'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  };
}
