// One instance of lopper's wasm module with its heap. Loads from bytes, a URL, a Response or a
// WebAssembly.Module (edge runtimes hand us the latter), with no Node built-in.

import type { KernelExports } from './exports.js';
import { Heap } from './heap.js';
import { Tensor, sizeOf, type DType } from './tensor.js';

export type WasmSource = BufferSource | WebAssembly.Module | URL | string | Response | Promise<Response>;

export class Kernels {
  readonly heap: Heap;
  /** True for the SIMD build, false for the scalar one. */
  readonly simd: boolean;
  private scratchOffset = -1;
  private scratchBytes = 0;

  constructor(readonly module: WebAssembly.Module, readonly wasm: KernelExports) {
    this.heap = new Heap(wasm.memory, wasm.heap_base());
    this.simd = wasm.simd_enabled() === 1;
  }

  /** A zero-filled tensor. */
  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: shape [${shape}] has a bad dimension ${d}`);
    }
    const bytes = sizeOf(shape) * 4;
    const t = new Tensor(this, this.heap.alloc(bytes), [...shape], dtype);
    return t.fill(0);
  }

  /** A tensor holding a copy of `data`; the shape defaults to one axis. */
  from(data: ArrayLike<number>, shape: readonly number[] = [data.length], dtype: DType = 'f32'): Tensor {
    const t = this.tensor(shape, dtype);
    return t.set(data);
  }

  /**
   * A scratch area of at least `bytes`, valid until the next call. Kernels that need scratch
   * (gemm's packed panels, conv's im2col) share it, so it grows to the largest request and stays.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchOffset >= 0) this.heap.free(this.scratchOffset);
      this.scratchOffset = this.heap.alloc(bytes);
      this.scratchBytes = bytes;
    }
    return this.scratchOffset;
  }
}

const imports = {
  env: {
    abort(_msg: number, _file: number, line: number, column: number): never {
      throw new Error(`lopper wasm: abort at ${line}:${column}`);
    },
  },
};

/** Instantiates the kernels from whatever the host provides. */
export async function loadKernels(source: WasmSource): Promise<Kernels> {
  const module = await compile(source);
  const instance = await WebAssembly.instantiate(module, imports);
  const wasm = instance.exports as unknown as KernelExports;
  wasm._start();
  return new Kernels(module, wasm);
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) source = fetch(source);
  if (source instanceof Promise || (typeof Response !== 'undefined' && source instanceof Response)) {
    const response = await source;
    if (!response.ok) throw new Error(`loadKernels: fetching ${response.url} gave HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return WebAssembly.compile(source as BufferSource);
  throw new TypeError('loadKernels: expected bytes, a URL, a Response or a WebAssembly.Module');
}
