// The allocator for the wasm module's linear memory: TypeScript owns it, kernels never allocate.
// First-fit over a sorted free list with coalescing; every block is 16-byte aligned (v128 loads).

const ALIGN = 16;
const PAGE = 65536;

export class Heap {
  private top: number;
  /** Free blocks below `top`, sorted by offset, never adjacent (they coalesce). */
  private readonly holes: { offset: number; bytes: number }[] = [];
  private readonly live = new Map<number, number>();

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = roundUp(Math.max(base, ALIGN));
  }

  /** Bytes handed out and not yet freed. */
  get liveBytes(): number {
    let sum = 0;
    for (const bytes of this.live.values()) sum += bytes;
    return sum;
  }

  /** Returns a 16-byte aligned offset of `bytes` bytes (contents undefined). */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError(`heap.alloc: size must be a non-negative integer of bytes, got ${bytes}`);
    }
    const size = roundUp(Math.max(bytes, ALIGN));
    for (let i = 0; i < this.holes.length; i++) {
      const hole = this.holes[i];
      if (hole.bytes < size) continue;
      const offset = hole.offset;
      if (hole.bytes === size) this.holes.splice(i, 1);
      else { hole.offset += size; hole.bytes -= size; }
      this.live.set(offset, size);
      return offset;
    }
    const offset = this.top;
    this.ensure(offset + size);
    this.top = offset + size;
    this.live.set(offset, size);
    return offset;
  }

  free(offset: number): void {
    const size = this.live.get(offset);
    if (size === undefined) throw new Error(`heap.free: no live block at offset ${offset} (double free?)`);
    this.live.delete(offset);
    let i = this.holes.findIndex((h) => h.offset > offset);
    if (i < 0) i = this.holes.length;
    this.holes.splice(i, 0, { offset, bytes: size });
    const next = this.holes[i + 1];
    if (next && offset + size === next.offset) { this.holes[i].bytes += next.bytes; this.holes.splice(i + 1, 1); }
    const prev = this.holes[i - 1];
    if (prev && prev.offset + prev.bytes === offset) { prev.bytes += this.holes[i].bytes; this.holes.splice(i, 1); i--; }
    const last = this.holes[this.holes.length - 1];
    if (last && last.offset + last.bytes === this.top) { this.top = last.offset; this.holes.pop(); }
  }

  /** Grows memory so that bytes [0, end) exist. Growing detaches every view on the old buffer. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new RangeError(`heap: cannot grow wasm memory to ${end} bytes (${pages} more pages refused)`);
    }
  }
}

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
