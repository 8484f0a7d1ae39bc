// Sparse inference: a pruned Dense layer (x · Wᵀ with W in CSR, f32_dense_csrT_mm) or Conv2d
// (per image, W_csr · im2col(x), f32_csr_mm) runs through the CSR kernels where that is faster.
// The choice is made per layer and batch size when the plan is built, by timing both at a few
// batch sizes (a pass takes the choice of the nearest): on small layers call overhead, not
// arithmetic, decides, and no formula predicts that well.

import type { Model } from '../nn/model.js';
import type { ForwardPass } from '../nn/layer.js';
import type { Conv2d } from '../nn/layers/conv2d.js';
import { csrFromDense, disposeCsr, type Csr } from '../kernels/ops/sparse.js';
import type { Tensor } from '../kernels/tensor.js';

export interface SparseLayerPlan {
  node: string;
  op: 'Dense' | 'Conv2d';
  /** Share of the weights that are nonzero. */
  density: number;
  /** Per timed batch size: median milliseconds of one forward of the layer each way, and the choice. */
  batches: { batch: number; denseMs: number; sparseMs: number; path: 'sparse' | 'dense' }[];
}

export interface SparseOptions {
  /** Batch sizes the choice is timed at (default [1, 64]); a pass follows the nearest (by ratio). */
  batches?: number[];
  /** 'auto' (default): the faster per layer; 'sparse' / 'dense': every eligible layer that way. */
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
    const sparse = isConv ? convForward(layer as Conv2d, csr) : denseForward(csr, (layer.attrs() as { bias: boolean }).bias);
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
    // Both timed on a pass over made-up inputs at each batch size.
    const timed = batches.map((batch) => {
      if (path !== 'auto') return { batch, denseMs: NaN, sparseMs: NaN, path };
      const x = k.from(Float32Array.from({ length: batch * node.inputShapes[0].reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), [batch, ...node.inputShapes[0]]);
      const y = k.tensor([batch, ...node.outputShape]);
      const pass: ForwardPass = { k, batch, inputs: [x], output: y, params, buffers: {}, training: false, random: () => 0.5 };
      const denseMs = time(() => layer.forward(pass));
      const sparseMs = time(() => sparse(pass));
      x.dispose();
      y.dispose();
      return { batch, denseMs, sparseMs, path: sparseMs < denseMs ? 'sparse' as const : 'dense' as const };
    });
    plans.push({ node: node.name, op: layer.op as 'Dense' | 'Conv2d', density, batches: timed });
    if (timed.every((t) => t.path === 'dense')) {
      disposeCsr(csr);
      continue;
    }
    const nearest = (batch: number) => timed.reduce((a, b) => (Math.abs(Math.log(b.batch / batch)) < Math.abs(Math.log(a.batch / batch)) ? b : a));
    model.setInferenceForward(node.name, {
      forward: (pass) => (nearest(pass.batch).path === 'sparse' ? sparse(pass) : layer.forward(pass)),
      dispose: () => disposeCsr(csr),
    });
  }
  return plans;
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
