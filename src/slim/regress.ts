// Local regression after the least-squares refit: a few epochs of Adam on the slim conv alone,
// minimising the mean of ‖Y − f(W, B; X)‖² with f the conv *and its activation* (least squares
// fits the linear part only, so a ReLU it feeds makes its fit approximate). X and Y are sampled
// once from forward passes of the model being slimmed; the conv trains as a one-node model with
// lopper's own backward pass and optimiser.

import { Graph } from '../graph/graph.js';
import type { Dataset } from '../nn/data/dataset.js';
import type { Conv2d } from '../nn/layers/conv2d.js';
import { Model } from '../nn/model.js';
import { Optimizer } from '../nn/optim/optimizer.js';

export interface RegressJob {
  input: string;
  target: string;
  /** The slim conv, activation included. */
  layer: Conv2d;
  /** Starting weights (the least-squares fit). */
  weight: Float32Array;
  bias: Float32Array;
}

export interface RegressOptions {
  /** Epochs over the sample (default 20). */
  epochs?: number;
  /** Adam's learning rate (default 1e-3). */
  lr?: number;
  /** Default 32. */
  batchSize?: number;
  /** Sampled inputs (default 512) and their seed (default 0). */
  samples?: number;
  seed?: number;
}

export interface RegressResult {
  weight: Float32Array;
  bias: Float32Array;
  /** Mean squared error per target value, activation included, before and after. */
  errorBefore: number;
  errorAfter: number;
}

/** Targets from `model`, inputs from `inputModel` (default `model`), as in fitConvs. */
export function regressConvs(model: Model, jobs: readonly RegressJob[], data: Dataset, options: RegressOptions = {}, inputModel: Model = model): RegressResult[] {
  const epochs = options.epochs ?? 20;
  const lr = options.lr ?? 1e-3;
  const batchSize = options.batchSize ?? 32;
  const samples = Math.min(options.samples ?? 512, data.size);
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`regressConvs: 'epochs' must be an integer ≥ 0, got ${epochs}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`regressConvs: 'lr' must be a finite number > 0, got ${lr}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`regressConvs: 'batchSize' must be an integer ≥ 1, got ${batchSize}`);
  const g = model.graph;
  const size = (v: string) => g.shapeOf(v).reduce((a, b) => a * b, 1);
  const inSize = (v: string) => inputModel.graph.shapeOf(v).reduce((a, b) => a * b, 1);
  const xs = jobs.map((j) => new Float32Array(samples * inSize(j.input)));
  const ys = jobs.map((j) => new Float32Array(samples * size(j.target)));
  const order = data.order({ shuffle: true, seed: options.seed ?? 0 }).subarray(0, samples);
  const labels = new Int32Array(64);
  for (let start = 0; start < samples; start += 64) {
    const indices = order.subarray(start, Math.min(samples, start + 64));
    for (const m of new Set([model, inputModel])) {
      data.fillBatch(m.input(indices.length).f32(), labels, indices);
      m.forward(indices.length);
    }
    jobs.forEach((j, i) => {
      xs[i].set(inputModel.activation(j.input).f32(), start * inSize(j.input));
      ys[i].set(model.activation(j.target).f32(), start * size(j.target));
    });
  }
  return jobs.map((job, i) => regressOne(inputModel, job, xs[i], ys[i], samples, { epochs, lr, batchSize }));
}

function regressOne(source: Model, job: RegressJob, X: Float32Array, Y: Float32Array, n: number, o: { epochs: number; lr: number; batchSize: number }): RegressResult {
  const g = source.graph;
  const inSize = X.length / n;
  const outSize = Y.length / n;
  const m = new Model(new Graph({ name: `regress-${job.target}`, inputs: [{ name: 'x', shape: g.shapeOf(job.input) }], nodes: [{ name: 'c', layer: job.layer, inputs: ['x'] }], outputs: ['c'] }), source.k);
  m.params.value('c', 'weight').set(job.weight);
  m.params.value('c', 'bias').set(job.bias);
  const optimizer = new Optimizer(m.params, { kind: 'adam', lr: o.lr });
  const mse = (): number => {
    let e = 0;
    for (let s = 0; s < n; s += o.batchSize) {
      const b = Math.min(o.batchSize, n - s);
      const y = m.forward(b, { x: X.subarray(s * inSize, (s + b) * inSize) }).f32();
      for (let i = 0; i < y.length; i++) e += (y[i] - Y[s * outSize + i]) ** 2;
    }
    return e / Y.length;
  };
  try {
    const errorBefore = mse();
    for (let e = 0; e < o.epochs; e++) {
      for (let s = 0; s < n; s += o.batchSize) {
        const b = Math.min(o.batchSize, n - s);
        const y = m.forward(b, { x: X.subarray(s * inSize, (s + b) * inSize), training: true });
        const dy = m.gradient('c');
        // NOTE: gradient of the batch's mean squared error per value: 2(ŷ − Y)/(b·outSize).
        const yv = y.f32();
        const dv = dy.f32();
        const scale = 2 / (b * outSize);
        for (let i = 0; i < yv.length; i++) dv[i] = scale * (yv[i] - Y[s * outSize + i]);
        m.backward(dy);
        optimizer.step();
      }
    }
    const errorAfter = mse();
    return { weight: m.params.value('c', 'weight').toArray() as Float32Array, bias: m.params.value('c', 'bias').toArray() as Float32Array, errorBefore, errorAfter };
  } finally {
    optimizer.dispose();
    m.dispose();
  }
}
