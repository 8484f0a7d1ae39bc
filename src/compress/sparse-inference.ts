// Sparse inference: a pruned Dense layer (x · Wᵀ with W in CSR, f32_dense_csrT_mm, or in SELL-4,
// f32_sell4_gemv, one gemv per input: what a batch of one wants) or Conv2d (per image,
// W_csr · im2col(x), f32_csr_mm) runs through the sparse kernels where that is faster. The choice
// is made per layer and batch size when the plan is built, by timing each way at a few batch sizes
// (a pass takes the choice of the nearest): on small layers call overhead, not arithmetic,
// decides, and no formula predicts that well.

import type { Model } from '../nn/model.js';
import type { ForwardPass } from '../nn/layer.js';
import type { Conv2d } from '../nn/layers/conv2d.js';
import { csrFromDense, disposeCsr, disposeSell4, sell4FromCsr, type Csr, type Sell4 } from '../kernels/ops/sparse.js';
import type { Tensor } from '../kernels/tensor.js';

export interface SparseLayerPlan {
  node: string;
  op: 'Dense' | 'Conv2d';
  /** Share of the weights that are nonzero. */
  density: number;
  /**
   * Per timed batch size: median milliseconds of one forward of the layer dense and on the faster
   * sparse kernel (`kernel`: SELL-4 is tried for Dense layers only), and the choice.
   */
  batches: { batch: number; denseMs: number; sparseMs: number; kernel: SparseKernel; path: 'sparse' | 'dense' }[];
}

/** The sparse kernel of a layer: CSR (Dense and Conv2d) or SELL-4 (Dense). */
export type SparseKernel = 'csr' | 'sell4';

export interface SparseOptions {
  /** Batch sizes the choice is timed at (default [1, 64]); a pass follows the nearest (by ratio). */
  batches?: number[];
  /**
   * 'auto' (default): the fastest per layer; 'sparse' / 'dense': every eligible layer that way
   * ('sparse' untimed: SELL-4 for Dense layers below batch 4, where CSR's blocks of rows begin).
   */
  path?: 'auto' | 'sparse' | 'dense';
  /** Timed repetitions of each path (default 7; the median counts). */
  reps?: number;
  /** Layers denser than this are not considered (default 0.5). */
  maxDensity?: number;
}

/**
 * Builds the CSR form of every sparse Dense and Conv2d weight of `model` (groups 1) and installs
 * the faster path per layer for inference passes. A snapshot of the weights: call again after
 * changing them (a training pass drops the plan by itself).
 */
export function useSparseKernels(model: Model, options: SparseOptions = {}): SparseLayerPlan[] {
  const batches = options.batches ?? [1, 64];
  const reps = options.reps ?? 7;
  const path = options.path ?? 'auto';
  const maxDensity = options.maxDensity ?? 0.5;
  if (!Array.isArray(batches) || batches.length === 0 || batches.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new RangeError(`useSparseKernels: 'batches' must be integers ≥ 1, got ${JSON.stringify(batches)}`);
  }
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`useSparseKernels: 'reps' must be an integer ≥ 1, got ${reps}`);
  if (!['auto', 'sparse', 'dense'].includes(path)) throw new RangeError(`useSparseKernels: 'path' must be auto, sparse or dense, got ${JSON.stringify(path)}`);
  const k = model.k;
  const plans: SparseLayerPlan[] = [];
  for (const node of model.graph.nodes) {
    const layer = node.layer;
    const isConv = layer.op === 'Conv2d';
    if (layer.op !== 'Dense' && !(isConv && (layer as Conv2d).groups === 1)) continue;
    model.setInferenceForward(node.name, undefined);
    const params = model.params.of(node.name, 'values');
    const e = model.params.entry(node.name, 'weight');
    const w = params.weight;
    const rows = w.shape[0];
    const csr = csrFromDense(model.params.values.view(e.start, [rows, w.size / rows]));
    const density = csr.nnz / w.size;
    if (density > maxDensity) {
      disposeCsr(csr);
      continue;
    }
    const sell = isConv ? undefined : sell4FromCsr(csr);
    const kernels = new Map<SparseKernel, (pass: ForwardPass) => void>(isConv
      ? [['csr', convForward(layer as Conv2d, csr)]]
      : [['csr', denseForward(csr, hasBias(layer))], ['sell4', sell4Forward(sell!, hasBias(layer))]]);
    const time = (run: () => void) => {
      run();
      const ms: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        run();
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b)[reps >> 1];
    };
    // Each way timed on a pass over made-up inputs at each batch size.
    const timed = batches.map((batch) => {
      if (path !== 'auto') return { batch, denseMs: NaN, sparseMs: NaN, kernel: !isConv && batch < 4 ? 'sell4' as const : 'csr' as const, path };
      const x = k.from(Float32Array.from({ length: batch * node.inputShapes[0].reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), [batch, ...node.inputShapes[0]]);
      const y = k.tensor([batch, ...node.outputShape]);
      const pass: ForwardPass = { k, batch, inputs: [x], output: y, params, buffers: {}, training: false, random: () => 0.5 };
      const denseMs = time(() => layer.forward(pass));
      const [kernel, sparseMs] = [...kernels].map(([name, run]) => [name, time(() => run(pass))] as const).reduce((a, b) => (b[1] < a[1] ? b : a));
      x.dispose();
      y.dispose();
      return { batch, denseMs, sparseMs, kernel, path: sparseMs < denseMs ? 'sparse' as const : 'dense' as const };
    });
    plans.push({ node: node.name, op: layer.op as 'Dense' | 'Conv2d', density, batches: timed });
    const used = new Set(timed.filter((t) => t.path === 'sparse').map((t) => t.kernel));
    if (!used.has('csr') && !used.has('sell4')) {
      free(csr, sell);
      continue;
    }
    const nearest = (batch: number) => timed.reduce((a, b) => (Math.abs(Math.log(b.batch / batch)) < Math.abs(Math.log(a.batch / batch)) ? b : a));
    model.setInferenceForward(node.name, {
      forward: (pass) => {
        const t = nearest(pass.batch);
        return t.path === 'sparse' ? kernels.get(t.kernel)!(pass) : layer.forward(pass);
      },
      dispose: () => free(csr, sell),
    });
  }
  return plans;
}

