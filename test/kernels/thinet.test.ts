// ThiNet kernels against their twins on every build (awkward C, ties, NaN), the greedy choice
// against the exhaustive optimum for C ≤ 12, the Cholesky solve against Gaussian elimination in
// f64, singular systems refused, and the ops' argument errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { assertClose } from '../helpers/close.js';
import { choleskySolve, gram, greedyRemove, SingularSystemError, thinetGather } from '../../src/kernels/ops/thinet.js';

const CS = [1, 3, 7, 17, 129];

/** x̂ [m, C] like sampled contributions: a shared factor, per-channel scales, some near-dead channels. */
function contributions(rng: Rng, m: number, C: number): Float32Array {
  const scale = Float64Array.from({ length: C }, (_, j) => (j % 5 === 3 ? 0.01 : rng.uniform(0.2, 2)));
  const load = Float64Array.from({ length: C }, () => rng.uniform(-1, 1));
  const x = new Float32Array(m * C);
  for (let i = 0; i < m; i++) {
    const f = rng.uniform(-1, 1);
    for (let j = 0; j < C; j++) x[i * C + j] = scale[j] * (0.6 * load[j] * f + rng.uniform(-1, 1));
  }
  return x;
}

/** G = x̂ᵀx̂ in f64, rounded once: exactly symmetric. */
function gram64(x: Float32Array, m: number, C: number): Float32Array {
  const g = new Float32Array(C * C);
  for (let a = 0; a < C; a++) {
    for (let b = a; b < C; b++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += x[i * C + a] * x[i * C + b];
      g[a * C + b] = g[b * C + a] = s;
    }
  }
  return g;
}

/** ‖Σ_{t∈T} x̂_t‖² straight from the samples, in f64. */
function objective(x: Float32Array, m: number, C: number, T: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (const t of T) r += x[i * C + t];
    s += r * r;
  }
  return s;
}

test('f32_greedy_remove makes the naive twin\'s choices on awkward C and every R', async () => {
  const rng = new Rng(151);
  for (const { k } of await backends()) {
    for (const C of CS) {
      const m = 3 * C + 5;
      const g = gram64(contributions(rng, m, C), m, C);
      const Rs = C > 20 ? [0, 1, 2, 64, C - 1, C] : Array.from({ length: C + 1 }, (_, r) => r);
      for (const R of Rs) {
        twin(k, 'f32_greedy_remove', [new Int32Array(R), g, C, R], `C${C} R${R}`,
          { atol: 0, rtol: 0, returnTolerance: { atol: 1e-9, rtol: 1e-9 }, scratch: k.wasm.f32_greedy_remove_scratch_bytes(C) });
      }
    }
  }
});

test('f32_greedy_remove breaks ties to the lower index and never picks a NaN channel first', async () => {
  for (const { k } of await backends()) {
    const C = 6;
    const g = new Float32Array(C * C);
    for (let j = 0; j < C; j++) g[j * C + j] = 1; // orthogonal, equal: all ties
    g[2 * C + 2] = NaN;
    twin(k, 'f32_greedy_remove', [new Int32Array(C), g, C, C], 'ties and NaN', { scratch: k.wasm.f32_greedy_remove_scratch_bytes(C) });
    const order = k.tensor([C], 'i32');
    greedyRemove(order, k.from(g, [C, C]));
    assert.equal([...order.i32()], [0, 1, 3, 4, 5, 2]);
  }
});

test('greedy removal against the exhaustive optimum for C ≤ 12: within 1.25× of it, and equal in ≥ 85% of cases', async () => {
  const [{ k }] = await backends();
  const rng = new Rng(152);
  let cases = 0;
  let equal = 0;
  let worst = 1;
  for (let trial = 0; trial < 40; trial++) {
    const C = 4 + (trial % 9);
    const m = 60;
    const x = contributions(rng, m, C);
    const g = k.from(gram64(x, m, C), [C, C]);
    for (let R = 1; R < C; R++) {
      const order = k.tensor([R], 'i32');
      greedyRemove(order, g);
      const got = objective(x, m, C, [...order.i32()]);
      let best = Infinity;
      for (let mask = 0; mask < 1 << C; mask++) {
        let bits = 0;
        for (let v = mask; v; v &= v - 1) bits++;
        if (bits !== R) continue;
        const T = Array.from({ length: C }, (_, j) => j).filter((j) => mask & (1 << j));
        best = Math.min(best, objective(x, m, C, T));
      }
      cases++;
      if (got <= best * (1 + 1e-9)) equal++;
      worst = Math.max(worst, got / best);
      order.dispose();
    }
    g.dispose();
  }
  console.log(`  greedy vs exhaustive: equal in ${equal} of ${cases} cases, worst objective ratio ${worst.toFixed(3)}`);
  assert.ok(worst <= 1.25, `worst ratio ${worst}`);
  assert.ok(equal >= 0.85 * cases, `equal in only ${equal} of ${cases}`);
});

