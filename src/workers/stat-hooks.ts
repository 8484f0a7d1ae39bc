// The statistics hooks lopper's criteria use (hooks.ts is the contract): zero counts (APoZ),
// Σ activation × gradient (Taylor), maxout win counts, and streaming moments of two values with
// their centred cross-moment (correlation). Imported for its registrations by pass.ts and the
// worker side (worker.ts), so both ends know the same kinds.

import type { Model } from '../nn/model.js';
import type { Tensor } from '../kernels/tensor.js';
import { Maxout } from '../nn/layers/maxout.js';
import { channelCountZeros } from '../kernels/ops/reduce.js';
import { channelDot, columnMeanCenter, columnSumSquares, comomentMerge, maxoutWins, momentsMerge } from '../kernels/ops/stats.js';
import { gemm } from '../kernels/ops/gemm.js';
import { im2col, conv2dOutputShape, type Im2colOptions } from '../kernels/ops/conv.js';
import { channelsOf, defineHook, sumResults, type HookResult } from './hooks.js';

function checkChannels(model: Model, node: string, id: string, kind: string): void {
  const shape = model.graph.shapeOf(node);
  if (shape.length < 1 || shape.length > 3) throw new RangeError(`data pass: hook '${id}' (${kind}) needs [C], [C, L] or [C, H, W] values, '${node}' is [${shape}]`);
}

// zeros: per channel of a value, how many of its entries were exactly 0 (APoZ, Hu et al. 2016,
// reads it after the ReLU). { samples, zeros: [C], perSample: S }.
defineHook('zeros', {
  check: (model, spec, id) => checkChannels(model, spec.node, id, 'zeros'),
  open(model, spec) {
    const [C, S] = channelsOf(model, spec.node);
    const count = model.k.tensor([C], 'i32');
    const zeros = new Float64Array(C);
    let samples = 0;
    return {
      batch(batch) {
        channelCountZeros(count, model.activation(spec.node));
        const c = count.i32();
        for (let i = 0; i < C; i++) zeros[i] += c[i];
        samples += batch;
      },
      close() {
        if (!count.disposed) count.dispose();
        return { samples, zeros, perSample: S };
      },
    };
  },
  merge: (a, b) => ({ ...sumResults(a, b), perSample: a.perSample }),
});

// taylor: per channel of a value, Σ over samples and positions of activation × gradient of the
// summed loss (`sum`: the first-order loss change of removing the channel, over the dataset), and
// Σ over samples of |Σ over positions| (`abs`: Molchanov et al.'s per-example form).
// { samples, sum: [C], abs: [C], perSample: S }.
defineHook('taylor', {
  gradients: true,
  check: (model, spec, id) => checkChannels(model, spec.node, id, 'taylor'),
  open(model, spec) {
    const [C, S] = channelsOf(model, spec.node);
    const out = model.k.tensor([C]);
    const sum = new Float64Array(C);
    const abs = new Float64Array(C);
    let samples = 0;
    return {
      batch(batch) {
        const [a, g] = [model.activation(spec.node), model.gradient(spec.node)];
        // One sample at a time through the same kernel, for the per-example |Σ a·g|.
        for (let b = 0; b < batch; b++) {
          channelDot(out, a.view(b * C * S, [1, C, S]), g.view(b * C * S, [1, C, S]));
          const o = out.f32();
          for (let i = 0; i < C; i++) { sum[i] += o[i]; abs[i] += Math.abs(o[i]); }
        }
        samples += batch;
      },
      close() {
        if (!out.disposed) out.dispose();
        return { samples, sum, abs, perSample: S };
      },
    };
  },
  merge: (a, b) => ({ ...sumResults(a, b), perSample: a.perSample }),
});

