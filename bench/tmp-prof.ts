import { loadNodeKernels } from '../src/node/kernels.js';
import { Graph } from '../src/graph/graph.js';
import { Model } from '../src/nn/model.js';
import { lenet5 } from '../src/nn/nets.js';
const k = await loadNodeKernels();
const model = new Model(new Graph(lenet5()), k, { seed: 1 });
const B = Number(process.env.B ?? 64);
model.input(B).f32().set(new Float32Array(B * 784).map(() => Math.random()));
const times = new Map<string, number>();
const orig = model.graph.nodes.map(n => [n.layer.forward.bind(n.layer), n.layer.backward.bind(n.layer)] as const);
model.graph.nodes.forEach((n, i) => {
  n.layer.forward = (p) => { const t = performance.now(); orig[i][0](p); times.set(n.name + ' fwd', (times.get(n.name + ' fwd') ?? 0) + performance.now() - t); };
  n.layer.backward = (p) => { const t = performance.now(); orig[i][1](p); times.set(n.name + ' bwd', (times.get(n.name + ' bwd') ?? 0) + performance.now() - t); };
});
const dy = k.tensor([B, 10]).fill(0.01);
for (let i = 0; i < 10; i++) { model.forward(B, { training: true }); model.backward(dy); }
times.clear();
const R = 50; const t0 = performance.now();
for (let i = 0; i < R; i++) { model.forward(B, { training: true }); model.backward(dy); }
const total = performance.now() - t0;
for (const [n, t] of times) console.log(n.padEnd(16), (t / R).toFixed(3), 'ms');
console.log('total per step', (total / R).toFixed(2), 'ms =', Math.round(B * R / total * 1000), 'img/s');
