import { readFileSync } from 'node:fs';
import { loadNodeKernels } from '/work/wt-16/src/node/kernels.js';
import { loadModel } from '/work/wt-16/src/io/native.js';
import { pruneByMagnitude } from '/work/wt-16/src/prune/magnitude.js';
import { shareWeights } from '/work/wt-16/src/compress/share.js';
import { decodeLop, encodeLop } from '/work/wt-16/src/compress/lop-file.js';
const k = await loadNodeKernels();
for (const [f, sp] of [['lenet-300-100', { fc1: 0.93, fc2: 0.85, fc3: 0.5 }], ['lenet-5', { conv1: 0.2, conv2: 0.75, fc1: 0.935, fc2: 0.7 }]] as const) {
  const { model } = loadModel(readFileSync(`/work/wt-16/experiments/models/${f}.fashion-mnist.lopm`), k);
  pruneByMagnitude(model, { kind: 'layer', sparsity: sp as any });
  const shared = shareWeights(model);
  const bytes = encodeLop(model, shared);
  const d = decodeLop(bytes, k);
  console.log(f, bytes.length, (4 * model.params.size / bytes.length).toFixed(1));
  for (const s of d.sections) console.log('  ', s.tag, s.of, s.bytes);
  for (const s of shared) { let n = 0; for (const a of s.assign) if (a >= 0) n++; console.log('  nnz', s.node, n); }
}
