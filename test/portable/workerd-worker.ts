// A Cloudflare Worker (run in workerd by miniflare) on the package as workerd resolves it: the
// portable suite at /suite, and per request a small ONNX model pruned and sent back at /prune.
// The kernels arrive as an imported WebAssembly.Module: workerd compiles no wasm at run time.

import * as L from 'lopper';
import wasm from './lopper.wasm';
import { runSuite, type Lib } from './suite.js';

const lib = L as unknown as Lib;

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/suite') {
      const notes: string[] = [];
      const results = await runSuite(lib, { name: 'workerd', wasm, pool: () => lib.webPoolOrNone({ workers: 2 }, (why) => notes.push(why)) });
      return Response.json({ results, notes });
    }
    if (url.pathname === '/prune' && request.method === 'POST') {
      const method = url.searchParams.get('method') ?? 'l1';
      const ratio = Number(url.searchParams.get('ratio') ?? 0.5);
      const k = await lib.loadKernels(wasm);
      const model = lib.importOnnx(new Uint8Array(await request.arrayBuffer()), k);
      let pruned = model;
      if (method === 'magnitude') lib.pruneByMagnitude(model, { kind: 'global', sparsity: ratio });
      else pruned = lib.pruneFilters(model, { ratio }).model;
      return new Response(lib.exportOnnx(pruned) as BodyInit, { headers: { 'Content-Type': 'application/octet-stream' } });
    }
    if (url.pathname === '/errors') {
      // What a Worker gets when it passes bytes, or asks for a pool of Web Workers.
      const out: Record<string, string> = {};
      try {
        await lib.loadKernels(new Uint8Array(await request.arrayBuffer()));
        out.bytes = '';
      } catch (e) {
        out.bytes = (e as Error).message;
      }
      try {
        lib.createWebPool({ workers: 2 });
        out.pool = '';
      } catch (e) {
        out.pool = (e as Error).message;
      }
      return Response.json(out);
    }
    return new Response('not found', { status: 404 });
  },
};
