// ThiNet's choice for one group from its readers' samples: greedy removal on the summed Gram
// matrices (wasm), then per reader the least-squares scales ŵ of the kept units (Cholesky, wasm).

import type { Kernels } from '../../kernels/kernels.js';
import type { Tensor } from '../../kernels/tensor.js';
import { add } from '../../kernels/ops/elementwise.js';
import { choleskySolve, gram, greedyRemove, SingularSystemError } from '../../kernels/ops/thinet.js';
import type { ConsumerSamples } from './sample.js';

export interface SelectOptions {
  /** Fit the kept units' scales by least squares (default true). */
  leastSquares?: boolean;
  /** Ridge added to the normal equations' diagonal, relative to its mean entry (default 1e-6). */
  ridge?: number;
}

/** How one reader's least-squares reweighting went. */
export type Reweighting =
  | { status: 'solved'; consumer: string; scales: Float32Array; ridge: number }
  /** The system was singular even with the ridge: the scales stay 1. */
  | { status: 'fallback'; consumer: string; reason: string };

export interface Selection {
  /** Units to remove, in the order the greedy search took them. */
  remove: number[];
  /** Units kept, ascending (the order the pruned layer keeps them in). */
  keep: number[];
  /** ‖Σ_{t∈T} x̂_t‖² summed over the readers: the part of their output that removal takes away. */
  objective: number;
  /** One per reader when least squares is on. */
  reweighting: Reweighting[];
}

/**
 * Chooses `count` of the group's units to remove so the readers' outputs change least (the
 * objective summed over every reader, as for channels coupled through an Add), then fits ŵ.
 */
export function selectUnits(k: Kernels, samples: readonly ConsumerSamples[], count: number, options: SelectOptions = {}): Selection {
  if (samples.length === 0) throw new Error('thinet: the group has no reader to sample');
  const U = samples[0].consumer.units;
  if (!Number.isInteger(count) || count < 0 || count >= U) throw new RangeError(`thinet: cannot remove ${count} of ${U} units (need 0 ≤ count < ${U})`);
  const ridge = options.ridge ?? 1e-6;
  if (!(ridge >= 0 && Number.isFinite(ridge))) throw new RangeError(`thinet: ridge must be a finite number ≥ 0, got ${ridge}`);
  const owned: Tensor[] = [];
  const make = (shape: number[], dtype: 'f32' | 'i32' = 'f32') => { const t = k.tensor(shape, dtype); owned.push(t); return t; };
  try {
    const grams = samples.map(({ consumer, xhat }) => {
      const m = xhat.length / U;
      const x = k.from(xhat, [m, U]);
      owned.push(x);
      const g = gram(make([U, U]), x);
      // A NaN or Inf in unit u's samples makes G[u, u] = Σ x̂_u² non-finite (and |G[u, v]| ≤ √(G[u, u]·G[v, v])).
      const G = g.f32();
      const bad = Array.from({ length: U }, (_, u) => u).find((u) => !Number.isFinite(G[u * U + u]));
      if (bad !== undefined) throw new RangeError(`thinet: the samples of '${consumer.node}' are not finite (unit ${bad}); check the model's weights and the data`);
      return g;
    });
    let total = grams[0];
    if (grams.length > 1) {
      total = make([U, U]);
      total.f32().set(grams[0].f32());
      for (const g of grams.slice(1)) add(total, total, g);
    }
    const order = make([count], 'i32');
    const objective = greedyRemove(order, total);
    const remove = [...order.i32()];
    const removed = new Set(remove);
    const keep = Array.from({ length: U }, (_, u) => u).filter((u) => !removed.has(u));
    const reweighting = options.leastSquares === false ? [] : samples.map(({ consumer }, i) => leastSquaresScales(k, consumer.node, grams[i], keep, ridge));
    return { remove, keep, objective, reweighting };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * ŵ = argmin Σ_r (ŷ_r − ŵᵀx̂_{r,S})² with ŷ the group's whole contribution Σ_u x̂_u: the normal
 * equations are G[S,S]·ŵ = G[S,:]·1, so the Gram matrix g [U, U] alone gives them. `ridge` is
 * relative to the mean diagonal entry of G[S,S]; a system singular even so falls back to ŵ = 1.
 */
export function leastSquaresScales(k: Kernels, consumer: string, g: Tensor, keep: readonly number[], ridge: number): Reweighting {
  const U = g.shape[0], n = keep.length;
  const G = g.f32();
  const a = new Float32Array(n * n);
  const b = new Float32Array(n);
  let trace = 0;
  keep.forEach((s, i) => {
    let row = 0;
    for (let u = 0; u < U; u++) row += G[s * U + u];
    b[i] = row;
    keep.forEach((t, j) => { a[i * n + j] = G[s * U + t]; });
    trace += G[s * U + s];
  });
  const lambda = Math.fround(ridge * (trace / n));
  const [A, B, X] = [k.from(a, [n, n]), k.from(b), k.tensor([n])];
  try {
    choleskySolve(X, A, B, lambda);
    return { status: 'solved', consumer, scales: X.toArray() as Float32Array, ridge: lambda };
  } catch (e) {
    if (!(e instanceof SingularSystemError)) throw e;
    return { status: 'fallback', consumer, reason: e.message };
  } finally {
    A.dispose(); B.dispose(); X.dispose();
  }
}
