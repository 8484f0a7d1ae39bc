import { readFileSync } from 'node:fs';
import { loadNodeKernels } from '../src/node/kernels.js';
import { loadModel } from '../src/io/native.js';
import { pruneByMagnitude } from '../src/prune/magnitude.js';
import { useSparseKernels } from '../src/compress/sparse-inference.js';
import { codeLengths, countSymbols, decodeTable, huffmanEncode } from '../src/compress/huffman.js';
import { huffmanDecode } from '../src/kernels/ops/huffman.js';
const k = await loadNodeKernels();
const load = () => { const m = loadModel(readFileSync('experiments/models/lenet-300-100.fashion-mnist.lopm'), k).model; pruneByMagnitude(m, { kind: 'layer', sparsity: { fc1: 0.93, fc2: 0.85, fc3: 0.5 } }); return m; };
const d = load(), s = load();
for (const batch of [1, 64]) {
  console.log(useSparseKernels(s, { batch, path: 'sparse' }).map(p => p.node).join());
  const x = new Float32Array(batch * 784).map((_, i) => Math.sin(i));
  d.input(batch).set(x); s.input(batch).set(x);
  for (let r = 0; r < 3; r++) {
    const t = (m: any) => { const n = batch === 1 ? 2000 : 100; const t0 = performance.now(); for (let i = 0; i < n; i++) m.forward(batch); return (performance.now() - t0) / n; };
    const td = t(d), ts = t(s);
    console.log(batch, 'dense', td.toFixed(4), 'sparse', ts.toFixed(4), (td / ts).toFixed(2));
  }
}
const n = 2_000_000;
const sym = Int32Array.from({ length: n }, (_, i) => Math.min(32, Math.floor(-Math.log(1 - ((i * 2654435761) % 1000003) / 1000003) * 6)));
const L0 = codeLengths(countSymbols(sym, 33));
const bits = huffmanEncode(sym, L0);
const { table, L } = decodeTable(L0);
for (let r = 0; r < 3; r++) { const t0 = performance.now(); huffmanDecode(k, bits, table, L, n); const ms = performance.now() - t0; console.log('huffman', (n / 1e6 / (ms / 1000)).toFixed(0), 'MB/s', bits.length, L); }