// wins: for a Maxout node, how often each of its input neurons won its unit (Rueda et al. 2017).
// { samples, wins: [C·k] } in the input's channel order.
defineHook('wins', {
  check(model, spec, id) {
    const node = model.graph.has(spec.node) ? model.graph.node(spec.node) : undefined;
    if (!(node?.layer instanceof Maxout)) throw new RangeError(`data pass: hook '${id}' (wins) needs a Maxout node, '${spec.node}' is ${node ? node.layer.op : 'a graph input'}`);
  },
  open(model, spec) {
    const layer = model.graph.node(spec.node).layer as Maxout;
    const [C] = channelsOf(model, spec.node);
    const count = model.k.tensor([C * layer.k], 'i32');
    const wins = new Float64Array(C * layer.k);
    let samples = 0;
    return {
      batch(batch) {
        maxoutWins(count, model.buffer(spec.node, 'argmax'), layer.k);
        const c = count.i32();
        for (let i = 0; i < c.length; i++) wins[i] += c[i];
        samples += batch;
      },
      close() {
        if (!count.disposed) count.dispose();
        return { samples, wins };
      },
    };
  },
  merge: sumResults,
});

// moments: streaming means and sums of squared deviations of two values, each flattened per
// sample (x = `input` [P], y = `node` [Q]), and their centred cross-moment Σ (x − x̄)(y − ȳ)ᵀ
// [P, Q]: a GEMM of the centred batch per batch, merged by the parallel-moments formula, never
// re-reading data. With `patches` (a conv's kernel, stride, padding, dilation) the observations
// are output positions: x's im2col columns [C·KH·KW] against y's channels [OC].
// { samples, rows (observations), meanX, m2X, meanY, m2Y, cross }.
defineHook('moments', {
  check(model, spec, id) {
    const input = spec.input;
    if (typeof input !== 'string' || !(model.graph.has(input) || model.graph.inputs.some((i) => i.name === input))) {
      throw new RangeError(`data pass: hook '${id}' (moments) needs 'input', a node or graph input of model '${model.graph.name}', got ${JSON.stringify(input)}`);
    }
    if (spec.patches !== undefined) {
      const [x, y] = [model.graph.shapeOf(input), model.graph.shapeOf(spec.node)];
      const cols = x.length === 3 ? colsOf(x, spec.patches as Patches) : undefined;
      if (!cols || y.length !== 3 || cols[1] !== y[1] * y[2]) {
        throw new RangeError(`data pass: hook '${id}' (moments with patches) needs [C, H, W] values whose patches line up with '${spec.node}' [${y}], '${input}' is [${x}]`);
      }
    }
  },
  open(model, spec) {
    const k = model.k;
    const size = (name: string) => model.graph.shapeOf(name).reduce((a, b) => a * b, 1);
    const patches = spec.patches as Patches | undefined;
    const xShape = model.graph.shapeOf(spec.input as string);
    // With patches, the observations are the output positions: x's im2col columns against y's channels.
    const [P, L] = patches ? colsOf(xShape, patches) : [size(spec.input as string), 1];
    const Q = patches ? model.graph.shapeOf(spec.node)[0] : size(spec.node);
    const col = patches ? k.tensor([P, L]) : undefined;
    const owned: Tensor[] = [];
    const make = (shape: number[]) => { const t = k.tensor(shape); owned.push(t); return t; };
    const [meanX, m2X, meanY, m2Y, cross] = [make([P]), make([P]), make([Q]), make([Q]), make([P, Q])];
    const [bx, sx, by, sy] = [make([P]), make([P]), make([Q]), make([Q])];
    let xb: Tensor | undefined;
    let yb: Tensor | undefined;
    let samples = 0;
    /** Rows (observations) so far: samples, or samples × output positions with patches. */
    let rows = 0;
    const add = (count: number, b: number) => {
      const n = count * L;
      if (xb?.shape[0] !== n) {
        xb?.dispose();
        yb?.dispose();
        xb = k.tensor([n, P]);
        yb = k.tensor([n, Q]);
      }
      if (patches) {
        const [C, H, W] = xShape;
        im2col(col!, model.activation(spec.input as string).view(b * C * H * W, [C, H, W]), patches);
        transpose(xb.f32(), col!.f32(), P, L);
        transpose(yb!.f32(), model.activation(spec.node).f32().subarray(b * Q * L, (b + 1) * Q * L), Q, L);
      } else {
        xb.f32().set(model.activation(spec.input as string).f32());
        yb!.f32().set(model.activation(spec.node).f32());
      }
      columnMeanCenter(bx, xb);
      columnMeanCenter(by, yb!);
      columnSumSquares(sx, xb);
      columnSumSquares(sy, yb!);
      gemm(cross, xb, yb!, { transA: true, beta: 1 });
      comomentMerge(cross, meanX, meanY, bx, by, rows, n);
      momentsMerge(meanX, m2X, bx, sx, rows, n);
      momentsMerge(meanY, m2Y, by, sy, rows, n);
      rows += n;
      samples += count;
    };
    return {
      batch(batch) {
        // Patches: one sample at a time (batch·L rows would not fit), else the whole batch.
        for (let b = 0; b < (patches ? batch : 1); b++) add(patches ? 1 : batch, b);
      },
      close() {
        columnMeanCenter(by, yb!);
        const f64 = (t: Tensor) => Float64Array.from(t.f32());
        const out: HookResult = owned[0].disposed ? { samples, rows } : { samples, rows, meanX: f64(meanX), m2X: f64(m2X), meanY: f64(meanY), m2Y: f64(m2Y), cross: f64(cross) };
        for (const t of [...owned, xb, yb, col]) if (t && !t.disposed) t.dispose();
        return out;
      },
    };
  },
  merge: mergeMoments,
});

