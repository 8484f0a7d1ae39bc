// Debian's Chromium driven by playwright-core (no browser download): headless, a fresh profile,
// nothing reaching the network but the local test server.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Runs `fn` in a fresh headless Chromium context, then closes it and deletes its profile. */
export async function withChromium<T>(fn: (context: BrowserContext) => Promise<T>, options: { downloads?: boolean } = {}): Promise<T> {
  const profile = await mkdtemp(join(tmpdir(), 'lopper-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: options.downloads ?? false,
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    return await fn(context);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
