// lopper's core entry point: runs unchanged in Node, Deno, browsers and edge runtimes.
export { Kernels, loadKernels, bestKernelBuild, type KernelBuild, type WasmSource } from './kernels/kernels.js';
export { Tensor, type DType } from './kernels/tensor.js';
export { Heap } from './kernels/heap.js';
export type { KernelExports } from './kernels/exports.js';
export * as ops from './kernels/ops/index.js';

export { Graph, type GraphDef, type NodeDef, type GraphNode } from './graph/graph.js';
export { Layer, type Shape, type ParamSpec, type BufferSpec, type ForwardPass, type BackwardPass, type Init } from './nn/layer.js';
export * from './nn/layers/index.js';
export { Model, type ModelOptions } from './nn/model.js';
export { ParamStore, type ParamEntry } from './nn/params.js';
export { Rng } from './nn/random.js';
export { SoftmaxCrossEntropy } from './nn/loss.js';
export { Optimizer, type OptimizerOptions, type Penalties } from './nn/optim/optimizer.js';
export { learningRate, type Schedule } from './nn/optim/schedule.js';
export { train, evaluate, computeGradients, checkData, type TrainOptions, type EpochReport, type BatchProgress, type Evaluation } from './nn/train.js';
export { teacherLogits, type Distillation } from './nn/distill.js';
export { referenceNets, sequential, lenet300100, lenet5, lenet5Maxout, vggSmall, type ReferenceNet } from './nn/nets.js';
export { lenet5Bn, inceptionSmall, inceptionBlock, type InceptionFilters } from './nn/nets.js';
export * from './nn/data/index.js';

export { saveModel, loadModel } from './io/native.js';
export { crc32 } from './io/crc32.js';

export { WorkerPool, shards, type WorkerFactory, type WorkerHandle, type Shard } from './workers/pool.js';
export { defineTask, type Task, type TaskContext } from './workers/worker.js';
export { trainParallel, evaluateParallel } from './workers/train-parallel.js';
export { createWebPool, webWorkerFactory } from './workers/web.js';

export * from './io/onnx/index.js';

// Pruning: the channels that must go together, structural removal, masks, the methods, and the
// pipelines with their history, sensitivity analysis and report.
export { dependencyGroups, type ChannelGroup, type GroupMember } from './graph/dependency.js';
export { removeUnits, checkCut, type Cut, type Surgery } from './prune/surgery.js';
export { prunableWeights, sparsity, nonzeroParams, bakeMask, clearMask, type Sparsity } from './prune/masks.js';
export { pruneByMagnitude, type MagnitudeTarget } from './prune/magnitude.js';
export { pruneFilters, l1Scores, type FilterPruning } from './prune/filters.js';
export { removeDeadUnits, type DeadUnits } from './prune/dead.js';
export { sparsityTargets, type SparsitySchedule } from './prune/schedule.js';
export { runHan, HAN_DEFAULTS, pipelineEpochs, type HanSettings, type HanLrSchedule, type HanRun, type Runner, type CheckpointStore } from './pipeline/han.js';
export { runFilterPruning, FILTER_DEFAULTS, defaultFilterLayers, type FilterSettings, type FilterRun } from './pipeline/filters.js';
export { sensitivity, SENSITIVITY_RATIOS, type SensitivityOptions } from './pipeline/sensitivity.js';
export { renderReport, checkHistory } from './pipeline/report.js';
export { measureLatency } from './pipeline/stats.js';
export type { History, HistoryStep, Phase, LayerStats, Sensitivity, SensitivityCurve } from './pipeline/history.js';

// Slimming (DeepRebirth): latency per layer, exact merges, streamline and branch slimming.
export * from './slim/index.js';
