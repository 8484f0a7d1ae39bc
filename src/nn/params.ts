// All of a model's parameters in one wasm allocation (trainable ones first, then state such as
// batch-norm statistics) and all their gradients in another: an optimiser step, a gradient
// reduction across workers or a save is one pass over one block.

import type { Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../kernels/tensor.js';
import { sizeOf } from '../kernels/tensor.js';
import type { Graph } from '../graph/graph.js';
import type { Init } from './layer.js';
import { Rng } from './random.js';

export interface ParamEntry {
  node: string;
  name: string;
  shape: readonly number[];
  init: Init;
  trainable: boolean;
  /** First element of this parameter in the store. */
  start: number;
  size: number;
}

export class ParamStore {
  readonly entries: readonly ParamEntry[];
  /** Elements of trainable parameters: [0, trainableSize) of `values`, all of `grads`. */
  readonly trainableSize: number;
  readonly size: number;
  readonly values: Tensor;
  readonly grads: Tensor;
  /** 0/1 per trainable element once masking is on; optimisers keep masked weights at exactly 0. */
  mask: Tensor | null = null;

  constructor(readonly k: Kernels, graph: Graph) {
    const all = graph.nodes.flatMap((node) => node.params.map((p) => ({ node: node.name, ...p })));
    const ordered = [...all.filter((p) => p.trainable), ...all.filter((p) => !p.trainable)];
    let start = 0;
    this.entries = ordered.map((p) => {
      const size = sizeOf(p.shape);
      const entry = { node: p.node, name: p.name, shape: [...p.shape], init: p.init, trainable: p.trainable, start, size };
      start += size;
      return entry;
    });
    this.size = start;
    this.trainableSize = this.entries.filter((e) => e.trainable).reduce((n, e) => n + e.size, 0);
    this.values = k.tensor([this.size]);
    this.grads = k.tensor([this.trainableSize]);
  }

  entry(node: string, name: string): ParamEntry {
    const e = this.entries.find((p) => p.node === node && p.name === name);
    if (!e) throw new Error(`params: node '${node}' has no parameter '${name}'`);
    return e;
  }

  value(node: string, name: string): Tensor {
    const e = this.entry(node, name);
    return this.values.view(e.start, e.shape);
  }

  grad(node: string, name: string): Tensor {
    const e = this.entry(node, name);
    if (!e.trainable) throw new Error(`params: '${node}.${name}' is state, it has no gradient`);
    return this.grads.view(e.start, e.shape);
  }

  /** Turns masking on (all ones) if it is off; returns the mask over the trainable block. */
  enableMask(): Tensor {
    this.mask ??= this.k.tensor([this.trainableSize]).fill(1);
    return this.mask;
  }

  /** The mask of one parameter, masking turned on if needed. */
  maskOf(node: string, name: string): Tensor {
    const e = this.entry(node, name);
    if (!e.trainable) throw new Error(`params: '${node}.${name}' is state, it cannot be masked`);
    return this.enableMask().view(e.start, e.shape);
  }

  /** Zeroes the masked weights now (forward then sees them as pruned). */
  applyMask(): void {
    if (this.mask) this.k.wasm.f32_mul(this.values.offset, this.values.offset, this.mask.offset, this.trainableSize);
  }

  /** Views of one node's parameters (or gradients), by parameter name. */
  of(node: string, which: 'values' | 'grads'): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const e of this.entries) {
      if (e.node !== node || (which === 'grads' && !e.trainable)) continue;
      out[e.name] = (which === 'values' ? this.values : this.grads).view(e.start, e.shape);
    }
    return out;
  }

  /** Seeded initialisation: parameter i draws from its own stream, so adding a layer leaves the others unchanged. */
  init(seed: number): void {
    const values = this.values.f32();
    for (const e of this.entries) {
      const rng = new Rng(seed ^ hash(`${e.node}.${e.name}`));
      const init = e.init;
      const at = values.subarray(e.start, e.start + e.size);
      if (init.kind === 'zeros') at.fill(0);
      else if (init.kind === 'ones') at.fill(1);
      else {
        const bound = init.gain * Math.sqrt(3 / Math.max(1, init.fanIn));
        for (let i = 0; i < at.length; i++) at[i] = rng.uniform(-bound, bound);
      }
    }
  }

  dispose(): void {
    this.values.dispose();
    this.grads.dispose();
    this.mask?.dispose();
  }
}

/** out[i] = source[keep[i]]: carries any per-element buffer of a store over to a pruned copy. */
export function gather(source: Float32Array, keep: Int32Array): Float32Array {
  const out = new Float32Array(keep.length);
  for (let i = 0; i < keep.length; i++) out[i] = source[keep[i]];
  return out;
}

/** FNV-1a, to give each parameter name its own seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
