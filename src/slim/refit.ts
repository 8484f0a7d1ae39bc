// Refitting the slim layers: least squares (fit.ts), then optionally local regression with the
// activation (regress.ts); one part after another, each on the inputs the slimmed parts before it give.

import type { Dataset } from '../nn/data/dataset.js';
import type { Conv2d } from '../nn/layers/conv2d.js';
import type { Model } from '../nn/model.js';
import type { Draft } from './draft.js';
import { fitConvs, type FitOptions, type FitResult } from './fit.js';
import { regressConvs, type RegressOptions } from './regress.js';

export interface RefitOptions extends FitOptions {
  /** Local regression after least squares, the activation included (regress.ts): epochs (0: none, the default), lr, batch size. */
  regress?: Omit<RegressOptions, 'samples' | 'seed'>;
}

export interface SlimFit extends FitResult {
  /** The slim layer's name. */
  node: string;
  /** The nodes it replaced. */
  replaced: string[];
  /** With local regression: its error (activation included) before and after. */
  regress?: { errorBefore: number; errorAfter: number };
}

/**
 * Least squares for every job, then (if asked) local regression from there with each slim
 * layer's activation; `layers` are the slim layers, activation included.
 */
export function refit(model: Model, jobs: Parameters<typeof fitConvs>[1], layers: readonly Conv2d[], data: Dataset, options: RefitOptions, inputModel: Model = model): (FitResult & Pick<SlimFit, 'regress'>)[] {
  const fits = fitConvs(model, jobs, data, options, inputModel);
  if (!options.regress?.epochs) return fits;
  const jobsR = jobs.map((j, i) => ({ input: j.input, target: j.target, layer: layers[i], weight: fits[i].weight, bias: fits[i].bias }));
  const regressed = regressConvs(model, jobsR, data, { ...options.regress, samples: options.samples, seed: options.seed }, inputModel);
  return fits.map((f, i) => ({ ...f, weight: regressed[i].weight, bias: regressed[i].bias, regress: { errorBefore: regressed[i].errorBefore, errorAfter: regressed[i].errorAfter } }));
}

/**
 * Replaces the draft's parts one after another, each fitted to `model`'s output there on the
 * inputs the parts replaced before it give (so a fit also absorbs the error upstream of it).
 * `part(i)` returns part i's fit job and slim layer, and `apply` puts the fitted layer in place.
 */
export function refitInTurn<T>(model: Model, d: Draft, parts: readonly T[], data: Dataset, options: RefitOptions,
  part: (p: T) => { job: Parameters<typeof fitConvs>[1][number]; layer: Conv2d },
  apply: (p: T, fit: FitResult) => void): (FitResult & Pick<SlimFit, 'regress'>)[] {
  const out: (FitResult & Pick<SlimFit, 'regress'>)[] = [];
  for (const p of parts) {
    const { job, layer } = part(p);
    const current = out.length ? d.build(model.k) : model;
    try {
      const [fit] = refit(model, [job], [layer], data, options, current);
      apply(p, fit);
      out.push(fit);
    } finally {
      if (current !== model) current.dispose();
    }
  }
  return out;
}
