// The loader takes bytes, a WebAssembly.Module, a Response or a URL, as hosts hand them over.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadKernels } from '../../src/kernels/kernels.js';
import { wasmPath, loadNodeKernels } from '../../src/node/kernels.js';

async function works(k: Awaited<ReturnType<typeof loadKernels>>): Promise<void> {
  const a = k.from([1, 2, 3]);
  const b = k.from([10, 20, 30]);
  const out = k.tensor([3]);
  k.wasm.f32_add(out.offset, a.offset, b.offset, 3);
  assert.equal(Array.from(out.f32()), [11, 22, 33]);
}

test('loads from bytes, an ArrayBuffer, a Module and a Response', async () => {
  const bytes = await readFile(wasmPath());
  await works(await loadKernels(bytes));
  await works(await loadKernels(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  const k = await loadKernels(new WebAssembly.Module(bytes));
  assert.ok(k.simd);
  await works(k);
  await works(await loadKernels(new Response(bytes)));
});

test('loads from a URL over HTTP, and names the failure', async () => {
  const bytes = await readFile(wasmPath());
  const server = createServer((req, res) => {
    if (req.url === '/lopper.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    await works(await loadKernels(`http://127.0.0.1:${port}/lopper.wasm`));
    await works(await loadKernels(new URL(`http://127.0.0.1:${port}/lopper.wasm`)));
    try {
      await loadKernels(`http://127.0.0.1:${port}/missing.wasm`);
      assert.unreachable('a 404 must throw');
    } catch (e) {
      assert.match((e as Error).message, /loadKernels: fetching http:\/\/127\.0\.0\.1:\d+\/missing\.wasm gave HTTP 404/);
    }
  } finally {
    server.close();
  }
});

test('refuses things that are not wasm, and the scalar build has no SIMD', async () => {
  try {
    await loadKernels(42 as never);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /loadKernels: expected bytes, a URL, a Response or a WebAssembly.Module/);
  }
  const scalar = await loadNodeKernels({ scalar: true });
  assert.is(scalar.simd, false);
  const imports = WebAssembly.Module.imports(scalar.module).map((i) => `${i.module}.${i.name}`);
  assert.ok(imports.every((name) => name === 'env.abort'), `only env.abort may be imported: ${imports}`);
});

test.run();
