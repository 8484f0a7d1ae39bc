// Training and evaluation on one wasm instance. The worker pool runs the same gradient step on
// shards of each batch (src/workers/); this file is the single-threaded path and the spec.

import type { Dataset } from './data/dataset.js';
import type { Model } from './model.js';
import { SoftmaxCrossEntropy } from './loss.js';
import { Optimizer, type OptimizerOptions } from './optim/optimizer.js';
import { learningRate, checkSchedule, type Schedule } from './optim/schedule.js';

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
 * Forward, loss and backward for the samples `indices`: leaves the gradient of the mean loss in
 * model.params.grads and returns the summed loss and the number classified correctly.
 */
export function computeGradients(model: Model, loss: SoftmaxCrossEntropy, data: Dataset, indices: ArrayLike<number>, labels: Int32Array): { loss: number; correct: number } {
  const batch = indices.length;
  data.fillBatch(model.input(batch).f32(), labels, indices);
  const logits = model.forward(batch, { training: true });
  const mean = loss.forward(logits, labels.subarray(0, batch));
  const correct = countCorrect(logits.f32(), labels, batch);
  model.backward(loss.backward());
  return { loss: mean * batch, correct };
}

export function train(model: Model, data: Dataset, options: TrainOptions): EpochReport[] {
  checkData(model, data);
  if (options.test) checkData(model, options.test);
  const { epochs, batchSize = 64, seed = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`train: 'epochs' must be an integer ≥ 0, got ${epochs}`);
  const batches = data.batchCount(batchSize);
  const schedule = checkSchedule(options.schedule ?? { kind: 'constant' });
  const optimizer = options.optimizerState ?? new Optimizer(model.params, options.optimizer ?? DEFAULT_OPTIMIZER);
  const loss = new SoftmaxCrossEntropy(model.k);
  const labels = new Int32Array(batchSize);
  const reports: EpochReport[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      const order = data.order({ shuffle: true, seed: seed + epoch });
      let sum = 0;
      let correct = 0;
      const lr = learningRate(optimizer.options.lr, schedule, epoch);
      for (let b = 0; b < batches; b++) {
        const indices = order.subarray(b * batchSize, Math.min(order.length, (b + 1) * batchSize));
        const step = computeGradients(model, loss, data, indices, labels);
        optimizer.step(learningRate(optimizer.options.lr, schedule, epoch + b / batches));
        sum += step.loss;
        correct += step.correct;
        options.onBatch?.({ epoch, batch: b, batches, loss: step.loss / indices.length });
      }
      const report: EpochReport = { epoch, lr, loss: sum / data.size, trainAccuracy: correct / data.size, seconds: 0 };
      if (options.test) {
        const t = evaluate(model, options.test, { batchSize: Math.max(batchSize, 256) });
        report.testAccuracy = t.accuracy;
        report.testLoss = t.loss;
      }
      report.seconds = (performance.now() - started) / 1000;
      reports.push(report);
      options.onEpoch?.(report);
    }
  } finally {
    loss.dispose();
    if (!options.optimizerState) optimizer.dispose();
  }
  return reports;
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