/** An SPD matrix A = MᵀM/n + shift·I, [n, n], rounded to f32. */
function spd(rng: Rng, n: number, shift: number): Float32Array {
  const M = rng.f32(n * n);
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += M[r * n + i] * M[r * n + j];
      a[i * n + j] = a[j * n + i] = s / n + (i === j ? shift : 0);
    }
  }
  return a;
}

/** Gaussian elimination with partial pivoting in f64: an independent reference solve. */
function gaussSolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const A = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n + 1 }, (_, j) => (j < n ? a[i * n + j] : b[i])));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let j = c; j <= n; j++) A[r][j] -= f * A[c][j];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = A[i][n];
    for (let j = i + 1; j < n; j++) s -= A[i][j] * x[j];
    x[i] = s / A[i][i];
  }
  return x;
}

test('f32_cholesky_solve matches its twin and Gaussian elimination on awkward n', async () => {
  const rng = new Rng(153);
  for (const { k } of await backends()) {
    for (const n of [1, 2, 3, 4, 5, 7, 17, 129, 200]) {
      for (const ridge of [0, 0.25]) {
        const a = spd(rng, n, 0.05);
        const b = rng.f32(n, -3, 3);
        twin(k, 'f32_cholesky_solve', [new Float32Array(n), a, b, ridge, n], `n${n} ridge ${ridge}`,
          { atol: 1e-5, rtol: 1e-5, scratch: k.wasm.f32_cholesky_solve_scratch_bytes(n) });
        const x = k.tensor([n]);
        choleskySolve(x, k.from(a, [n, n]), k.from(b), ridge);
        const shifted = Float64Array.from(a, (v, i) => (i % (n + 1) === 0 ? v + Math.fround(ridge) : v));
        assertClose(x.f32(), gaussSolve(shifted, b, n), `n${n} ridge ${ridge} vs Gaussian elimination [${k.build}]`, { atol: 1e-5, rtol: 1e-4 });
      }
    }
  }
});

test('f32_cholesky_solve reads only the lower triangle', async () => {
  const rng = new Rng(154);
  for (const { k } of await backends()) {
    const n = 9;
    const a = spd(rng, n, 0.1);
    const messy = a.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) messy[i * n + j] = 1e6;
    const b = rng.f32(n);
    const x1 = choleskySolve(k.tensor([n]), k.from(a, [n, n]), k.from(b)).toArray();
    const x2 = choleskySolve(k.tensor([n]), k.from(messy, [n, n]), k.from(b)).toArray();
    assert.equal([...x2], [...x1]);
  }
});

test('singular and indefinite systems are refused with SingularSystemError, x untouched; a ridge rescues them', async () => {
  for (const { k } of await backends()) {
    // Rank 1: [[1, 2], [2, 4]]; a channel that duplicates another in a 3×3; an indefinite one.
    const cases: [number[], number, number][] = [
      [[1, 2, 2, 4], 2, 1],
      [[2, 1, 2, 1, 3, 1, 2, 1, 2], 3, 2],
      [[1, 3, 3, 1], 2, 1],
      [[-1], 1, 0],
    ];
    for (const [a, n, pivot] of cases) {
      const b = new Float32Array(n).fill(1);
      twin(k, 'f32_cholesky_solve', [new Float32Array(n).fill(7), Float32Array.from(a), b, 0, n], `singular n${n}`,
        { scratch: k.wasm.f32_cholesky_solve_scratch_bytes(n) });
      const x = k.from(new Float32Array(n).fill(7));
      try {
        choleskySolve(x, k.from(a, [n, n]), k.from(b), 0);
        assert.unreachable('a singular system was solved');
      } catch (e) {
        assert.instance(e, SingularSystemError);
        assert.is((e as SingularSystemError).pivot, pivot);
        assert.match((e as Error).message, new RegExp(`choleskySolve: the ${n}×${n} system \\(\\+ ridge 0\\) is not positive definite: pivot ${pivot}`));
      }
      assert.equal([...x.f32()], new Array(n).fill(7));
    }
    const x = choleskySolve(k.tensor([2]), k.from([1, 2, 2, 4], [2, 2]), k.from([1, 1]), 1e-3);
    assertClose(x.f32(), gaussSolve([1.001, 2, 2, 4.001].map(Math.fround), [1, 1], 2), 'rescued by a ridge', { atol: 1e-3, rtol: 1e-4 });
  }
});

