// A learnable toy dataset the pipeline tests share: 4 classes, each a bright band (a quarter of
// the image) over seeded noise.

import { Dataset } from '../../src/nn/data/dataset.js';
import { Rng } from './rng.js';

export function bands(n: number, seed: number, shape: [number, number, number] = [1, 10, 10]): Dataset {
  const rng = new Rng(seed);
  const size = shape[0] * shape[1] * shape[2];
  const labels = Int32Array.from({ length: n }, () => rng.int(0, 3));
  const pixels = Uint8Array.from({ length: n * size }, (_, i) => rng.int(0, 120) + ((Math.floor((i % size) / (size / 4)) === labels[Math.floor(i / size)]) ? 100 : 0));
  return new Dataset({ name: `bands-${n}`, shape, pixels, labels, classes: 4 });
}
