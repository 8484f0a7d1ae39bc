// Where a convolution's time goes, by shape: times of one conv over several (C, OC) pairs, fitted
// by least squares to t = a·C + b·OC + c·C·OC + d. For Winograd, a is the input transform (per
// input channel), b the output transform (per output channel), c the element-wise GEMMs; the
// prune bench uses it to show why a conv with half its inputs and outputs is not 4× faster.

import type { Kernels } from '../../src/kernels/kernels.js';
import { conv2d } from '../../src/kernels/ops/conv.js';

export interface ConvCost {
  /** Milliseconds per input channel, per output channel, per (input × output) channel, and fixed. */
  perC: number;
  perOC: number;
  perCxOC: number;
  fixed: number;
  /** The measured points: C, OC, median ms. */
  points: { C: number; OC: number; ms: number }[];
}

/** Times y = conv(x [B, C, H, W], w [OC, C, r, r]) for each (C, OC), alternating shapes per round. */
export function convCost(k: Kernels, shapes: [number, number][], geometry: { B: number; H: number; W: number; r: number }, rounds: number): ConvCost {
  const { B, H, W, r } = geometry;
  const cases = shapes.map(([C, OC]) => {
    const x = k.tensor([B, C, H, W]);
    const w = k.tensor([OC, C, r, r]);
    const bias = k.tensor([OC]);
    const y = k.tensor([B, OC, H - r + 1, W - r + 1]);
    x.f32().forEach((_, i, a) => (a[i] = Math.sin(i)));
    w.f32().forEach((_, i, a) => (a[i] = 0.1 * Math.cos(i)));
    return { C, OC, run: () => conv2d(y, x, w, bias), tensors: [x, w, bias, y], ms: [] as number[] };
  });
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      c.run();
      const started = performance.now();
      for (let j = 0; j < 10; j++) c.run();
      c.ms.push((performance.now() - started) / 10);
    }
  }
  const points = cases.map((c) => {
    c.tensors.forEach((t) => t.dispose());
    const sorted = [...c.ms].sort((a, b) => a - b);
    return { C: c.C, OC: c.OC, ms: sorted[sorted.length >> 1] };
  });
  const [perC, perOC, perCxOC, fixed] = leastSquares(points.map((p) => [p.C, p.OC, p.C * p.OC, 1]), points.map((p) => p.ms));
  return { perC, perOC, perCxOC, fixed, points };
}

/** argmin ‖A·x − b‖ through the normal equations (a handful of rows, four columns). */
function leastSquares(A: number[][], b: number[]): number[] {
  const n = A[0].length;
  const M = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => A.reduce((s, row) => s + row[i] * row[j], 0)), A.reduce((s, row, r) => s + row[i] * b[r], 0)]);
  for (let col = 0; col < n; col++) {
    const pivot = M.slice(col).reduce((best, row, i) => (Math.abs(row[col]) > Math.abs(M[best][col]) ? col + i : best), col);
    [M[col], M[pivot]] = [M[pivot], M[col]];
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const f = M[row][col] / M[col][col];
      for (let j = col; j <= n; j++) M[row][j] -= f * M[col][j];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}
