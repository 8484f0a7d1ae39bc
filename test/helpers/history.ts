// A synthetic pruning history (LeNet-300-100-like: dense, three prune → retrain iterations, final)
// for the report tests; `sensitivity` adds curves for every layer.

import type { History, HistoryStep, Phase } from '../../src/pipeline/history.js';

const LAYERS = { fc1: [784 * 300, 300], fc2: [300 * 100, 100], fc3: [100 * 10, 10] } as const;

export function syntheticHistory(options: { model?: string; sensitivity?: boolean } = {}): History {
  const steps: HistoryStep[] = [];
  const add = (phase: Phase, iteration: number, share: number, accuracy: number) => {
    const layers: HistoryStep['layers'] = {};
    let zeros = 0;
    let weights = 0;
    for (const [name, [w, channels]] of Object.entries(LAYERS)) {
      const s = name === 'fc3' ? share / 2 : share;
      layers[name] = { weights: w, zeros: Math.round(w * s), channels };
      zeros += layers[name].zeros;
      weights += w;
    }
    const params = weights + 410;
    steps.push({
      step: steps.length, phase, iteration, params, nonzeroParams: params - zeros, flops: 2 * (params - zeros),
      sparsity: zeros / weights, layers, accuracy, latencyMs: 1.5 - share, latencyBatch: 64, seconds: 3.2,
    });
  };
  add('dense', 0, 0, 0.8912);
  [0.5, 0.75, 0.9].forEach((s, i) => {
    add('prune', i + 1, s, 0.88 - 0.08 * i);
    add('retrain', i + 1, s, 0.889 - 0.003 * i);
  });
  add('final', 3, 0.9, 0.8851);
  const history: History = {
    model: options.model ?? 'lenet-300-100', dataset: 'fashion-mnist', method: 'magnitude (Han et al. 2015)', seed: 1,
    settings: { target: 0.9, schedule: { kind: 'iterative', iterations: 3 }, epochs: 2 },
    versions: { lopper: '0.1.0', node: 'v20' }, steps,
  };
  if (options.sensitivity) {
    const ratios = [0, 0.2, 0.4, 0.6, 0.8, 0.9];
    history.sensitivity = {
      method: 'magnitude', baseline: 0.8912,
      curves: Object.keys(LAYERS).map((layer, i) => ({ layer, ratios, accuracy: ratios.map((r) => 0.8912 - (i + 1) * 0.3 * r ** 3) })),
    };
  }
  return history;
}
