// Training and evaluation on one wasm instance. The worker pool runs the same gradient step on
// shards of each batch (src/workers/); this file is the single-threaded path and the spec.

import type { Dataset } from './data/dataset.js';
import type { Model } from './model.js';
import { SoftmaxCrossEntropy } from './loss.js';
import { Optimizer, checkOptimizer, type OptimizerOptions } from './optim/optimizer.js';
import { learningRate, checkSchedule, type Schedule } from './optim/schedule.js';
import { blendDistillation, checkDistillation, type Distillation } from './distill.js';
import { applyProximal, checkProximal, type ProximalGroups } from './proximal.js';

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
}

export interface EpochReport {
  epoch: number;
  lr: number;
  /** Mean training loss and accuracy over the epoch (measured during training). */
  loss: number;
  trainAccuracy: number;
  /** On the `test` dataset after the epoch, when one was given. */
  testAccuracy?: number;
  testLoss?: number;
  seconds: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  optimizer?: OptimizerOptions;
  schedule?: Schedule;
  /** Seed of the batch order (epoch e shuffles with seed + e). */
  seed?: number;
  test?: Dataset;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (r: EpochReport) => void;
  /** Carried over between calls to go on training with the same optimiser state. */
  optimizerState?: Optimizer;
  /** Learn from a teacher's logits as well as from the labels (distill.ts). */
  distill?: Distillation;
  /** A proximal step (group lasso) after every optimiser step, at that step's learning rate (proximal.ts). */
  proximal?: ProximalGroups;
}

export const DEFAULT_OPTIMIZER: OptimizerOptions = { kind: 'sgd', lr: 0.01, momentum: 0.9 };

/** Checks that a dataset fits a model: sample shape, and labels within the model's outputs. */
export function checkData(model: Model, data: Dataset): void {
  const want = model.graph.inputs[0].shape;
  const outputs = model.graph.shapeOf(model.graph.outputs[0]);
  if (want.length !== data.shape.length || want.some((d, i) => d !== data.shape[i])) {
    throw new RangeError(`dataset '${data.name}' has samples of shape [${data.shape}], model '${model.graph.name}' takes [${want}]`);
  }
  if (outputs.length !== 1 || data.classes > outputs[0]) {
    throw new RangeError(`dataset '${data.name}' has ${data.classes} classes, model '${model.graph.name}' outputs [${outputs}]`);
  }
}

/**
 * Forward, loss and backward for the samples `indices`: leaves the gradient of the mean loss,
 * times `scale`, in model.params.grads and returns the summed loss and the number classified
 * correctly. A worker with a shard of a batch passes shard/batch as `scale`, so the shards'
 * gradients sum to the batch's mean gradient; scaling the loss gradient (batch × classes values)
 * costs nothing next to scaling the parameter gradient, and backward is linear in it.
 * With `distill`, the loss and its gradient are the blend of distill.ts.
 */
export function computeGradients(model: Model, loss: SoftmaxCrossEntropy, data: Dataset, indices: ArrayLike<number>, labels: Int32Array, scale = 1, distill?: Distillation): { loss: number; correct: number } {
  const batch = indices.length;
  data.fillBatch(model.input(batch).f32(), labels, indices);
  const logits = model.forward(batch, { training: true });
  let sum = loss.forward(logits, labels.subarray(0, batch)) * batch;
  const correct = countCorrect(logits.f32(), labels, batch);
  const dLogits = loss.backward();
  if (distill) sum = (1 - distill.alpha) * sum + distill.alpha * blendDistillation(distill, logits.f32(), dLogits.f32(), indices);
  if (scale !== 1) model.k.wasm.f32_scale(dLogits.offset, dLogits.offset, scale, dLogits.size);
  model.backward(dLogits);
  return { loss: sum, correct };
}

/** What training over some samples returns: the summed loss over them and how many were right. */
export interface StepResult {
  loss: number;
  correct: number;
}

/**
 * Checks everything a training run takes before any work: the data against the model, the
 * epochs, batch size and schedule. `who` names the caller in errors.
 */
