// The size table of a .lop file, per layer and per part (indices, gaps, codebook, Huffman tables,
// raw values), for `lopper compress` and `lopper inspect`.

import type { Kernels } from '../kernels/kernels.js';
import { decodeLop, type LopSection } from '../compress/lop-file.js';
import { bytes } from './output.js';

const PARTS: Record<string, string> = { IDX: 'indices', GAP: 'gaps', CBK: 'codebook', HUF: 'Huffman tables', RAW: 'raw f32', GRPH: 'graph' };

/** Rows of [layer, indices, gaps, codebook, Huffman tables, raw f32, total] from the sections. */
export function sizeRows(sections: readonly LopSection[], total: number): string[][] {
  const parts = ['IDX', 'GAP', 'CBK', 'HUF', 'RAW'];
  const layers = [...new Set(sections.filter((s) => s.tag !== 'GRPH').map((s) => s.of.split('.')[0]))];
  const sum = (f: (s: LopSection) => boolean) => sections.filter(f).reduce((n, s) => n + s.bytes, 0);
  const rows = layers.map((layer) => [
    layer, ...parts.map((p) => bytes(sum((s) => s.tag === p && s.of.split('.')[0] === layer))), bytes(sum((s) => s.of.split('.')[0] === layer)),
  ]);
  const graph = sum((s) => s.tag === 'GRPH');
  return [
    ['layer', ...parts.map((p) => PARTS[p]), 'total'],
    ...rows,
    ['graph', '', '', '', '', '', bytes(graph)],
    ['file', ...parts.map((p) => bytes(sum((s) => s.tag === p))), `${bytes(total)} (header ${total - sum(() => true)} B)`],
  ];
}

/** The size rows of .lop bytes (decoding them: a damaged file is refused, naming the section). */
export function lopSizeRows(lop: Uint8Array, k: Kernels, file: string): string[][] {
  const { model, sections } = decodeLop(lop, k, file);
  model.dispose();
  return sizeRows(sections, lop.length);
}
