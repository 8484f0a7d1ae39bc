// Sensitivity analysis (Li et al. 2016; Han et al. 2015): each layer pruned alone over a range of
// ratios, accuracy measured with no retraining, so each layer's ratio can be chosen by how much
// it can take. Every method: magnitude masks weights; l1-filter and the unit criteria remove the
// units they score lowest; maxout removes neurons inside units; correlation masks connections.
// Data-driven criteria score from one data pass over the dense model (each layer is pruned alone
// from it, so one pass serves every point).

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import type { Evaluation } from '../nn/train.js';
import { pruneByMagnitude } from '../prune/magnitude.js';
import { prunableWeights } from '../prune/masks.js';
import { pruneFilters } from '../prune/filters.js';
import { dependencyGroups } from '../graph/dependency.js';
import { criterion, UNIT_CRITERIA, type UnitCriterionName } from '../prune/criteria/index.js';
import { maxoutHooks, maxoutUnits, pruneMaxoutNeurons } from '../prune/criteria/maxout.js';
import { correlationHooks, correlationLayers, pruneByCorrelation } from '../prune/criteria/correlation.js';
import type { HookSpec, PassStats } from '../workers/hooks.js';
import type { Sensitivity } from './history.js';
import { checkArray, checkDataset, checkFunction, checkModel, checkOptions, describe } from '../nn/check.js';

export const SENSITIVITY_RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export const SENSITIVITY_METHODS = ['magnitude', 'l1-filter', ...UNIT_CRITERIA.filter((c) => c !== 'group-lasso'), 'maxout', 'correlation'] as const;
export type SensitivityMethod = (typeof SENSITIVITY_METHODS)[number];

export interface SensitivityOptions {
  /**
   * 'magnitude': share of a layer's weights masked; 'l1-filter' (= 'l1'), 'l2', 'apoz', 'taylor',
   * 'random': share of its units removed, lowest scores first; 'maxout': share of each maxout
   * unit's neurons; 'correlation': share of a dense layer's connections masked.
   */
  method: SensitivityMethod;
  ratios?: number[];
  evaluate: (model: Model, data: Dataset) => Promise<Evaluation>;
  /** The data pass of data-driven methods (apoz, taylor, maxout, correlation): statistics of these hooks over the training data. */
  pass?: (model: Model, hooks: Record<string, HookSpec>) => Promise<PassStats>;
  /** Seed of 'random'. */
  seed?: number;
  onPoint?: (layer: string, ratio: number, accuracy: number) => void;
}

export async function sensitivity(model: Model, data: Dataset, options: SensitivityOptions): Promise<Sensitivity> {
  checkModel('sensitivity', 'model', model);
  checkDataset('sensitivity', 'data', data);
  checkOptions('sensitivity', 'options', options);
  const m = options.method;
  if (!(SENSITIVITY_METHODS as readonly string[]).includes(m)) {
    throw new RangeError(`sensitivity: 'options.method' must be one of ${SENSITIVITY_METHODS.join(', ')}, got ${describe(m)}`);
  }
  checkFunction('sensitivity', 'options.evaluate', options.evaluate);
  if (['apoz', 'taylor', 'maxout', 'correlation'].includes(m)) checkFunction('sensitivity', `options.pass (method ${m} needs a data pass)`, options.pass);
  const ratios = options.ratios ?? SENSITIVITY_RATIOS;
  checkArray('sensitivity', 'options.ratios', ratios);
  for (const r of ratios) if (!(r >= 0 && r < 1)) throw new RangeError(`sensitivity: ratios must be in [0, 1), got ${r}`);
  const pass = async (hooks: Record<string, HookSpec>) => (Object.keys(hooks).length && options.pass ? options.pass(model, hooks) : {});
  const baseline = (await options.evaluate(model, data)).accuracy;
  const curves: Sensitivity['curves'] = [];
  /** One curve per layer: `apply` prunes the layer alone to a ratio and returns the model to evaluate; `undo` restores. */
  const sweep = async (layers: readonly string[], apply: (layer: string, ratio: number) => Model, undo: (cut: Model) => void) => {
    for (const layer of layers) {
      const accuracy: number[] = [];
      for (const ratio of ratios) {
        const cut = apply(layer, ratio);
        accuracy.push((await options.evaluate(cut, data)).accuracy);
        options.onPoint?.(layer, ratio, accuracy[accuracy.length - 1]);
        undo(cut);
      }
      curves.push({ layer, ratios, accuracy });
    }
  };
  // Masking methods change the model in place: put its values and mask back after each point.
  const values = model.params.values.toArray() as Float32Array;
  const mask = model.params.mask?.toArray() as Float32Array | undefined;
  const restore = () => {
    model.params.values.f32().set(values);
    if (mask) model.params.mask!.f32().set(mask);
    else { model.params.mask?.dispose(); model.params.mask = null; }
  };
  const dispose = (cut: Model) => { if (cut !== model) cut.dispose(); };
  if (m === 'magnitude') {
    await sweep(prunableWeights(model).map((e) => e.node), (node, ratio) => { pruneByMagnitude(model, { kind: 'layer', sparsity: { [node]: ratio } }); return model; }, restore);
  } else if (m === 'maxout') {
    const stats = await pass(maxoutHooks(model));
    const k = Object.fromEntries(maxoutUnits(model).map((u) => [u.node, u.k]));
    await sweep(Object.keys(k), (node, ratio) => pruneMaxoutNeurons(model, stats, { [node]: Math.min(k[node] - 1, Math.round(ratio * k[node])) }).model, dispose);
  } else if (m === 'correlation') {
    const layers = correlationLayers(model);
    const stats = await pass(correlationHooks(model, layers));
    await sweep(layers, (layer, ratio) => { pruneByCorrelation(model, stats, [layer], 1 - ratio); return model; }, restore);
  } else {
    const c = m === 'l1-filter' ? undefined : criterion(m as UnitCriterionName, options.seed ?? 0);
    const groups = dependencyGroups(model.graph).filter((g) => g.prunable);
    const stats = c?.hooks ? await pass(c.hooks(model, groups)) : {};
    await sweep(groups.map((g) => g.producers[0]), (layer, ratio) => pruneFilters(model, { ratio: { [layer]: ratio }, ...(c ? { criterion: c, stats } : {}) }).model, dispose);
  }
  return { method: m, baseline, curves };
}
