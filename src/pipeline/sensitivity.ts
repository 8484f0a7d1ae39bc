// Sensitivity analysis (Li et al. 2016; Han et al. 2015): each layer pruned alone over a range of
// ratios, accuracy measured with no retraining, so each layer's ratio can be chosen by how much
// it can take.

import type { Dataset } from '../nn/data/dataset.js';
import type { Model } from '../nn/model.js';
import type { Evaluation } from '../nn/train.js';
import { pruneByMagnitude } from '../prune/magnitude.js';
import { prunableWeights } from '../prune/masks.js';
import { pruneFilters } from '../prune/filters.js';
import { dependencyGroups } from '../graph/dependency.js';
import type { Sensitivity } from './history.js';
import { checkArray, checkDataset, checkFunction, checkModel, checkOptions, describe } from '../nn/check.js';

export const SENSITIVITY_RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface SensitivityOptions {
  /** 'magnitude': share of a layer's weights masked; 'l1-filter': share of a layer's filters removed. */
  method: 'magnitude' | 'l1-filter';
  ratios?: number[];
  evaluate: (model: Model, data: Dataset) => Promise<Evaluation>;
  onPoint?: (layer: string, ratio: number, accuracy: number) => void;
}

export async function sensitivity(model: Model, data: Dataset, options: SensitivityOptions): Promise<Sensitivity> {
  checkModel('sensitivity', 'model', model);
  checkDataset('sensitivity', 'data', data);
  checkOptions('sensitivity', 'options', options);
  if (options.method !== 'magnitude' && options.method !== 'l1-filter') {
    throw new RangeError(`sensitivity: 'options.method' must be 'magnitude' or 'l1-filter', got ${describe(options.method)}`);
  }
  checkFunction('sensitivity', 'options.evaluate', options.evaluate);
  const ratios = options.ratios ?? SENSITIVITY_RATIOS;
  checkArray('sensitivity', 'options.ratios', ratios);
  for (const r of ratios) if (!(r >= 0 && r < 1)) throw new RangeError(`sensitivity: ratios must be in [0, 1), got ${r}`);
  const baseline = (await options.evaluate(model, data)).accuracy;
  const curves: Sensitivity['curves'] = [];
  if (options.method === 'magnitude') {
    const values = model.params.values.toArray() as Float32Array;
    const mask = model.params.mask?.toArray() as Float32Array | undefined;
    for (const { node } of prunableWeights(model)) {
      const accuracy: number[] = [];
      for (const ratio of ratios) {
        pruneByMagnitude(model, { kind: 'layer', sparsity: { [node]: ratio } });
        accuracy.push((await options.evaluate(model, data)).accuracy);
        options.onPoint?.(node, ratio, accuracy[accuracy.length - 1]);
        model.params.values.f32().set(values);
        if (mask) model.params.mask!.f32().set(mask);
        else { model.params.mask?.dispose(); model.params.mask = null; }
      }
      curves.push({ layer: node, ratios, accuracy });
    }
  } else {
    const producers = dependencyGroups(model.graph).filter((g) => g.prunable).map((g) => g.producers[0]);
    for (const layer of producers) {
      const accuracy: number[] = [];
      for (const ratio of ratios) {
        const { model: cut } = pruneFilters(model, { ratio: { [layer]: ratio } });
        accuracy.push((await options.evaluate(cut, data)).accuracy);
        options.onPoint?.(layer, ratio, accuracy[accuracy.length - 1]);
        if (cut !== model) cut.dispose();
      }
      curves.push({ layer, ratios, accuracy });
    }
  }
  return { method: options.method, baseline, curves };
}
