// The .lop file: a shared, pruned model round-trips to the same outputs; every single-byte change
// of a small file is refused with an error naming the section; the paper's size bars on the
// pruned LeNets (pruned here by magnitude to the recipes' per-layer sparsities).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Conv2d, Dense, Flatten, Relu } from '../../src/nn/layers/index.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { loadModel } from '../../src/io/native.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { shareWeights } from '../../src/compress/share.js';
import { decodeLop, encodeLop } from '../../src/compress/lop-file.js';
import { crc32 } from '../../src/io/crc32.js';

function tinyNet(k: Awaited<ReturnType<typeof backends>>[0]['k']): Model {
  const graph = new Graph({
    name: 'tiny', inputs: [{ name: 'x', shape: [2, 6, 6] }], outputs: ['fc'],
    nodes: [
      { name: 'conv', layer: new Conv2d({ filters: 3, kernel: 3 }), inputs: ['x'] },
      { name: 'relu', layer: new Relu(), inputs: ['conv'] },
      { name: 'flat', layer: new Flatten(), inputs: ['relu'] },
      { name: 'fc', layer: new Dense({ units: 4 }), inputs: ['flat'] },
    ],
  });
  const model = new Model(graph, k, { seed: 3 });
  pruneByMagnitude(model, { kind: 'layer', sparsity: { conv: 0.5, fc: 0.9 } });
  return model;
}

const forward = (m: Model, x: Float32Array, batch: number) => m.forward(batch, { x }).toArray();

test('round trip: the decoded model has the shared weights and computes the same outputs', async () => {
  const { k } = (await backends())[0];
  const model = tinyNet(k);
  const shared = shareWeights(model, { fc: 2, conv: 3 });
  const bytes = encodeLop(model, shared, { meta: { note: 'hi' } });
  const back = decodeLop(bytes, k, 'tiny.lop');
  assert.equal(back.meta, { note: 'hi' });
  assert.equal([...back.model.params.values.f32()], [...model.params.values.f32()]);
  assert.equal(back.shared.map((s) => [s.node, s.bits, [...s.codebook], [...s.assign]]), shared.map((s) => [s.node, s.bits, [...s.codebook], [...s.assign]]));
  const x = new Rng(1).f32(2 * 72);
  assert.equal(forward(back.model, x, 2), forward(model, x, 2));
  assert.equal(back.sections.map((s) => s.tag), ['GRPH', 'CBK', 'HUF', 'IDX', 'GAP', 'RAW', 'CBK', 'HUF', 'IDX', 'GAP', 'RAW']);
  assert.is(back.sections.reduce((n, s) => n + s.bytes, 16), bytes.length);
  back.model.dispose();
  model.dispose();
});

test('every single-byte change of a small .lop file is refused, naming where', async () => {
  const { k } = (await backends())[0];
  const model = tinyNet(k);
  const bytes = encodeLop(model, shareWeights(model, { fc: 2, conv: 3 }));
  model.dispose();
  const live = k.heap.liveBytes;
  for (let i = 0; i < bytes.length; i++) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = bytes.slice();
      bad[i] ^= flip;
      let error: Error | undefined;
      try {
        decodeLop(bad, k, 'tiny.lop').model.dispose();
      } catch (e) {
        error = e as Error;
      }
      assert.ok(error, `byte ${i} ^ ${flip} was not detected`);
      assert.match(error!.message, /^tiny\.lop: not a valid \.lop file: (header|section \d+|end)/, error!.message);
    }
  }
  for (const n of [0, 15, 16, 40, bytes.length - 1]) assert.throws(() => decodeLop(bytes.subarray(0, n), k, 'tiny.lop'), /tiny\.lop: not a valid \.lop file/);
  assert.throws(() => decodeLop(new Uint8Array([...bytes, 0]), k, 'tiny.lop'), /end: 1 bytes follow/);
  assert.is(k.heap.liveBytes, live, 'nothing leaked on the heap');
});

// NOTE: these stand-ins are pruned by magnitude alone (no retraining), whose weights are harder to
// code than retrained ones; experiments/deep-compression.ts measures the Han-pruned models.
test('damage behind a valid CRC (the CRC recomputed) is still refused cleanly or decodes: never a crash or a hang', async () => {
  const { k } = (await backends())[0];
  const model = tinyNet(k);
  const bytes = encodeLop(model, shareWeights(model, { fc: 2, conv: 3 }));
  model.dispose();
  const view = new DataView(bytes.buffer);
  const sections: [number, number][] = [];
  for (let at = 16; at < bytes.length; at += 12 + view.getUint32(at + 4, true)) sections.push([at, view.getUint32(at + 4, true)]);
  let refused = 0;
  for (const [at, length] of sections) {
    for (let i = at + 8; i < at + 8 + length; i++) {
      for (const flip of [0x01, 0x10, 0xff]) {
        const bad = bytes.slice();
        bad[i] ^= flip;
        new DataView(bad.buffer).setUint32(at + 8 + length, crc32(bad.subarray(at, at + 8 + length)), true);
        try {
          decodeLop(bad, k, 'tiny.lop').model.dispose();
        } catch (e) {
          assert.match((e as Error).message, /^tiny\.lop: not a valid \.lop file: section \d+/, `byte ${i} ^ ${flip}: ${(e as Error).stack}`);
          refused++;
        }
      }
    }
  }
  assert.ok(refused > 0);
});

test('the LeNets pruned by magnitude to the recipes\' sparsities compress ≥ 33× into a .lop', async () => {
  const { k } = (await backends())[0];
  const cases: { file: string; bar: number; sparsity: Record<string, number> }[] = [
    { file: 'lenet-300-100', bar: 33, sparsity: { fc1: 0.93, fc2: 0.85, fc3: 0.5 } },
    { file: 'lenet-5', bar: 33, sparsity: { conv1: 0.2, conv2: 0.75, fc1: 0.935, fc2: 0.7 } },
  ];
  for (const c of cases) {
    const { model } = loadModel(readFileSync(`experiments/models/${c.file}.fashion-mnist.lopm`), k);
    pruneByMagnitude(model, { kind: 'layer', sparsity: c.sparsity });
    const bytes = encodeLop(model, shareWeights(model));
    const ratio = (4 * model.params.size) / bytes.length;
    assert.ok(ratio >= c.bar, `${c.file}: ${bytes.length} bytes, ${ratio.toFixed(1)}× (bar ${c.bar}×)`);
    decodeLop(bytes, k).model.dispose();
    model.dispose();
  }
});

test('the Han-pruned LeNet-300-100 (experiments/models/*.han.lop): ≥ 40× smaller than the dense f32 weights, re-encoded byte for byte', async () => {
  const { k } = (await backends())[0];
  const bytes = new Uint8Array(readFileSync('experiments/models/lenet-300-100.fashion-mnist.han.lop'));
  const denseBytes = 4 * new Graph(lenet300100()).paramCount();
  assert.ok(denseBytes / bytes.length >= 40, `${bytes.length} bytes: ${(denseBytes / bytes.length).toFixed(1)}×`);
  const { model, shared } = decodeLop(bytes, k);
  assert.equal(encodeLop(model, shared), bytes);
  model.dispose();
});

test.run();
