// `lopper serve`: the in-browser pruning page (examples/web/) and lopper's files over HTTP on this
// machine, cross-origin isolated (the worker pool's SharedArrayBuffers need it), with the
// built-in datasets as .lopd files under /data/ (whole, or their first N samples with ?limit=N). Nothing is uploaded: the page computes locally.

import type { Command } from 'commander';
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_NAMES, builtinCachePath, loadBuiltin, type BuiltinName, type Split } from '../node/data.js';
import { encodeDataset } from '../nn/data/lop-dataset.js';
import { integer, text } from './options.js';

/** The headers every response carries: cross-origin isolation, and no caching of stale builds. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.onnx': 'application/octet-stream', '.lopd': 'application/octet-stream',
};

export interface ServeOptions {
  /** The folder served (default lopper's package root). */
  root?: string;
  /** Where `/` leads (default the page, /examples/web/). */
  index?: string;
  port?: number;
  host?: string;
}

/** lopper's package root, the folder holding its package.json. */
export function packageRoot(): string {
  return dirname(fileURLToPath(import.meta.resolve('lopper/package.json')));
}

/** Starts the server; resolves once it listens (port 0 picks a free one: read `server.address()`). */
export async function startServer(options: ServeOptions = {}): Promise<Server> {
  const root = normalize(options.root ?? packageRoot());
  const index = options.index ?? '/examples/web/';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const send = (status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'only GET and HEAD\n');
      if (path === '/') {
        res.writeHead(302, { ...ISOLATION_HEADERS, Location: index });
        return res.end();
      }
      const data = /^\/data\/([a-z-]+)-(train|test)\.lopd$/.exec(path);
      if (data) {
        const name = data[1] as BuiltinName;
        if (!BUILTIN_NAMES.includes(name)) return send(404, `no built-in dataset '${name}'; known: ${BUILTIN_NAMES.join(', ')}\n`);
        // ?limit=N: the first N samples only, so a page that uses 6,000 images fetches 5 MB, not 47.
        const limit = url.searchParams.get('limit');
        if (limit !== null && !/^[1-9]\d*$/.test(limit)) return send(400, `${path}: limit must be a whole number of samples ≥ 1, got '${limit}'\n`);
        const dataset = await loadBuiltin(name, data[2] as Split); // builds the cache on first use
        if (limit !== null && Number(limit) < dataset.size) return send(200, encodeDataset(dataset.subset({ end: Number(limit) })), TYPES['.lopd']);
        return send(200, await readFile(await builtinCachePath(name, data[2] as Split)), TYPES['.lopd']);
      }
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) return send(403, 'outside the served folder\n');
      if ((await stat(file).catch(() => undefined))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file).catch(() => undefined);
      if (!body) return send(404, `${path}: not found\n`);
      return send(200, body, TYPES[extname(file)] ?? 'application/octet-stream');
    } catch (e) {
      return send(500, `${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the in-browser pruning page (cross-origin isolated) on this machine')
    .option('--port <n>', 'port to listen on (0: any free one)', integer('--port', 0, 65535), 8080)
    .option('--host <address>', 'address to listen on', text('--host'), '127.0.0.1')
    .action(async (flags: { port: number; host: string }) => {
      const server = await startServer({ port: flags.port, host: flags.host });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : flags.port;
      console.log(`lopper serve: the pruning page is at http://${flags.host}:${port}/ (Ctrl-C stops)`);
    });
}
