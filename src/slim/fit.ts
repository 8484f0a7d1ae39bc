// Layer-local refit (DeepRebirth): a new conv fitted to reproduce what a chain or block of the
// model computes, min_{W, B} Σ_i ‖Y_i − (W ∗ X_i + B)‖²_F over sampled inputs, by linear least
// squares. Per fit: X is the value the slim conv will read, Y the value it replaces, both
// taken from forward passes of the model being slimmed. The normal equations are accumulated
// with the wasm im2col and gemm kernels (in f64 across batches) and solved by Cholesky.

import type { Dataset } from '../nn/data/dataset.js';
import type { Conv2d } from '../nn/layers/conv2d.js';
import type { Model } from '../nn/model.js';
import { gemm, im2col } from '../kernels/ops/index.js';
import type { Tensor } from '../kernels/tensor.js';
import { checkData } from '../nn/train.js';

export interface FitJob {
  /** The value the conv reads (a node or graph input). */
  input: string;
  /** The value it must reproduce. */
  target: string;
  /** The conv (groups 1, no dilation); its activation, if any, is not part of the fitted map. */
  layer: Conv2d;
  /** The starting weights, [filters, C, KH, KW] and [filters]: the "before" of the fit. */
  init: { weight: Float32Array; bias: Float32Array };
}

export interface FitResult {
  weight: Float32Array;
  bias: Float32Array;
  /** Mean squared error per target value of the starting and of the fitted weights, on the sample. */
  errorBefore: number;
  errorAfter: number;
}

export interface FitOptions {
  /** Sampled inputs (default 512, at most the dataset's size). */
  samples?: number;
  /** Forward batch while sampling (default 64). */
  batchSize?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
  /** Ridge penalty relative to the mean squared input (default 1e-4): keeps rank-poor inputs solvable. */
  ridge?: number;
}

/** Normal equations of one job: G = Σ col·colᵀ, R = Σ col·Yᵀ, s = Σ col, t = Σ Y, yy = Σ Y², n columns. */
interface Moments {
  D: number;
  OC: number;
  P: number;
  G: Float64Array;
  R: Float64Array;
  s: Float64Array;
  t: Float64Array;
  yy: number;
  n: number;
}

/**
 * Fits every job on the same sampled inputs of `data` (one pass of forwards for all): targets
 * from `model`, inputs from `inputModel` (default `model`; a partly slimmed copy fits each layer
 * to what the slimmed layers before it really give).
 */
export function fitConvs(model: Model, jobs: readonly FitJob[], data: Dataset, options: FitOptions = {}, inputModel: Model = model): FitResult[] {
  checkData(model, data);
  const samples = Math.min(options.samples ?? 512, data.size);
  const batchSize = options.batchSize ?? 64;
  const ridge = options.ridge ?? 1e-4;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`fitConvs: 'samples' must be an integer ≥ 1, got ${options.samples}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fitConvs: 'batchSize' must be an integer ≥ 1, got ${batchSize}`);
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new RangeError(`fitConvs: 'ridge' must be a finite number ≥ 0, got ${ridge}`);
  const g = model.graph;
  const k = model.k;
  const moments: Moments[] = jobs.map((job) => {
    const [C, H, W] = inputModel.graph.shapeOf(job.input);
    const out = job.layer.outputShape([[C, H, W]]);
    const want = g.shapeOf(job.target);
    if (out.length !== want.length || out.some((v, i) => v !== want[i])) {
      throw new RangeError(`fitConvs: a conv on '${job.input}' [${[C, H, W]}] gives [${out}], the target '${job.target}' is [${want}]`);
    }
    const D = C * job.layer.kernel[0] * job.layer.kernel[1];
    const OC = out[0];
    return { D, OC, P: out[1] * out[2], G: new Float64Array(D * D), R: new Float64Array(D * OC), s: new Float64Array(D), t: new Float64Array(OC), yy: 0, n: 0 };
  });
  const order = data.order({ shuffle: true, seed: options.seed ?? 0 }).subarray(0, samples);
  const labels = new Int32Array(batchSize);
  const work = jobs.map((job, j) => {
    const m = moments[j];
    return { col: k.tensor([m.D, m.P]), G: k.tensor([m.D, m.D]), R: k.tensor([m.D, m.OC]), shape: inputModel.graph.shapeOf(job.input) };
  });
  try {
    for (let start = 0; start < samples; start += batchSize) {
      const indices = order.subarray(start, Math.min(samples, start + batchSize));
      const batch = indices.length;
      for (const m of new Set([model, inputModel])) {
        data.fillBatch(m.input(batch).f32(), labels, indices);
        m.forward(batch);
      }
      jobs.forEach((job, j) => accumulate(inputModel.activation(job.input), model.activation(job.target), moments[j], work[j], job, batch));
    }
    return jobs.map((job, j) => solve(job, moments[j], ridge));
  } finally {
    for (const w of work) for (const t of [w.col, w.G, w.R]) t.dispose();
  }
}