test('gram is x̂ᵀx̂ through gemm', async () => {
  const rng = new Rng(155);
  const [{ k }] = await backends();
  for (const [m, C] of [[1, 1], [7, 3], [129, 17], [300, 40]]) {
    const x = rng.f32(m * C);
    const g = gram(k.tensor([C, C]), k.from(x, [m, C]));
    assertClose(g.f32(), gram64(x, m, C), `gram m${m} C${C}`, { atol: 1e-4, rtol: 1e-4 });
  }
});

test('thinet ops reject bad arguments before any kernel runs', async () => {
  const [{ k }] = await backends();
  const g = k.tensor([4, 4]);
  assert.throws(() => greedyRemove(k.tensor([5], 'i32'), g), /greedyRemove: 'order' asks for 5 channels of the 4 that 'g' \[4,4\] has/);
  assert.throws(() => greedyRemove(k.tensor([2]), g), /greedyRemove: 'order' must be i32, got f32/);
  assert.throws(() => greedyRemove(k.tensor([2], 'i32'), k.tensor([4, 3])), /greedyRemove: 'g' has shape \[4,3\], expected \[4,4\]/);
  assert.throws(() => choleskySolve(k.tensor([3]), g, k.tensor([4])), /choleskySolve: 'x' has shape \[3\], expected \[4\]/);
  assert.throws(() => choleskySolve(k.tensor([4]), g, k.tensor([4]), -1), /choleskySolve: 'ridge' must be ≥ 0, got -1/);
  assert.throws(() => choleskySolve(k.tensor([4]), g, k.tensor([4]), NaN), /choleskySolve: 'ridge' must be a finite number, got NaN/);
  assert.throws(() => gram(k.tensor([3, 3]), k.tensor([5, 4])), /gram: 'g' has shape \[3,3\], expected \[4,4\]/);
});

/** Geometry i32 [14] of a reader: C, H, W, OW, KH, KW, SH, SW, PH, PW, DH, DW, units, perUnit. */
const GATHERS = [
  // C, H, W, [KH, KW, SH, SW, PH, PW, DH, DW], units, perUnit: 3×3 padded, strided, dilated, 1×1, 5×3 unpadded, Dense after a Flatten (perUnit 4), one channel
  { C: 7, H: 6, W: 5, g: [3, 3, 1, 1, 1, 1, 1, 1], units: 7, perUnit: 1 },
  { C: 5, H: 9, W: 7, g: [3, 3, 2, 2, 1, 1, 1, 1], units: 5, perUnit: 1 },
  { C: 6, H: 8, W: 8, g: [3, 3, 1, 1, 2, 2, 2, 2], units: 3, perUnit: 2 },
  { C: 17, H: 3, W: 4, g: [1, 1, 1, 1, 0, 0, 1, 1], units: 17, perUnit: 1 },
  { C: 4, H: 9, W: 6, g: [5, 3, 1, 2, 0, 1, 1, 1], units: 4, perUnit: 1 },
  { C: 36, H: 1, W: 1, g: [1, 1, 1, 1, 0, 0, 1, 1], units: 9, perUnit: 4 },
  { C: 1, H: 5, W: 5, g: [3, 3, 1, 1, 1, 1, 1, 1], units: 1, perUnit: 1 },
];

