// The size per stage (src/compress/sizes.ts): by hand on a small tensor, fillers counted, and the
// same from a .lop file's decoded contents as from the model it was written from.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { shareWeights, type SharedTensor } from '../../src/compress/share.js';
import { decodeLop, encodeLop } from '../../src/compress/lop-file.js';
import { stageSizes } from '../../src/compress/sizes.js';

const tensor = (assign: number[], bits: number): SharedTensor => ({
  node: 'fc', name: 'weight', shape: [assign.length], kind: 'fc', bits, codebook: new Float32Array(2 ** bits), assign: Int32Array.from(assign),
});

test('by hand: entries × (gap + value bits), the codebook, the other parameters as f32', () => {
  // 3 weights at 0, 3, 5 of 8 (no gap overflows 4 bits), 2-bit indices; 10 more f32 parameters.
  const s = tensor([0, -1, -1, 1, -1, 2, -1, -1], 2);
  assert.equal(stageSizes(18, [s], [4], 50), [
    { stage: 'dense', bytes: 72 },
    { stage: 'pruned', bytes: Math.ceil((3 * 36) / 8) + 40 },
    { stage: 'shared', bytes: Math.ceil((3 * 6 + 4 * 32) / 8) + 40 },
    { stage: 'huffman', bytes: 50 },
  ]);
  // A gap of 40 in 2-bit gaps takes fillers: more entries than weights.
  const far = tensor([0, ...new Array(40).fill(-1), 1], 1);
  const [, pruned] = stageSizes(42, [far], [2], 9);
  assert.ok(pruned.bytes > Math.ceil((2 * 34) / 8), `fillers counted: ${pruned.bytes} B`);
  assert.throws(() => stageSizes(8, [s], [], 1), /stageSizes: 0 gap widths for 1 shared tensors/);
});

test('a .lop file gives back the gap widths it was written with: the same sizes as before writing', async () => {
  const { k } = (await backends())[0];
  const model = new Model(new Graph(lenet300100()), k, { seed: 3 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: 0.9 });
  const shared = shareWeights(model, { fc: 4 });
  const lop = encodeLop(model, shared, { gapBits: { fc: 5 } });
  const back = decodeLop(lop, k);
  assert.equal(back.gapBits, [5, 5, 5]);
  const sizes = stageSizes(back.model.params.size, back.shared, back.gapBits, lop.length);
  assert.equal(sizes, stageSizes(model.params.size, shared, [5, 5, 5], lop.length));
  assert.ok(sizes.every((s, i) => i === 0 || s.bytes < sizes[i - 1].bytes), JSON.stringify(sizes));
  back.model.dispose();
  model.dispose();
});

test.run();
