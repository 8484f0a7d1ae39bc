// lopper's core entry point: runs unchanged in Node, Deno, browsers and edge runtimes.
export { Kernels, loadKernels, bestKernelBuild, type KernelBuild, type WasmSource } from './kernels/kernels.js';
export { Tensor, type DType } from './kernels/tensor.js';
export { Heap } from './kernels/heap.js';
export type { KernelExports } from './kernels/exports.js';
export * as ops from './kernels/ops/index.js';

export { Graph, type GraphDef, type NodeDef, type GraphNode } from './graph/graph.js';
export { Layer, type Shape, type ParamSpec, type BufferSpec, type ForwardPass, type BackwardPass, type Init } from './graph/layer.js';
export * from './nn/layers/index.js';
export { Model, type ModelOptions } from './nn/model.js';
export { ParamStore, type ParamEntry } from './nn/params.js';
export { Rng } from './nn/random.js';
export { SoftmaxCrossEntropy } from './nn/loss.js';
export { Optimizer, type OptimizerOptions, type Penalties } from './nn/optim/optimizer.js';
export { learningRate, type Schedule } from './nn/optim/schedule.js';
export { train, evaluate, computeGradients, checkData, type TrainOptions, type EpochReport, type BatchProgress, type Evaluation } from './nn/train.js';
export { teacherLogits, type Distillation } from './nn/distill.js';
export { referenceNets, sequential, lenet300100, lenet5, lenet5Maxout, vggSmall, resnetSmall, type ReferenceNet } from './nn/nets.js';
export { lenet5Bn, inceptionSmall, inceptionBlock, type InceptionFilters } from './nn/nets.js';
export * from './nn/data/index.js';

export { saveModel, loadModel } from './io/native.js';
export { crc32 } from './io/crc32.js';

export { WorkerPool, shards, type WorkerFactory, type WorkerHandle, type Shard } from './workers/pool.js';
export { defineTask, type Task, type TaskContext } from './workers/worker.js';
export { trainParallel, evaluateParallel } from './workers/train-parallel.js';
export { localPass, poolPass, dataPass, type DataPass, type PassOptions } from './workers/pass.js';
export { defineHook, runHooks, mergeStats, type HookSpec, type HookKind, type HookState, type HookResult, type PassStats } from './workers/hooks.js';
export { rangeHook } from './workers/range-hook.js';
export { createWebPool, webWorkerFactory, webPoolOrNone, webPoolUnavailable, type WebPoolOptions } from './workers/web.js';

export * from './io/onnx/index.js';