/** Two parts' moments as one (Chan et al.'s parallel formula, in f64). */
export function mergeMoments(a: HookResult, b: HookResult): HookResult {
  const [nA, nB] = [a.rows as number, b.rows as number];
  if (nA === 0) return b;
  if (nB === 0) return a;
  const n = nA + nB;
  const [mxA, mxB, myA, myB] = [a.meanX, b.meanX, a.meanY, b.meanY] as Float64Array[];
  const dx = mxB.map((m, i) => m - mxA[i]);
  const dy = myB.map((m, i) => m - myA[i]);
  const f = (nA * nB) / n;
  const cA = a.cross as Float64Array;
  const cB = b.cross as Float64Array;
  const Q = dy.length;
  const cross = new Float64Array(cA.length);
  for (let p = 0; p < dx.length; p++) for (let q = 0; q < Q; q++) cross[p * Q + q] = cA[p * Q + q] + cB[p * Q + q] + dx[p] * dy[q] * f;
  const m2 = (m2A: Float64Array, m2B: Float64Array, d: Float64Array) => m2A.map((v, i) => v + m2B[i] + d[i] * d[i] * f);
  return {
    samples: a.samples + b.samples, rows: n,
    meanX: mxA.map((m, i) => m + dx[i] * nB / n), meanY: myA.map((m, i) => m + dy[i] * nB / n),
    m2X: m2(a.m2X as Float64Array, b.m2X as Float64Array, dx), m2Y: m2(a.m2Y as Float64Array, b.m2Y as Float64Array, dy),
    cross,
  };
}

type Patches = Im2colOptions;

/** [C·KH·KW, OH·OW]: the im2col shape of x [C, H, W]. */
function colsOf(x: readonly number[], p: Patches): [number, number] {
  const [OH, OW] = conv2dOutputShape([1, x[0], x[1], x[2]], [1, x[0], ...(typeof p.kernel === 'number' ? [p.kernel, p.kernel] : p.kernel)] as number[], p).slice(2);
  const [KH, KW] = typeof p.kernel === 'number' ? [p.kernel, p.kernel] : p.kernel;
  return [x[0] * KH * KW, OH * OW];
}

/** out[l, r] = a[r, l] for a [R, L]. */
function transpose(out: Float32Array, a: Float32Array, R: number, L: number): void {
  for (let r = 0; r < R; r++) for (let l = 0; l < L; l++) out[l * R + r] = a[r * L + l];
}
