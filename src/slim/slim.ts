// The DeepRebirth steps in order — exact merges, streamline slimming, branch slimming — each
// giving a new model, so a caller can measure and fine-tune after any of them.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import { foldModel } from './exact.js';
import { streamline } from './streamline.js';
import type { SlimFit } from './refit.js';
import { slimBranches, type BranchOptions } from './branch.js';

export type SlimStep = 'folded' | 'streamline' | 'branch';

export interface SlimOptions extends BranchOptions {
  fold?: boolean;
  streamline?: boolean;
  branch?: boolean;
}

export interface SlimStepResult {
  step: SlimStep;
  /** The model after this step (the caller disposes it). */
  model: Model;
  /** Exact merges done (folded). */
  merges: string[];
  /** Layer-local refits (streamline, branch). */
  fits: SlimFit[];
}

/**
 * Runs the chosen steps on `model` (left as it was); `data` (training samples for the refits)
 * is needed by streamline and branch slimming. Without any step chosen, folds only.
 */
export function slimModel(model: Model, data: Dataset | undefined, options: SlimOptions = {}): SlimStepResult[] {
  const none = !options.fold && !options.streamline && !options.branch;
  const fold = options.fold || none;
  if ((options.streamline || options.branch) && !data) throw new TypeError('slimModel: streamline and branch slimming refit on data; pass a dataset');
  const steps: SlimStepResult[] = [];
  let current = model;
  if (fold) {
    const { model: next, merges } = foldModel(current);
    steps.push({ step: 'folded', model: next, merges, fits: [] });
    current = next;
  }
  if (options.streamline) {
    const { model: next, fits } = streamline(current, data!, options);
    steps.push({ step: 'streamline', model: next, merges: [], fits });
    current = next;
  }
  if (options.branch) {
    const { model: next, fits } = slimBranches(current, data!, options);
    steps.push({ step: 'branch', model: next, merges: [], fits });
  }
  return steps;
}
