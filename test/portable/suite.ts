// The portable suite: the same checks on every host (Node, Deno, Chromium, workerd), run against
// the package as that host loads it (passed in as `L`). Each case checks itself and returns a
// digest of numbers that the runner compares with Node's (test/portable/compare.ts).
// Uses only web APIs; the reference twins come from source (they are the spec, not shipped API).

import type * as Lopper from '../../src/index.js';
import { f32_gemm } from '../../src/kernels/reference/gemm.js';
import { f32_add, f32_relu_bwd, f32_relu_fwd } from '../../src/kernels/reference/elementwise.js';

export type Lib = typeof Lopper;
type Layer = Lopper.Layer;

export interface Host {
  name: string;
  /** lopper's SIMD build (lopper.wasm), as the host can hand it over. */
  wasm: Lopper.WasmSource;
  /** A 2-worker pool, or undefined with the reason where the host has no workers. */
  pool(): Lopper.WorkerPool | undefined;
}

export interface CaseResult {
  name: string;
  ok: boolean;
  detail: string;
  digest: number[];
}

const SHAPES = [1, 3, 7, 17, 129];

/** Deterministic pseudo-random values in [-1, 1). */
function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function sum(a: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i];
  return t;
}

function absSum(a: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += Math.abs(a[i]);
  return t;
}

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
}

/** Small nets that together hold every sequential and branching layer kind, on [1, 8, 8] input. */
function nets(L: Lib): Record<string, Lopper.GraphDef> {
  const input = { name: 'x', shape: [1, 8, 8] };
  const seq = (name: string, layers: [string, Layer][]) => L.sequential(name, input, layers);
  return {
    'conv-pool-dense': seq('conv-pool-dense', [
      ['conv', new L.Conv2d({ filters: 4, kernel: 3, padding: 1 })], ['bn', new L.BatchNorm({})], ['relu', new L.Relu()],
      ['max', new L.MaxPool2d({ kernel: 2 })], ['lrn', new L.Lrn({ size: 3 })], ['drop', new L.Dropout({ rate: 0.25 })],
      ['flat', new L.Flatten()], ['fc', new L.Dense({ units: 10 })],
    ]),
    activations: seq('activations', [
      ['conv', new L.Conv2d({ filters: 6, kernel: 3 })], ['leaky', new L.LeakyRelu({ slope: 0.1 })], ['tanh', new L.Tanh()],
      ['avg', new L.AvgPool2d({ kernel: 2 })], ['sig', new L.Sigmoid()], ['hsig', new L.HardSigmoid({})], ['hswish', new L.HardSwish()],
      ['clip', new L.Clip({ min: -0.5, max: 0.5 })], ['id', new L.Identity()], ['maxout', new L.Maxout({ k: 2 })],
      ['gap', new L.GlobalAvgPool()], ['flat', new L.Flatten()], ['fc', new L.Dense({ units: 10 })], ['logsm', new L.LogSoftmax()],
    ]),
    branches: {
      name: 'branches', inputs: [input], outputs: ['fc'],
      nodes: [
        { name: 'a', layer: new L.Conv2d({ filters: 4, kernel: 3, padding: 1 }), inputs: ['x'] },
        { name: 'ra', layer: new L.Relu(), inputs: ['a'] },
        { name: 'b', layer: new L.Conv2d({ filters: 4, kernel: 3, padding: 1 }), inputs: ['ra'] },
        { name: 'sum', layer: new L.Add(), inputs: ['ra', 'b'] },
        { name: 'mul', layer: new L.Mul(), inputs: ['sum', 'b'] },
        { name: 'sub', layer: new L.Sub(), inputs: ['mul', 'a'] },
        { name: 'cat', layer: new L.Concat({}), inputs: ['sub', 'a'] },
        { name: 'pool', layer: new L.MaxPool2d({ kernel: 2 }), inputs: ['cat'] },
        { name: 'flat', layer: new L.Flatten(), inputs: ['pool'] },
        { name: 'fc', layer: new L.Dense({ units: 10 }), inputs: ['flat'] },
      ],
    },
    'shape ops': {
      name: 'shape-ops', inputs: [input], outputs: ['fc'],
      nodes: [
        { name: 'a', layer: new L.Conv2d({ filters: 4, kernel: 3, padding: 1 }), inputs: ['x'] },
        { name: 'pad', layer: new L.Pad({ pads: [0, 1, 0, 0, 1, 2], mode: 'edge' }), inputs: ['a'] },
        { name: 'tr', layer: new L.Transpose({ perm: [0, 2, 1] }), inputs: ['pad'] },
        { name: 'bias', layer: new L.BroadcastAdd({ operand: [4, 1, 1] }), inputs: ['tr'] },
        { name: 'sig', layer: new L.Sigmoid(), inputs: ['tr'] },
        { name: 'div', layer: new L.Div(), inputs: ['bias', 'sig'] },
        { name: 'sm', layer: new L.Softmax({ axis: 0 }), inputs: ['div'] },
        { name: 'mean', layer: new L.ReduceMean({ axes: [2] }), inputs: ['sm'] },
        { name: 'flat', layer: new L.Reshape({ shape: [-1] }), inputs: ['mean'] },
        { name: 'fc', layer: new L.Dense({ units: 10 }), inputs: ['flat'] },
      ],
    },
  };
}

