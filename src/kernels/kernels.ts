// One instance of lopper's wasm module with its heap. Loads from bytes, a URL, a Response or a
// WebAssembly.Module (edge runtimes hand us the latter), with no Node built-in.

import type { KernelExports } from './exports.js';
import { Heap } from './heap.js';
import { DTYPE_BYTES, Tensor, sizeOf, type DType } from './tensor.js';

export type WasmSource = BufferSource | WebAssembly.Module | URL | string | Response | Promise<Response>;

/**
 * The three builds of the same kernels: `relaxed` (build/lopper-relaxed.wasm: SIMD plus relaxed
 * SIMD's fused multiply-add in the GEMM and sparse inner loops), `simd` (build/lopper.wasm) and
 * `scalar` (build/lopper-scalar.wasm, no SIMD).
 */
export type KernelBuild = 'relaxed' | 'simd' | 'scalar';

// The smallest modules that use one instruction of each feature: a function (v128, v128, v128) →
// v128 returning f32x4.relaxed_madd of its parameters, or f32x4.add of the first two.
const PROBE_HEAD = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 ×3) → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
];
// Code section, one body, no locals: local.get 0, 1, 2; f32x4.relaxed_madd (0xfd 0x105); end.
const RELAXED_PROBE = new Uint8Array([...PROBE_HEAD,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b]);
// Code section, one body, no locals: local.get 0, 1; f32x4.add (0xfd 0xe4); end.
const SIMD_PROBE = new Uint8Array([...PROBE_HEAD,
  0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xe4, 0x01, 0x0b]);

/**
 * The fastest build this host's WebAssembly accepts (pick the file to fetch with it in browsers
 * and Deno): `relaxed` where relaxed SIMD validates (Chrome ≥ 114, Node ≥ 22, Deno 2;
 * Node 20 after `loadNodeKernels` enables it), else `simd`, else `scalar`.
 */
export function bestKernelBuild(): KernelBuild {
  if (WebAssembly.validate(RELAXED_PROBE)) return 'relaxed';
  return WebAssembly.validate(SIMD_PROBE) ? 'simd' : 'scalar';
}

export class Kernels {
  readonly heap: Heap;
  /** True for the SIMD builds (relaxed included), false for the scalar one. */
  readonly simd: boolean;
  /** Which build this is, as the module itself reports it. */
  readonly build: KernelBuild;
  private scratchOffset = -1;
  private scratchBytes = 0;

  constructor(readonly module: WebAssembly.Module, readonly wasm: KernelExports) {
    this.heap = new Heap(wasm.memory, wasm.heap_base());
    this.simd = wasm.simd_enabled() === 1;
    this.build = wasm.relaxed_simd_enabled() === 1 ? 'relaxed' : this.simd ? 'simd' : 'scalar';
  }

  /** A zero-filled tensor. */
  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: shape [${shape}] has a bad dimension ${d}`);
    }
    const bytes = sizeOf(shape) * DTYPE_BYTES[dtype];
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
    return compileBytes(await response.arrayBuffer());
  }
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return compileBytes(source as BufferSource);
  throw new TypeError('loadKernels: expected bytes, a URL, a Response or a WebAssembly.Module');
}

// Edge runtimes (Cloudflare's workerd among them) forbid compiling bytes at run time: they only
// instantiate modules imported at deploy time, so say how to hand one over.
async function compileBytes(bytes: BufferSource): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    if (!/disallowed|not allowed|code generation/i.test((e as Error).message)) throw e;
    throw new Error(`loadKernels: this host forbids compiling WebAssembly from bytes (${(e as Error).message}): import the .wasm ` +
      "file as a WebAssembly.Module (e.g. import wasm from 'lopper/wasm/lopper.wasm' in a Cloudflare Worker) and pass that " +
      'module to loadKernels', { cause: e });
  }
}
