// The statistics hooks lopper's criteria use (hooks.ts is the contract): zero counts (APoZ). Imported for its registrations by pass.ts and the
// worker side (worker.ts), so both ends know the same kinds.

import type { Model } from '../nn/model.js';
import { channelCountZeros } from '../kernels/ops/reduce.js';
import { channelsOf, defineHook, sumResults } from './hooks.js';

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
