// The bytes of a weight-shared model at each stage of Deep Compression (Han et al. 2016), as the
// paper counts them: dense f32; pruned (relative-index sparse storage, fillers included, f32
// values); shared (the same entries with fixed-width cluster indices, plus the f32 codebooks);
// Huffman (the whole .lop file). Parameters that are not shared count as f32 in every stage.

import { relativeIndex } from './relative-index.js';
import type { SharedTensor } from './share.js';

export type SizeStage = 'dense' | 'pruned' | 'shared' | 'huffman';

export interface StageBytes {
  stage: SizeStage;
  bytes: number;
}

/**
 * The stages' bytes of a model of `params` parameters whose weights in `shared` are stored with
 * gapBits[i] bits per relative-index gap (parallel to `shared`), written as `lopBytes` bytes.
 */
export function stageSizes(params: number, shared: readonly SharedTensor[], gapBits: readonly number[], lopBytes: number): StageBytes[] {
  if (gapBits.length !== shared.length) throw new RangeError(`stageSizes: ${gapBits.length} gap widths for ${shared.length} shared tensors`);
  const bits = { pruned: 0, shared: 0 };
  let rest = params;
  shared.forEach((s, i) => {
    const positions: number[] = [];
    s.assign.forEach((a, j) => a >= 0 && positions.push(j));
    const entries = relativeIndex(positions, gapBits[i]).slots.length;
    bits.pruned += entries * (gapBits[i] + 32);
    bits.shared += entries * (gapBits[i] + s.bits) + 32 * s.codebook.length;
    rest -= s.assign.length;
  });
  return [
    { stage: 'dense', bytes: 4 * params },
    { stage: 'pruned', bytes: Math.ceil(bits.pruned / 8) + 4 * rest },
    { stage: 'shared', bytes: Math.ceil(bits.shared / 8) + 4 * rest },
    { stage: 'huffman', bytes: lopBytes },
  ];
}