export function checkTraining(model: Model, data: Dataset, options: TrainOptions, who: string): void {
  checkData(model, data);
  if (options.test) checkData(model, options.test);
  const { epochs } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${who}: 'epochs' must be an integer ≥ 0, got ${epochs}`);
  data.batchCount(options.batchSize ?? 64);
  checkSchedule(options.schedule ?? { kind: 'constant' });
  if (options.optimizer) checkOptimizer(options.optimizer);
  if (options.distill) checkDistillation(options.distill, data, model.graph.shapeOf(model.graph.outputs[0])[0], who);
  if (options.proximal) checkProximal(options.proximal, model.params.trainableSize, who);
}

/** One epoch of optimiser steps as runEpochs plans it. */
export interface EpochPlan {
  epoch: number;
  /** The epoch's sample order; batch b is order[b·batchSize, (b+1)·batchSize) (the last may be short). */
  order: Int32Array;
  batchSize: number;
  batches: number;
  /** Learning rate of batch b: the schedule at epoch + b / batches. */
  lrs: Float64Array;
  optimizer: Optimizer;
}

/**
 * The epoch loop train() and trainParallel() share: seeded order, learning-rate schedule,
 * optimiser, test evaluation and reports. `epoch` runs one epoch's steps (calling onBatch) and
 * returns the epoch's summed loss and correct count.
 */
export async function runEpochs(
  model: Model,
  data: Dataset,
  options: TrainOptions,
  epoch: (plan: EpochPlan) => StepResult | Promise<StepResult>,
  test: (data: Dataset, batchSize: number) => Evaluation | Promise<Evaluation>,
): Promise<EpochReport[]> {
  const { epochs, batchSize = 64, seed = 0 } = options;
  const batches = data.batchCount(batchSize);
  const schedule = options.schedule ?? { kind: 'constant' };
  const optimizer = options.optimizerState ?? new Optimizer(model.params, options.optimizer ?? DEFAULT_OPTIMIZER);
  const reports: EpochReport[] = [];
  try {
    for (let e = 0; e < epochs; e++) {
      const started = performance.now();
      const order = data.order({ shuffle: true, seed: seed + e });
      const lrs = Float64Array.from({ length: batches }, (_, b) => learningRate(optimizer.options.lr, schedule, e + b / batches));
      const result = await epoch({ epoch: e, order, batchSize, batches, lrs, optimizer });
      const lr = learningRate(optimizer.options.lr, schedule, e);
      const report: EpochReport = { epoch: e, lr, loss: result.loss / data.size, trainAccuracy: result.correct / data.size, seconds: 0 };
      if (options.test) {
        const t = await test(options.test, Math.max(batchSize, 256));
        report.testAccuracy = t.accuracy;
        report.testLoss = t.loss;
      }
      report.seconds = (performance.now() - started) / 1000;
      reports.push(report);
      options.onEpoch?.(report);
    }
  } finally {
    if (!options.optimizerState) optimizer.dispose();
  }
  return reports;
}

/** The indices of batch b of a plan (a view of its order). */
export function batchOf(plan: Pick<EpochPlan, 'order' | 'batchSize'>, b: number): Int32Array {
  return plan.order.subarray(b * plan.batchSize, Math.min(plan.order.length, (b + 1) * plan.batchSize));
}

/**
 * How often a loop that keeps this thread (training, evaluation or a data pass without workers)
 * lets the host's event loop run: signal handlers (Ctrl-C with --workers 1), timers, a page's
 * repaint. A macrotask costs ~1 ms in Node and up to 4 ms in browsers: at most a few per cent.
 */
export const HAND_BACK_MS = 100;

/** Resolves on the next macrotask, after whatever the event loop has waiting. */
export function handBack(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Trains on this thread; trainParallel (src/workers/) does the same over a worker pool. */
export async function train(model: Model, data: Dataset, options: TrainOptions): Promise<EpochReport[]> {
  checkTraining(model, data, options, 'train');
  const loss = new SoftmaxCrossEntropy(model.k);
  const labels = new Int32Array(options.batchSize ?? 64);
  try {
    return await runEpochs(model, data, options, async (plan) => {
      let sum = 0;
      let correct = 0;
      let since = performance.now();
      for (let b = 0; b < plan.batches; b++) {
        if (performance.now() - since > HAND_BACK_MS) {
          await handBack();
          since = performance.now();
        }
        const indices = batchOf(plan, b);
        const result = computeGradients(model, loss, data, indices, labels, 1, options.distill);
        plan.optimizer.step(plan.lrs[b]);
        if (options.proximal) applyProximal(model.params.values.f32(), options.proximal, plan.lrs[b]);
        sum += result.loss;
        correct += result.correct;
        options.onBatch?.({ epoch: plan.epoch, batch: b, batches: plan.batches, loss: result.loss / indices.length });
      }
      return { loss: sum, correct };
    }, (test, batchSize) => evaluate(model, test, { batchSize }));
  } finally {
    loss.dispose();
  }
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  correct: number;
  count: number;
}

/** Accuracy and mean loss in inference mode, over the whole dataset in order. */
export function evaluate(model: Model, data: Dataset, options: { batchSize?: number } = {}): Evaluation {
  checkData(model, data);
  const batchSize = options.batchSize ?? 256;
  const loss = new SoftmaxCrossEntropy(model.k);
  const labels = new Int32Array(batchSize);
  const order = data.order();
  let sum = 0;
  let correct = 0;
  try {
    for (let start = 0; start < data.size; start += batchSize) {
      const indices = order.subarray(start, Math.min(data.size, start + batchSize));
      const batch = indices.length;
      data.fillBatch(model.input(batch).f32(), labels, indices);
      const logits = model.forward(batch, { training: false });
      sum += loss.forward(logits, labels.subarray(0, batch)) * batch;
      correct += countCorrect(logits.f32(), labels, batch);
    }
  } finally {
    loss.dispose();
  }
  return { accuracy: correct / data.size, loss: sum / data.size, correct, count: data.size };
}

/** How many of `batch` rows of logits [batch, K] have their largest value at the label. */
export function countCorrect(logits: Float32Array, labels: Int32Array, batch: number): number {
  const K = logits.length / batch;
  let correct = 0;
  for (let b = 0; b < batch; b++) {
    let best = 0;
    for (let j = 1; j < K; j++) if (logits[b * K + j] > logits[b * K + best]) best = j;
    if (best === labels[b]) correct++;
  }
  return correct;
}
