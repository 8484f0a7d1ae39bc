// The portable suite in Chromium: browser.ts bundled with esbuild, served cross-origin isolated
// by lopper's own server (src/cli/serve.ts) from the repository on 127.0.0.1.

import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { startServer } from '../../src/cli/serve.js';
import { withChromium } from '../helpers/chromium.js';
import type { CaseResult } from './suite.js';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export interface BrowserRun {
  results: CaseResult[];
  errors: { crossOriginIsolated: boolean; notFound: string; bareImport: string; coep: string };
  console: string[];
}

export async function runChromium(): Promise<BrowserRun> {
  await build({
    entryPoints: [`${root}/test/portable/browser.ts`], outfile: `${root}/build/portable/browser.js`,
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', external: ['/dist/*'], logLevel: 'warning',
  });
  const server = await startServer({ root, port: 0 });
  // A second origin: a worker importing from it is refused under COEP (its files say
  // Cross-Origin-Resource-Policy: same-origin), the case the COEP hint is for.
  const other = await startServer({ root, port: 0 });
  try {
    const { port } = server.address() as AddressInfo;
    const { port: otherPort } = other.address() as AddressInfo;
    await mkdir(`${root}/build/portable`, { recursive: true });
    await writeFile(`${root}/build/portable/coep-worker.js`, `import 'http://127.0.0.1:${otherPort}/dist/browser/web-entry.js';\n`);
    return await withChromium(async (context) => {
      const page = await context.newPage();
      const log: string[] = [];
      page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      await page.goto(`http://127.0.0.1:${port}/test/portable/index.html`);
      await page.waitForFunction(() => 'lopperResults' in globalThis || document.getElementById('out')?.textContent !== 'running…', undefined, { timeout: 300_000 });
      const run = await page.evaluate(() => (globalThis as unknown as { lopperResults?: Omit<BrowserRun, 'console'> }).lopperResults);
      if (!run) throw new Error(`the page stopped without results:\n${log.join('\n')}`);
      return { ...run, console: log };
    });
  } finally {
    server.close();
    other.close();
  }
}