test('f32_thinet_gather matches its twin (padding, stride, dilation, 1×1, dense, grouped entries) on every build', async () => {
  const rng = new Rng(156);
  for (const { k } of await backends()) {
    for (const { C, H, W, g, units, perUnit } of GATHERS) {
      const [KH, KW, SH, SW, PH, PW, DH, DW] = g;
      const OH = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1, OW = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
      const OC = 3, S = 4, n = 37;
      const rows = Int32Array.from({ length: 3 * n }, (_, i) => rng.int(0, [S, OC, OH * OW][i % 3] - 1));
      const entries = rng.shuffle(Int32Array.from({ length: C }, (_, i) => i)).slice(0, units * perUnit);
      const geometry = Int32Array.from([C, H, W, OW, KH, KW, SH, SW, PH, PW, DH, DW, units, perUnit]);
      twin(k, 'f32_thinet_gather', [new Float32Array(n * units), new Float32Array(n), rng.f32(S * C * H * W), rng.f32(OC * C * KH * KW), rows, entries, geometry, n],
        `C${C} ${H}×${W} k${KH}×${KW} s${SH}${SW} p${PH}${PW} d${DH}${DW} perUnit ${perUnit}`, { atol: 1e-6, rtol: 1e-6, scratch: k.wasm.f32_thinet_gather_scratch_bytes(C) });
    }
  }
});

test('thinetGather: x̂ adds up to the conv output without bias; bad rows and shapes are refused', async () => {
  const rng = new Rng(157);
  const [{ k }] = await backends();
  const [C, H, W, OC] = [5, 6, 6, 4];
  const x = rng.f32(2 * C * H * W), w = rng.f32(OC * C * 9);
  // The direct convolution (padding 1) at every output, in f64.
  const conv = (s: number, o: number, oh: number, ow: number, only?: number) => {
    let v = 0;
    for (let e = 0; e < C; e++) {
      if (only !== undefined && e !== only) continue;
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
        const ih = oh - 1 + kh, iw = ow - 1 + kw;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) v += w[(o * C + e) * 9 + kh * 3 + kw] * x[(s * C + e) * H * W + ih * W + iw];
      }
    }
    return v;
  };
  const triples = [[0, 0, 0], [1, 3, 35], [1, 2, 14], [0, 1, 5]];
  const geom = { C, H, W, OC, OH: H, OW: W, geometry: [3, 3, 1, 1, 1, 1, 1, 1], units: C, perUnit: 1 };
  const xhat = k.tensor([4, C]), y = k.tensor([4]);
  const [X, Wt, rows, entries] = [k.from(x, [2, C, H, W]), k.from(w, [OC, C, 3, 3]), k.from(triples.flat(), [4, 3], 'i32'), k.from([0, 1, 2, 3, 4], [5], 'i32')];
  thinetGather(xhat, y, X, Wt, rows, entries, geom);
  triples.forEach(([s, o, l], r) => {
    const [oh, ow] = [Math.floor(l / W), l % W];
    assertClose([y.f32()[r]], [conv(s, o, oh, ow)], `ŷ row ${r}`, { atol: 1e-5, rtol: 1e-5 });
    for (let u = 0; u < C; u++) assertClose([xhat.f32()[r * C + u]], [conv(s, o, oh, ow, u)], `x̂ row ${r} unit ${u}`, { atol: 1e-5, rtol: 1e-5 });
  });
  assert.throws(() => thinetGather(xhat, y, X, Wt, k.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [4, 3], 'i32'), entries, geom), /thinetGather: row 0 \(2, 0, 0\) is outside 2 samples, 4 channels, 36 locations/);
  assert.throws(() => thinetGather(xhat, y, X, Wt, rows, k.from([0, 1, 2, 3, 5], [5], 'i32'), geom), /thinetGather: 'entries' names an input entry outside 0 … 4/);
  assert.throws(() => thinetGather(k.tensor([4, 4]), y, X, Wt, rows, entries, geom), /thinetGather: 'xhat' has shape \[4,4\], expected \[4,5\]/);
  assert.throws(() => thinetGather(xhat, y, X, k.tensor([OC, C, 2, 2]), rows, entries, geom), /thinetGather: 'weight' has 80 elements/);
  assert.throws(() => thinetGather(xhat, y, X, Wt, rows, entries, { ...geom, geometry: [3, 3, 0, 1, 1, 1, 1, 1] }), /thinetGather: 'SH'/);
});

test.run();