function dataset(L: Lib, n: number, seed: number): Lopper.Dataset {
  const px = noise(n * 64, seed);
  return new L.Dataset({
    name: `noise-${seed}`, shape: [1, 8, 8], classes: 10,
    pixels: Uint8Array.from(px, (v) => Math.floor((v + 1) * 127.5)),
    labels: Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % 10),
  });
}

type Case = (L: Lib, k: Lopper.Kernels, host: Host) => Promise<Omit<CaseResult, 'name'>> | Omit<CaseResult, 'name'>;

const cases: Record<string, Case> = {
  'kernel twins (gemm, add, relu ± backward)'(L, k) {
    let worst = 0;
    const digest: number[] = [];
    for (const M of SHAPES) {
      for (const N of [1, 7, 17]) {
        const K = SHAPES[(M + N) % SHAPES.length];
        const a = noise(M * K, M * 31 + N), b = noise(K * N, N * 17 + K);
        const want = new Float32Array(M * N);
        f32_gemm(want, a, b, 1, 0, M, N, K, 0, 0);
        const c = k.tensor([M, N]);
        L.ops.gemm(c, k.from(a, [M, K]), k.from(b, [K, N]));
        worst = Math.max(worst, worstDiff(c.f32(), want) / Math.max(1, K));
        digest.push(sum(c.f32()));
      }
      const x = noise(M, M), y = noise(M, M + 1);
      const want = new Float32Array(M);
      f32_add(want, x, y, M);
      const out = k.tensor([M]);
      L.ops.add(out, k.from(x), k.from(y));
      worst = Math.max(worst, worstDiff(out.f32(), want));
      f32_relu_fwd(want, x, M);
      L.ops.relu(out, k.from(x));
      worst = Math.max(worst, worstDiff(out.f32(), want));
      f32_relu_bwd(want, y, x, M);
      L.ops.reluBackward(out, k.from(y), k.from(x));
      worst = Math.max(worst, worstDiff(out.f32(), want));
    }
    return { ok: worst < 1e-5, detail: `largest difference from the twins ${worst.toExponential(1)}`, digest };
  },

  'forward and backward of every layer kind'(L, k) {
    const digest: number[] = [];
    const kinds = new Set<string>();
    let bad = '';
    const data = dataset(L, 4, 3);
    for (const [name, def] of Object.entries(nets(L))) {
      const model = new L.Model(new L.Graph(def), k, { seed: 5 });
      for (const n of model.graph.nodes) kinds.add(n.layer.op);
      const labels = new Int32Array(4);
      const { loss } = L.computeGradients(model, new L.SoftmaxCrossEntropy(k), data, [0, 1, 2, 3], labels);
      const out = model.forward(4).toArray() // on the batch computeGradients left in the input;
      const grads = model.params.grads.f32();
      if (!Number.isFinite(loss) || !(absSum(grads) > 0) || out.some((v: number) => !Number.isFinite(v))) bad += ` ${name}`;
      digest.push(loss, absSum(grads), sum(out));
      model.dispose();
    }
    // Layer kinds added later show up here until a net above holds them.
    const missing = Object.keys(L.layerRegistry).filter((op) => !kinds.has(op));
    const covered = `${kinds.size} layer kinds${missing.length ? ` (not yet covered: ${missing.join(' ')})` : ', all there are'}`;
    return { ok: bad === '', detail: bad ? `not finite or no gradient in${bad}` : covered, digest };
  },

  'ONNX export and import'(L, k) {
    const model = new L.Model(new L.Graph(L.lenet5()), k, { seed: 1 });
    const x = noise(2 * 784, 9);
    const before = model.forward(2, { x }).toArray();
    const bytes = L.exportOnnx(model);
    const again = L.importOnnx(bytes, k);
    const after = again.forward(2, { x }).toArray();
    const worst = worstDiff(before, after);
    return { ok: worst === 0, detail: `${bytes.length} bytes; largest output difference ${worst}`, digest: [bytes.length, sum(after)] };
  },

  'magnitude prune (global 80%)'(L, k) {
    const model = new L.Model(new L.Graph(L.lenet300100()), k, { seed: 2 });
    L.pruneByMagnitude(model, { kind: 'global', sparsity: 0.8 });
    const s = L.sparsity(model);
    const out = model.forward(2, { x: noise(2 * 784, 4) }).toArray();
    return { ok: Math.abs(s.total - 0.8) < 1e-3, detail: `sparsity ${(100 * s.total).toFixed(2)}%`, digest: [s.total, L.nonzeroParams(model), sum(out)] };
  },

  'L1 filter prune (half of each conv)'(L, k) {
    const model = new L.Model(new L.Graph(L.lenet5()), k, { seed: 3 });
    const { model: slim } = L.pruneFilters(model, { ratio: 0.5 });
    const out = slim.forward(2, { x: noise(2 * 784, 5) }).toArray();
    const before = model.graph.paramCount(), after = slim.graph.paramCount();
    return { ok: after < before && out.every(Number.isFinite), detail: `${before} → ${after} parameters`, digest: [after, sum(out)] };
  },

  async 'training epoch and data pass (2-worker pool where the host has workers)'(L, k, host) {
    const data = dataset(L, 256, 11);
    const model = new L.Model(new L.Graph(tinyMlp(L)), k, { seed: 4 });
    const pool = host.pool();
    try {
      const runner = L.createRunner({ pool });
      const [epoch] = await runner.train(model, data, { epochs: 1, batchSize: 32, seed: 1, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
      const pass = await runner.evaluate(model, data);
      const single = L.evaluate(model, data);
      const same = pass.correct === single.correct && Math.abs(pass.loss - single.loss) < 1e-5;
      const where = pool ? `${pool.size} workers` : 'this thread';
      return {
        ok: same && Number.isFinite(epoch.loss),
        detail: `${where}: epoch loss ${epoch.loss.toFixed(4)}; data pass ${pass.correct}/${pass.count} ${same ? 'equals' : 'differs from'} this thread's`,
        digest: [pool ? 1 : 0, epoch.loss, pass.loss, pass.correct],
      };
    } finally {
      await pool?.terminate();
      model.dispose();
    }
  },
};

function tinyMlp(L: Lib): Lopper.GraphDef {
  return L.sequential('tiny-mlp', { name: 'x', shape: [1, 8, 8] }, [
    ['flat', new L.Flatten()], ['fc1', new L.Dense({ units: 32 })], ['relu', new L.Relu()], ['fc2', new L.Dense({ units: 10 })],
  ]);
}

/** Runs every case on `host`; a throw becomes a failed case naming the error. */
export async function runSuite(L: Lib, host: Host): Promise<CaseResult[]> {
  const k = await L.loadKernels(host.wasm);
  const results: CaseResult[] = [];
  for (const [name, run] of Object.entries(cases)) {
    try {
      results.push({ name, ...(await run(L, k, host)) });
    } catch (e) {
      results.push({ name, ok: false, detail: `threw ${(e as Error).stack ?? e}`, digest: [] });
    }
  }
  return results;
}

