// Fuzzing the ONNX importer, fast subset: 200 mutated fixtures (scripts/fuzz-onnx.ts runs 10,000).
// Every case ends as an import (then a forward pass) or an OnnxError with a message, quickly.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { onnxFixtures } from '../helpers/onnx-fixtures.js';
import { MUTATIONS, fuzzCase, runFuzzCase } from '../helpers/onnx-fuzz.js';
import { parseOnnx } from '../../src/io/onnx/import.js';
import { OnnxError } from '../../src/io/onnx/errors.js';

test('200 mutated files: no crash, no hang; each one imports or is refused with a named error', async () => {
  const [{ k }] = await backends();
  const fixtures = onnxFixtures();
  const kinds: Record<string, number> = {};
  const seen = new Set<string>();
  const t0 = performance.now();
  for (let seed = 0; seed < 200; seed++) {
    const c = fuzzCase(fixtures, seed);
    const o = runFuzzCase(c, k);
    seen.add(c.mutation);
    kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    assert.ok(o.kind !== 'crash', `seed ${seed} (${c.mutation} of ${c.fixture}) crashed: ${o.message}`);
    assert.ok(o.ms < 2000, `seed ${seed} (${c.mutation} of ${c.fixture}) took ${o.ms.toFixed(0)} ms`);
    if (o.kind === 'refused') assert.match(o.message, new RegExp(`^fuzz-${seed}\\.onnx: .{10,}`), `seed ${seed}: the message names the file`);
  }
  const ms = performance.now() - t0;
  assert.ok(kinds.refused > 100 && kinds.ok > 10, `both outcomes occur: ${JSON.stringify(kinds)}`);
  assert.is(seen.size, MUTATIONS.length, 'every mutation ran');
  assert.ok(ms < 10_000, `200 cases took ${ms.toFixed(0)} ms`);
});

/** Varint bytes of n. */
function varint(n: number): number[] {
  const out: number[] = [];
  do { out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n = Math.floor(n / 128); } while (n);
  return out;
}

/**
 * Length-delimited fields nested inside each other (`tags` from the outside in, repeated), the
 * innermost empty: only headers, written outside-in once their sizes are known.
 */
function nested(tags: number[]): Uint8Array {
  const sizes = new Array<number>(tags.length + 1).fill(0);
  for (let i = tags.length - 1; i >= 0; i--) sizes[i] = 1 + varint(sizes[i + 1]).length + sizes[i + 1];
  const out: number[] = [];
  tags.forEach((tag, i) => out.push(tag, ...varint(sizes[i + 1])));
  return Uint8Array.from(out);
}

test('adversarial bytes: deep nesting, a huge claimed length, a giant packed dims list', () => {
  // graph → node → attribute → graph → … 20,000 levels deep.
  const deep = nested([0x3a, ...Array.from({ length: 20_000 }, () => [0x0a, 0x2a, 0x32]).flat()]);
  assert.throws(() => parseOnnx(deep), (e: unknown) => e instanceof OnnxError && /not an ONNX model: protobuf decoding failed \((messages nest too deeply|.+)\)/.test((e as Error).message));
  // ir_version 8, then a graph field claiming 2^31 bytes.
  const huge = Uint8Array.of(0x08, 0x08, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x08, 1, 2, 3);
  assert.throws(() => parseOnnx(huge), (e: unknown) => e instanceof OnnxError && e.code === 'invalid-file');
});

test.run();
