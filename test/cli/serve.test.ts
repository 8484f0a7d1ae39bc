// `lopper serve` as the real binary: the page, cross-origin isolated, lopper's files with their
// types, 404 and 403 as they should be; and the worker-load diagnosis against this server.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { root } from '../helpers/cli.js';
import { loadFailure } from '../../src/workers/web.js';
import { decodeDataset } from '../../src/nn/data/lop-dataset.js';

let server: ChildProcess;
let base = '';

test.before(async () => {
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise<string>((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (d) => {
      text += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`lopper serve exited with ${code}: ${text}`)));
  });
});

test.after(() => {
  server.kill();
});

test('/ leads to the page, served cross-origin isolated', async () => {
  const r = await fetch(`${base}/`);
  assert.is(r.status, 200);
  assert.ok(r.url.endsWith('/examples/web/'), r.url);
  assert.is(r.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.is(r.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.match(r.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await r.text(), /dist\/web\/app\.js/);
});

test('lopper files come with their types; missing and outside files are refused', async () => {
  const wasm = await fetch(`${base}/build/lopper.wasm`);
  assert.is(wasm.status, 200);
  assert.is(wasm.headers.get('content-type'), 'application/wasm');
  assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())));
  assert.match((await fetch(`${base}/dist/browser/lopper.js`)).headers.get('content-type') ?? '', /text\/javascript/);
  const missing = await fetch(`${base}/nothing-here.js`);
  assert.is(missing.status, 404);
  assert.match(await missing.text(), /\/nothing-here\.js: not found/);
  assert.is((await fetch(`${base}/data/cifar-train.lopd`)).status, 404);
  // Slashes encoded inside one segment, which URL parsing leaves for the server to decode.
  const status = await new Promise<number>((resolve, reject) => {
    get(`${base}/`, { path: '/..%2F..%2F..%2Fetc%2Fpasswd' }, (r) => { r.resume(); resolve(r.statusCode ?? 0); }).on('error', reject);
  });
  assert.is(status, 403);
});

test('a built-in dataset comes whole or as its first N samples (?limit=N); a bad limit is refused', async () => {
  const whole = decodeDataset(new Uint8Array(await (await fetch(`${base}/data/mnist-test.lopd`)).arrayBuffer()), 'whole');
  const r = await fetch(`${base}/data/mnist-test.lopd?limit=100`);
  assert.is(r.status, 200);
  const first = decodeDataset(new Uint8Array(await r.arrayBuffer()), 'first 100');
  assert.ok(whole.size > 100, `${whole.size} samples`);
  assert.is(first.size, 100);
  assert.equal(Array.from(first.labels), Array.from(whole.labels.subarray(0, 100)));
  assert.is(decodeDataset(new Uint8Array(await (await fetch(`${base}/data/mnist-test.lopd?limit=${whole.size + 1}`)).arrayBuffer()), 'all').size, whole.size);
  for (const bad of ['0', '-5', '2.5', 'many']) {
    const refused = await fetch(`${base}/data/mnist-test.lopd?limit=${bad}`);
    assert.is(refused.status, 400, bad);
    assert.match(await refused.text(), `/data/mnist-test.lopd: limit must be a whole number of samples ≥ 1, got '${bad}'`);
  }
});

test('a worker that fails to load is diagnosed: 404, bare import, or else COEP', async () => {
  assert.match(await loadFailure(`${base}/no-such-entry.js`), /fetching it gives HTTP 404/);
  assert.match(await loadFailure(`${base}/dist/src/workers/pool.js`), /imports the bare specifier 'comlink'/);
  assert.match(await loadFailure(`${base}/dist/browser/web-entry.js`), /Cross-Origin-Embedder-Policy/);
});

test.run();
