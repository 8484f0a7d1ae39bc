// The exact merges of DeepRebirth, run to a fixed point: outputs are unchanged up to float
// rounding, no data and no refit needed. ReLU fusion goes last: a fused ReLU ends a linear run.

import type { Model } from '../nn/model.js';
import { Draft } from './draft.js';
import { dropPassthrough } from './passthrough.js';
import { foldBatchNorms } from './batchnorm.js';
import { mergeParallelConvs } from './branches.js';
import { mergeLinearPairs } from './linear.js';
import { fuseRelus } from './activation.js';

export interface ExactOptions {
  /** Fuse each ReLU into the Conv2d or Dense before it (default true). */
  fuseRelu?: boolean;
}

/** Applies every exact merge to the draft; returns one line per merge done. */
export function mergeExact(d: Draft, options: ExactOptions = {}): string[] {
  const done: string[] = [];
  for (;;) {
    const round = [...dropPassthrough(d), ...foldBatchNorms(d), ...mergeParallelConvs(d), ...mergeLinearPairs(d)];
    if (round.length === 0) break;
    done.push(...round);
  }
  if (options.fuseRelu ?? true) done.push(...fuseRelus(d));
  return done;
}

/** A new model with every exact merge applied (`model` is left as it was), and what was merged. */
export function foldModel(model: Model, options: ExactOptions = {}): { model: Model; merges: string[] } {
  const d = Draft.of(model);
  const merges = mergeExact(d, options);
  return { model: d.build(model.k), merges };
}