function accumulate(x: Tensor, y: Tensor, m: Moments, w: { col: Tensor; G: Tensor; R: Tensor; shape: readonly number[] }, job: FitJob, batch: number): void {
  const inSize = w.shape.reduce((a, b) => a * b, 1);
  const { kernel, stride, padding, dilation } = job.layer;
  for (let b = 0; b < batch; b++) {
    im2col(w.col, x.view(b * inSize, w.shape), { kernel, stride, padding, dilation });
    const yb = y.view(b * m.OC * m.P, [m.OC, m.P]);
    gemm(w.G, w.col, w.col, { transB: true, beta: b === 0 ? 0 : 1 });
    gemm(w.R, w.col, yb, { transB: true, beta: b === 0 ? 0 : 1 });
    const col = w.col.f32();
    for (let d = 0; d < m.D; d++) {
      let sum = 0;
      for (let p = d * m.P; p < (d + 1) * m.P; p++) sum += col[p];
      m.s[d] += sum;
    }
    const yv = yb.f32();
    for (let o = 0; o < m.OC; o++) {
      for (let p = o * m.P; p < (o + 1) * m.P; p++) {
        m.t[o] += yv[p];
        m.yy += yv[p] * yv[p];
      }
    }
    m.n += m.P;
  }
  const G = w.G.f32();
  for (let i = 0; i < G.length; i++) m.G[i] += G[i];
  const R = w.R.f32();
  for (let i = 0; i < R.length; i++) m.R[i] += R[i];
}

/**
 * θ = argmin ‖Y − θᵀ[col; 1]‖² + λ‖W‖², from the augmented normal equations
 * [[G, s], [sᵀ, n]]·θ = [[R], [tᵀ]] (the bias, row D, not penalised).
 */
function solve(job: FitJob, m: Moments, ridge: number): FitResult {
  const { D, OC } = m;
  const N = D + 1;
  const A = new Float64Array(N * N);
  let trace = 0;
  for (let i = 0; i < D; i++) trace += m.G[i * D + i];
  const lambda = ridge * (trace / D) + 1e-12 * m.n;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) A[i * N + j] = m.G[i * D + j];
    A[i * N + i] += lambda;
    A[i * N + D] = m.s[i];
    A[D * N + i] = m.s[i];
  }
  A[D * N + D] = m.n;
  const B = new Float64Array(N * OC);
  B.set(m.R.subarray(0, D * OC));
  B.set(m.t, D * OC);
  choleskySolve(A, B, N, OC);
  const weight = new Float32Array(OC * D);
  const bias = new Float32Array(OC);
  for (let o = 0; o < OC; o++) {
    for (let d = 0; d < D; d++) weight[o * D + d] = B[d * OC + o];
    bias[o] = B[D * OC + o];
  }
  const count = m.n * OC;
  return { weight, bias, errorBefore: sse(m, job.init.weight, job.init.bias) / count, errorAfter: Math.max(0, sse(m, weight, bias) / count) };
}

/** Σ‖Y − (W·col + b)‖² from the moments: yy − 2·Σ θ·[R; t] + Σ_o θ_oᵀ·[[G, s], [sᵀ, n]]·θ_o. */
function sse(m: Moments, weight: Float32Array, bias: Float32Array): number {
  const { D, OC } = m;
  let e = m.yy;
  for (let o = 0; o < OC; o++) {
    const w = weight.subarray(o * D, (o + 1) * D);
    const b = bias[o];
    let cross = b * m.t[o];
    let quad = b * b * m.n;
    for (let i = 0; i < D; i++) {
      cross += w[i] * m.R[i * OC + o];
      quad += 2 * b * w[i] * m.s[i];
      let gi = 0;
      const row = i * D;
      for (let j = 0; j < D; j++) gi += m.G[row + j] * w[j];
      quad += w[i] * gi;
    }
    e += quad - 2 * cross;
  }
  return e;
}

/** Solves A·X = B in place (B [N, K] becomes X) for a symmetric positive definite A [N, N]. */
export function choleskySolve(A: Float64Array, B: Float64Array, N: number, K: number): void {
  // A = L·Lᵀ, L in A's lower triangle.
  for (let j = 0; j < N; j++) {
    let d = A[j * N + j];
    for (let p = 0; p < j; p++) d -= A[j * N + p] * A[j * N + p];
    if (!(d > 0)) throw new RangeError(`least squares: the normal equations are singular at row ${j} (inputs too few or constant); raise 'ridge' or 'samples'`);
    const l = Math.sqrt(d);
    A[j * N + j] = l;
    for (let i = j + 1; i < N; i++) {
      let v = A[i * N + j];
      for (let p = 0; p < j; p++) v -= A[i * N + p] * A[j * N + p];
      A[i * N + j] = v / l;
    }
  }
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < N; i++) {
      let v = B[i * K + c];
      for (let p = 0; p < i; p++) v -= A[i * N + p] * B[p * K + c];
      B[i * K + c] = v / A[i * N + i];
    }
    for (let i = N - 1; i >= 0; i--) {
      let v = B[i * K + c];
      for (let p = i + 1; p < N; p++) v -= A[p * N + i] * B[p * K + c];
      B[i * K + c] = v / A[i * N + i];
    }
  }
}
