// Layer merging and refitting after pruning (DeepRebirth, Li, Wang & Kong 2018): latency per layer,
// exact merges, streamline and branch slimming with layer-local least-squares refits.
export { profileLatency, type LatencyProfile, type LayerTime, type ProfileOptions } from './profile.js';
export { foldModel, mergeExact, type ExactOptions } from './exact.js';
export { streamline, findChains, embedKernel, type Chain } from './streamline.js';
export { refit, refitInTurn, type RefitOptions, type SlimFit } from './refit.js';
export { slimBranches, findBlocks, type Block, type BranchOptions } from './branch.js';
export { fitConvs, type FitJob, type FitOptions, type FitResult } from './fit.js';
export { regressConvs, type RegressJob, type RegressOptions, type RegressResult } from './regress.js';
export { slimModel, type SlimOptions, type SlimStep, type SlimStepResult } from './slim.js';
export { Draft, type DraftNode } from './draft.js';
export { TENSOR_OPS, isTensorLayer } from './layers.js';
