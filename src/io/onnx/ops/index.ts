// The ONNX ops lopper imports, by op type (default domain): one table drives mapping, the list of
// unsupported ops, and `lopper inspect`.

import type { OpSpec } from './common.js';
import { activationOps } from './activation.js';
import { arithOps } from './arith.js';
import { linearOps } from './linear.js';
import { normOps } from './norm.js';
import { poolOps } from './pool.js';
import { reduceOps } from './reduce.js';
import { shapeOps } from './shape.js';
import { sliceOps } from './slice.js';
import { mathOps } from './math.js';
import { resizeOps } from './resize.js';
import { quantOps } from './quant.js';

export const onnxOps: Record<string, OpSpec> = {
  ...linearOps, ...poolOps, ...normOps, ...activationOps, ...shapeOps, ...arithOps, ...reduceOps, ...sliceOps, ...mathOps, ...resizeOps,
  ...quantOps,
};

export type { OpSpec };
