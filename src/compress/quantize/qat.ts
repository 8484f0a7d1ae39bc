// Quantisation-aware fine-tuning of a quantised model: activations pass through its FakeQuant
// nodes, weights through per-channel fake-quant, and both use the straight-through estimator —
// the optimiser updates f32 master weights with the gradient taken at their int8 values.
// Pruned weights (masked) stay exact zeros; weights shared by k-means simply start on the grid.

import { train, type EpochReport, type TrainOptions } from '../../nn/train.js';
import type { Dataset } from '../../nn/data/dataset.js';
import { dequantizePerChannel, quantizePerChannel } from './weights.js';
import type { QuantizedModel } from './model.js';

/**
 * Fine-tunes `q.model` in place for `options.epochs` and updates each layer's weight scales;
 * returns the epoch reports. Activation scales stay as calibrated.
 */
export async function fineTuneQuantized(q: QuantizedModel, data: Dataset, options: TrainOptions): Promise<EpochReport[]> {
  const params = q.model.params;
  const views = q.layers.map((l) => params.entry(l.node, 'weight'));
  // Masters: the f32 weights the optimiser really moves; the model holds their fake-quant copies.
  const masters = views.map((e) => params.values.f32().slice(e.start, e.start + e.size));
  const shown = masters.map((m) => m.slice());
  const show = () => {
    const values = params.values.f32();
    views.forEach((e, i) => {
      const quant = quantizePerChannel(masters[i], e.shape[0]);
      dequantizePerChannel(quant, shown[i]);
      values.set(shown[i], e.start);
      q.layers[i].weightScales = quant.scales;
    });
  };
  // NOTE: the straight-through estimator. The step the optimiser took from the fake-quant weights
  // (computed at them) is applied to the masters, then the model shows the masters' fake-quant.
  const sync = () => {
    const values = params.values.f32();
    views.forEach((e, i) => {
      const m = masters[i];
      const s = shown[i];
      for (let j = 0; j < m.length; j++) m[j] += values[e.start + j] - s[j];
    });
    show();
  };
  show();
  return train(q.model, data, {
    ...options,
    onBatch: (p) => {
      sync();
      options.onBatch?.(p);
    },
  });
}