function free(csr: Csr, sell: Sell4 | undefined): void {
  disposeCsr(csr);
  if (sell) disposeSell4(sell);
}

const hasBias = (layer: { attrs(): unknown }) => (layer.attrs() as { bias: boolean }).bias;

// y[B, out] = x[B, in] · W_sell4[out, in]ᵀ (+ bias), one gemv per input.
function sell4Forward(sell: Sell4, bias: boolean) {
  return ({ k, batch, inputs: [x], output: y, params }: ForwardPass) => {
    k.wasm.f32_sell4_gemv(y.offset, x.offset, sell.values.offset, sell.colidx.offset, sell.sliceptr.offset, sell.rowmap.offset, batch, sell.cols, sell.rows);
    if (bias) k.wasm.f32_bias_add(y.offset, params.bias.offset, batch, sell.rows, 1);
  };
}

// y[B, out] = x[B, in] · W_csr[out, in]ᵀ (+ bias).
function denseForward(csr: Csr, bias: boolean) {
  return ({ k, batch, inputs: [x], output: y, params }: ForwardPass) => {
    k.wasm.f32_dense_csrT_mm(y.offset, x.offset, csr.values.offset, csr.colidx.offset, csr.rowptr.offset, batch, csr.cols, csr.rows);
    if (bias) k.wasm.f32_bias_add(y.offset, params.bias.offset, batch, csr.rows, 1);
  };
}

// Per image: col = im2col(x_b) [C·KH·KW, OH·OW], y_b[OC, OH·OW] = W_csr · col; then the bias.
function convForward(layer: Conv2d, csr: Csr) {
  const [KH, KW] = layer.kernel;
  const [SH, SW] = layer.stride;
  const [PH, PW] = layer.padding;
  const [DH, DW] = layer.dilation;
  return ({ k, batch, inputs: [x], output: y, params }: ForwardPass) => {
    const [, C, H, W] = x.shape;
    const [, OC, OH, OW] = y.shape;
    const S = OH * OW;
    const col = k.scratch(csr.cols * S * 4);
    const w = k.wasm;
    for (let b = 0; b < batch; b++) {
      w.f32_im2col(col, x.offset + b * C * H * W * 4, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW);
      w.f32_csr_mm(y.offset + b * OC * S * 4, csr.values.offset, csr.colidx.offset, csr.rowptr.offset, col, OC, csr.cols, S);
    }
    if (layer.bias) w.f32_bias_add(y.offset, (params.bias as Tensor).offset, batch, OC, S);
  };
}
