// ThiNet's sampling as a data pass: on this thread, on 1 and on 2 workers it gives exactly the
// samples of the one-thread sampleContributions (each shard fills only its own images' rows, and
// shards merge by adding), for an Add-coupled group read by two convolutions and one read by a Dense.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../helpers/rng.js';
import { residualNet } from '../helpers/toy-nets.js';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { createNodePool } from '../../src/node/workers.js';
import type { WorkerPool } from '../../src/workers/pool.js';
import { localPass, poolPass } from '../../src/workers/pass.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { samplePass, sampleContributions } from '../../src/prune/thinet/sample.js';

const pools: WorkerPool[] = [];

function images(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const pixels = Float32Array.from({ length: n * 3 * 64 }, () => rng.uniform(-1, 1));
  return new Dataset({ name: 'toy', shape: [3, 8, 8], pixels, labels: new Int32Array(n), classes: 4, normalise: 'none' });
}

test('2 workers, 1 worker and this thread sample what sampleContributions samples', async () => {
  const k = await loadNodeKernels();
  const model = new Model(new Graph(residualNet()), k, { seed: 7 });
  const data = images(90, 2);
  const two = createNodePool({ workers: 2 });
  const one = createNodePool({ workers: 1 });
  pools.push(two, one);
  for (const producer of ['a', 'c']) {
    const group = dependencyGroups(model.graph).find((g) => g.producers.includes(producer))!;
    const options = { samples: 700, seed: 11, images: 50, batchSize: 8 };
    const want = sampleContributions(model, group, data, options);
    for (const [name, pass] of [['this thread', localPass()], ['1 worker', poolPass(one)], ['2 workers', poolPass(two)]] as const) {
      const got = await samplePass(model, group, data, pass, options);
      assert.equal(got.map((s) => s.consumer.node), want.map((s) => s.consumer.node), `${producer}, ${name}: readers`);
      got.forEach((s, i) => {
        assert.ok(want[i].y.some((v) => v !== 0), 'the samples are not all zero');
        assert.equal([...s.xhat], [...want[i].xhat], `${producer} → ${s.consumer.node}, ${name}: x̂`);
        assert.equal([...s.y], [...want[i].y], `${producer} → ${s.consumer.node}, ${name}: ŷ`);
      });
    }
  }
  model.dispose();
});

test('a thinet hook whose plan does not fit the model is refused before any work', async () => {
  const k = await loadNodeKernels();
  const model = new Model(new Graph(residualNet()), k, { seed: 7 });
  const group = dependencyGroups(model.graph).find((g) => g.producers.includes('c'))!;
  const data = images(10, 1);
  const [s] = sampleContributions(model, group, data, { samples: 5, images: 3 });
  const spec = { kind: 'thinet', node: 'rs', consumer: s.consumer, plan: { image: Int32Array.of(0), channel: Int32Array.of(0), location: Int32Array.of(0) }, images: Int32Array.of(0) };
  let error: unknown;
  try { await localPass().run(model, data, { bad: spec }); } catch (e) { error = e; }
  assert.instance(error, RangeError);
  assert.match((error as Error).message, /hook 'bad' \(thinet\) samples 'fc'.*'rs'/);
  model.dispose();
});

test.after(async () => {
  await Promise.all(pools.map((p) => p.terminate()));
});

test.run();
