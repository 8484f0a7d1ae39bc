// The loader takes bytes, a WebAssembly.Module, a Response or a URL, as hosts hand them over.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadKernels } from '../../src/kernels/kernels.js';
import { Worker } from 'node:worker_threads';
import { wasmPath, loadNodeKernels, nodeKernelBuild } from '../../src/node/kernels.js';
import { relaxedRuns } from '../helpers/backends.js';

async function works(k: Awaited<ReturnType<typeof loadKernels>>): Promise<void> {
  const a = k.from([1, 2, 3]);
  const b = k.from([10, 20, 30]);
  const out = k.tensor([3]);
  k.wasm.f32_add(out.offset, a.offset, b.offset, 3);
  assert.equal(Array.from(out.f32()), [11, 22, 33]);
}

test('loads from bytes, an ArrayBuffer, a Module and a Response', async () => {
  const bytes = await readFile(wasmPath({ build: 'simd' }));
  await works(await loadKernels(bytes));
  await works(await loadKernels(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  const k = await loadKernels(new WebAssembly.Module(bytes));
  assert.ok(k.simd);
  await works(k);
  await works(await loadKernels(new Response(bytes)));
});

test('loads from a URL over HTTP, and names the failure', async () => {
  const bytes = await readFile(wasmPath({ build: 'simd' }));
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
  const scalar = await loadNodeKernels({ build: 'scalar' });
  assert.is(scalar.simd, false);
  assert.is(scalar.build, 'scalar');
  const imports = WebAssembly.Module.imports(scalar.module).map((i) => `${i.module}.${i.name}`);
  assert.ok(imports.every((name) => name === 'env.abort'), `only env.abort may be imported: ${imports}`);
});

test('each build says which it is', async () => {
  const simd = await loadNodeKernels({ build: 'simd' });
  assert.is(simd.build, 'simd');
  assert.ok(simd.simd);
  if (!relaxedRuns()) return;
  const relaxed = await loadNodeKernels({ build: 'relaxed' });
  assert.is(relaxed.build, 'relaxed');
  assert.ok(relaxed.simd);
});

test('loadNodeKernels() loads the relaxed-SIMD build where the host runs it', async () => {
  if (!relaxedRuns()) return;
  assert.is(nodeKernelBuild(), 'relaxed');
  // $LOPPER_WASM, when the suite runs with it, overrides the default (test/cli checks the override).
  assert.is((await loadNodeKernels()).build, process.env.LOPPER_WASM || 'relaxed');
});

test('worker threads instantiate the relaxed module sent to them, and compile it from bytes', async () => {
  if (!relaxedRuns()) return;
  const k = await loadNodeKernels({ build: 'relaxed' });
  const bytes = await readFile(wasmPath({ build: 'relaxed' }));
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const imports = { env: { abort() { throw new Error('abort'); } } };
    const sent = new WebAssembly.Instance(workerData.module, imports).exports.relaxed_simd_enabled();
    const compiled = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), imports).exports.relaxed_simd_enabled();
    parentPort.postMessage([sent, compiled]);`, { eval: true, workerData: { module: k.module, bytes } });
  try {
    const got = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(got, [1, 1]);
  } finally {
    await worker.terminate();
  }
});

test.run();