// Pruning: the channels that must go together, structural removal, masks, the methods, and the
// pipelines with their history, sensitivity analysis and report.
export { dependencyGroups, type ChannelGroup, type GroupMember } from './graph/dependency.js';
export { removeUnits, checkCut, type Cut, type Surgery } from './prune/surgery.js';
export { prunableWeights, sparsity, nonzeroParams, bakeMask, clearMask, type Sparsity } from './prune/masks.js';
export { pruneByMagnitude, type MagnitudeTarget } from './prune/magnitude.js';
export { pruneFilters, type FilterPruning } from './prune/filters.js';
export { l1Scores, l2Scores, l1, l2 } from './prune/criteria/norms.js';
export { lowest, type Criterion } from './prune/criteria/criterion.js';
export { criterion, UNIT_CRITERIA, type UnitCriterionName } from './prune/criteria/index.js';
export { apoz } from './prune/criteria/apoz.js';
export { taylor } from './prune/criteria/taylor.js';
export { randomCriterion } from './prune/criteria/random.js';
export { groupLasso, groupNorms, groupLassoPenalty, groupLassoGradient, groupLassoProx, groupLassoProximal, lassoGroups, LASSO_GROUPS, type LassoGroupKind } from './prune/criteria/group-lasso.js';
export { removeLassoGroups } from './prune/criteria/group-lasso-remove.js';
export { applyProximal, proximalGroups, type ProximalGroups } from './nn/proximal.js';
export { maxoutUnits, maxoutHooks, pruneMaxoutNeurons } from './prune/criteria/maxout.js';
export { correlationLayers, correlationHooks, pearson, pruneByCorrelation } from './prune/criteria/correlation.js';
export { activationOf } from './prune/criteria/activations.js';
export { removeDeadUnits, type DeadUnits } from './prune/dead.js';
export { sparsityTargets, type SparsitySchedule } from './prune/schedule.js';
export { runHan, HAN_DEFAULTS, pipelineEpochs, type HanSettings, type HanLrSchedule, type HanRun, type CheckpointStore } from './pipeline/han.js';
export { createRunner, evaluateChunked, passOf, type Runner, type RunnerOptions } from './pipeline/runner.js';
export { runFilterPruning, FILTER_DEFAULTS, defaultFilterLayers, type FilterSettings, type FilterRun } from './pipeline/filters.js';
export { runStructured, checkStructured, STRUCTURED_DEFAULTS, METHODS as STRUCTURED_METHODS, type StructuredSettings, type StructuredRun, type Method as StructuredMethod } from './pipeline/structured.js';
export { runStages, type Stage, type StagesRun, type StagesOptions } from './pipeline/stages.js';
export { sensitivity, SENSITIVITY_RATIOS, SENSITIVITY_METHODS, type SensitivityOptions, type SensitivityMethod } from './pipeline/sensitivity.js';
export { renderReport, checkHistory } from './pipeline/report.js';
export { measureLatency, compareLatency, forwardLatencies, type LatencyOptions } from './pipeline/stats.js';
export { findCollapse, COLLAPSE_THRESHOLDS, type CollapseThresholds } from './pipeline/collapse.js';
export type { History, HistoryStep, Phase, LayerStats, Sensitivity, SensitivityCurve, Collapse } from './pipeline/history.js';
export { thinetPrune, thinetStep, thinetApply, type ThinetOptions, type ThinetLayer, type ThinetResult } from './prune/thinet/prune.js';
export { thinetScores } from './prune/thinet/scores.js';
export { selectUnits, type Selection, type SelectOptions, type Reweighting } from './prune/thinet/select.js';
export { consumersOf, planSamples, sampleBatch, sampleContributions, samplePass, type Consumer, type SamplePlan, type ConsumerSamples, type SampleOptions } from './prune/thinet/sample.js';
export { SingularSystemError } from './kernels/ops/thinet.js';
export { ratioForFlops, flopsAfter } from './prune/flops-target.js';

// Deep Compression: weight sharing, centroid fine-tuning, Huffman coding, the .lop file, the
// codebook ONNX, the bytes per stage, and sparse inference through the CSR and SELL-4 kernels.
export { shareWeights, shareableWeights, writeShared, SHARE_DEFAULTS, type SharedTensor, type ShareBits } from './compress/share.js';
export { finetuneCentroids, type FinetuneOptions } from './compress/finetune.js';
export { encodeLop, decodeLop, GAP_BITS, type LopContents, type LopSection } from './compress/lop-file.js';
export { exportCodebookOnnx } from './compress/onnx-codebook.js';
export { stageSizes, type StageBytes, type SizeStage } from './compress/sizes.js';
export { useSparseKernels, type SparseKernel, type SparseLayerPlan, type SparseOptions } from './compress/sparse-inference.js';
export { kmeans1d, type Clustering } from './compress/kmeans.js';
export { codeLengths, canonicalCodes, huffmanEncode, decodeTable, countSymbols } from './compress/huffman.js';
export { relativeIndex, positionsOf, type RelativeIndex } from './compress/relative-index.js';
export { huffmanDecode } from './kernels/ops/huffman.js';

// int8: calibration, per-channel weights, the quantised (fake-quant) model, int8 inference on
// lopper's kernels, quantisation-aware fine-tuning; int8 kernel ops.
export * from './compress/quantize/index.js';
export { quantize, dequantize, packInt8, gemmInt8, dequantizeChannels, requantizeChannels, conv2dInt8, type QuantParams, type PackedInt8, type GemmInt8Options, type ChannelOptions, type Conv2dInt8Options } from './kernels/ops/int8.js';

// Slimming (DeepRebirth): latency per layer, exact merges, streamline and branch slimming.
export * from './slim/index.js';
