// The TypeScript-owned heap: alignment, reuse and coalescing of freed blocks, growth, and
// tensors whose views survive memory growth.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Heap } from '../../src/kernels/heap.js';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';

function heap(): Heap {
  return new Heap(new WebAssembly.Memory({ initial: 1 }), 1000);
}

test('blocks are 16-byte aligned, disjoint, and start at the heap base', () => {
  const h = heap();
  const rng = new Rng(7);
  const blocks: [number, number][] = [];
  for (let i = 0; i < 200; i++) {
    const bytes = rng.int(0, 300);
    const at = h.alloc(bytes);
    assert.is(at % 16, 0, `offset ${at} aligned`);
    assert.ok(at >= 1000, 'above the base');
    blocks.push([at, Math.max(bytes, 1)]);
  }
  blocks.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < blocks.length; i++) assert.ok(blocks[i - 1][0] + blocks[i - 1][1] <= blocks[i][0], 'no overlap');
});

test('freed blocks are reused and coalesce back to an empty heap', () => {
  const h = heap();
  const a = h.alloc(64);
  const b = h.alloc(64);
  const c = h.alloc(64);
  h.free(b);
  assert.is(h.alloc(48), b, 'first fit reuses the hole');
  h.free(b);
  h.free(a);
  assert.is(h.alloc(128), a, 'two neighbouring holes merged');
  h.free(a);
  h.free(c);
  assert.is(h.liveBytes, 0);
  assert.is(h.alloc(192), a, 'everything coalesced down to the first block');
});

test('random alloc/free keeps live bytes exact and never overlaps', () => {
  const h = heap();
  const rng = new Rng(11);
  const live = new Map<number, number>();
  for (let step = 0; step < 2000; step++) {
    if (live.size > 0 && rng.next() < 0.45) {
      const keys = [...live.keys()];
      const at = keys[rng.int(0, keys.length - 1)];
      h.free(at);
      live.delete(at);
    } else {
      const bytes = 16 * rng.int(1, 40);
      const at = h.alloc(bytes);
      for (const [o, n] of live) assert.ok(at + bytes <= o || o + n <= at, `block ${at} overlaps ${o}`);
      live.set(at, bytes);
    }
  }
  assert.is(h.liveBytes, [...live.values()].reduce((s, n) => s + n, 0));
});

test('heap grows the memory and refuses bad sizes and double frees', () => {
  const h = heap();
  const before = h.memory.buffer.byteLength;
  h.alloc(5 * 65536);
  assert.ok(h.memory.buffer.byteLength >= before + 5 * 65536 - 1000);
  assert.throws(() => h.alloc(-1), /heap.alloc: size must be a non-negative integer of bytes, got -1/);
  assert.throws(() => h.alloc(1.5), /got 1.5/);
  const x = h.alloc(16);
  h.free(x);
  assert.throws(() => h.free(x), /no live block at offset \d+ \(double free\?\)/);
});

test('heap reports a memory it cannot grow', () => {
  const h = new Heap(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
  assert.throws(() => h.alloc(3 * 65536), /heap: cannot grow wasm memory to \d+ bytes/);
});

test('tensors keep their data across memory growth and refuse use after dispose', async () => {
  const [{ k }] = await backends();
  const t = k.from([1, 2, 3], [3]);
  const big = k.tensor([4 * 65536]);
  assert.equal(Array.from(t.f32()), [1, 2, 3], 'fresh view after growth');
  big.dispose();
  t.dispose();
  assert.throws(() => t.f32(), /used after dispose/);
  assert.throws(() => k.tensor([2, -1]), /tensor: shape \[2,-1\] has a bad dimension -1/);
  assert.throws(() => k.from([1, 2], [3]), /tensor.set: 2 values for a tensor of shape \[3\]/);
  assert.throws(() => k.tensor([2], 'i32').f32(), /f32\(\) on an i32 tensor/);
});

test.run();
