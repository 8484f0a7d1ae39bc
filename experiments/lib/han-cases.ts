// The networks, data and training recipes of the Han et al. experiments (experiments/han.ts and
// experiments/han-seeds.ts): dense training for each case, then the pipeline's retraining.

import type { BuiltinName } from '../../src/node/data.js';
import type { OptimizerOptions } from '../../src/nn/optim/optimizer.js';
import type { HanSettings } from '../../src/pipeline/han.js';
import { lenet5, lenet300100 } from '../../src/nn/nets.js';
import { sparsityTargets } from '../../src/prune/schedule.js';

export interface HanCase {
  net: 'lenet-300-100' | 'lenet-5';
  data: BuiltinName;
  denseEpochs: number;
  optimizer: OptimizerOptions;
  han: Partial<HanSettings>;
}

export const HAN_NETS = { 'lenet-300-100': lenet300100, 'lenet-5': lenet5 };

export const HAN_CASES: HanCase[] = [
  { net: 'lenet-300-100', data: 'fashion-mnist', denseEpochs: 15, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, han: { lr: 0.01, weightDecay: 1e-4 } },
  { net: 'lenet-5', data: 'fashion-mnist', denseEpochs: 15, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }, han: { lr: 0.005, weightDecay: 5e-4 } },
  { net: 'lenet-300-100', data: 'mnist', denseEpochs: 30, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, han: { lr: 0.01, weightDecay: 1e-4 } },
  { net: 'lenet-5', data: 'mnist', denseEpochs: 30, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }, han: { lr: 0.005, weightDecay: 5e-4 } },
];

/** Epochs the pipeline trains for: the L1 phase, every retraining, the longer last one. */
export function pruneEpochs(s: HanSettings): number {
  const steps = sparsityTargets(s.sparsity, s.schedule).length;
  return s.l1Epochs + (steps - 1) * s.retrainEpochs + (s.finalEpochs ?? s.retrainEpochs);
}

/** `--name value` from argv, else the fallback. */
export function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}
