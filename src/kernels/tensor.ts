// A tensor in the wasm heap: an offset, a shape and a dtype. Views are made fresh on each use
// because growing the memory detaches every earlier view.

import type { Kernels } from './kernels.js';

export type DType = 'f32' | 'i32' | 'i8';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<DType, number> = { f32: 4, i32: 4, i8: 1 };

export class Tensor {
  private freed = false;

  constructor(
    readonly kernels: Kernels,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly dtype: DType,
    /** False for views into another tensor's block (a model's parameters): not freed by dispose. */
    readonly owner = true,
  ) {}

  /** A tensor over `shape` elements of this one's block, starting `start` elements in. */
  view(start: number, shape: readonly number[]): Tensor {
    const n = sizeOf(shape);
    if (!Number.isInteger(start) || start < 0 || start + n > this.size) {
      throw new RangeError(`tensor.view: [${start}, ${start + n}) is outside a tensor of ${this.size} elements`);
    }
    return new Tensor(this.kernels, this.offset + start * DTYPE_BYTES[this.dtype], [...shape], this.dtype, false);
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get disposed(): boolean {
    return this.freed;
  }

  /** A live Float32Array view; do not keep it across anything that may allocate. */
  f32(): Float32Array {
    if (this.dtype !== 'f32') throw new TypeError(`tensor: f32() on an ${this.dtype} tensor`);
    return new Float32Array(this.buffer(), this.offset, this.size);
  }

  /** A live Int32Array view; do not keep it across anything that may allocate. */
  i32(): Int32Array {
    if (this.dtype !== 'i32') throw new TypeError(`tensor: i32() on an ${this.dtype} tensor`);
    return new Int32Array(this.buffer(), this.offset, this.size);
  }

  /** A live Int8Array view; do not keep it across anything that may allocate. */
  i8(): Int8Array {
    if (this.dtype !== 'i8') throw new TypeError(`tensor: i8() on an ${this.dtype} tensor`);
    return new Int8Array(this.buffer(), this.offset, this.size);
  }

  /** A copy of the contents, safe to keep. */
  toArray(): Float32Array | Int32Array | Int8Array {
    return this.typed().slice();
  }

  set(data: ArrayLike<number>): this {
    if (data.length !== this.size) {
      throw new RangeError(`tensor.set: ${data.length} values for a tensor of shape [${this.shape}] (${this.size})`);
    }
    this.typed().set(data);
    return this;
  }

  fill(value: number): this {
    this.typed().fill(value);
    return this;
  }

  dispose(): void {
    if (this.freed) return;
    if (!this.owner) throw new Error(`tensor.dispose: a view of shape [${this.shape}] does not own its memory`);
    this.freed = true;
    this.kernels.heap.free(this.offset);
  }

  private typed(): Float32Array | Int32Array | Int8Array {
    return this.dtype === 'f32' ? this.f32() : this.dtype === 'i32' ? this.i32() : this.i8();
  }

  private buffer(): ArrayBuffer {
    if (this.freed) throw new Error(`tensor of shape [${this.shape}] used after dispose()`);
    return this.kernels.heap.memory.buffer;
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
