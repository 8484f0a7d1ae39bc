// End-to-end test of the pruning page in Chromium: `lopper serve` (the real binary) serves it,
// the test uploads LeNet-5 as an ONNX file, prunes it on Fashion-MNIST in the page's workers,
// downloads the result and runs that file in onnxruntime-web: its outputs must be the page's.
// Saves a screenshot of the finished page to build/web/page.png. Needs `npm run build` first.
// Run: node --import tsx test/web/page-e2e.ts

import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { withChromium } from '../helpers/chromium.js';
import { ortRunModel } from '../helpers/ort.js';
import { exportOnnx, loadKernels, loadModel } from '../../src/index.js';

const root = new URL('../..', import.meta.url).pathname;
const out = `${root}build/web`;
await mkdir(out, { recursive: true });

// The trained demo LeNet-5 as the ONNX file a user would drop.
const k = await loadKernels(await readFile(`${root}build/lopper.wasm`));
const onnxFile = `${out}/lenet-5.onnx`;
await writeFile(onnxFile, exportOnnx(loadModel(await readFile(`${root}experiments/models/lenet-5.fashion-mnist.lopm`), k).model));

const server = spawn(process.execPath, [`${root}dist/src/cli/main.js`, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = /(http:\/\/\S+\/)/.exec(text);
    if (m) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`lopper serve exited with ${code}: ${text}`)));
});

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`  ${ok ? '✓' : '✗'} page: ${what}`);
  if (!ok) failures.push(what);
};

try {
  await withChromium(async (context) => {
    const page = await context.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'choose a model', undefined, { timeout: 60_000 });
    const env = await page.textContent('#env');
    check(/Web Workers/.test(env ?? '') && /cross-origin isolated/.test(env ?? ''), `loaded: ${env}`);

    await page.setInputFiles('#model-file', onnxFile);
    await page.waitForFunction(() => /ready/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    check(true, `uploaded: ${await page.textContent('#model-info')}`);
    await page.check('input[name=method][value=magnitude]');
    await page.fill('#ratio', '0.8');
    await page.fill('#epochs', '1');
    await page.fill('#steps', '2');
    await page.fill('#train-samples', '3000');
    await page.fill('#test-samples', '1000');
    await page.click('#run');
    await page.waitForFunction(() => 'lopperResult' in globalThis || document.getElementById('status')?.className === 'error', undefined, { timeout: 600_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { lopperResult?: {
      accuracy: number; nonzero: number; params: number; file: string; check: { input: number[]; output: number[]; shape: number[] };
    } }).lopperResult);
    if (!result) throw new Error(`the run failed: ${await page.textContent('#status')}\n${log.join('\n')}`);
    check(result.accuracy > 0.5 && result.nonzero < 0.35 * result.params,
      `pruned: ${(100 * result.accuracy).toFixed(2)}% test accuracy, ${result.nonzero} of ${result.params} parameters non-zero`);
    const rows = await page.locator('#steps-table tbody tr').count();
    check(rows >= 3 && await page.locator('#report').isVisible(), `live report: ${rows} steps in the table and the report shown`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = `${out}/${download.suggestedFilename()}`;
    await download.saveAs(file);
    const bytes = new Uint8Array(await readFile(file));
    const [y] = await ortRunModel(bytes, [[Float32Array.from(result.check.input), result.check.shape]]);
    let worst = 0;
    for (let i = 0; i < y.data.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - result.check.output[i]));
    check(y.data.length === result.check.output.length && worst < 1e-4,
      `downloaded ${download.suggestedFilename()} (${bytes.length} bytes) runs in onnxruntime-web; largest difference from the page's outputs ${worst.toExponential(1)}`);
    await page.screenshot({ path: `${out}/page.png`, fullPage: true });
    console.log(`  screenshot: build/web/page.png`);

    // The other method on the same model (LeNet-5: 431,080 parameters): whole filters removed.
    await page.evaluate(() => { delete (globalThis as { lopperResult?: unknown }).lopperResult; });
    await page.check('input[name=method][value=filters]');
    await page.fill('#ratio', '0.5');
    await page.click('#run');
    await page.waitForFunction(() => 'lopperResult' in globalThis || document.getElementById('status')?.className === 'error', undefined, { timeout: 600_000 });
    const slim = await page.evaluate(() => (globalThis as unknown as { lopperResult?: { accuracy: number; params: number } }).lopperResult);
    check(slim !== undefined && slim.params < 0.6 * 431080 && slim.accuracy > 0.5,
      slim ? `L1 filters: ${slim.params} of 431080 parameters left, ${(100 * slim.accuracy).toFixed(2)}% test accuracy` : `L1 filters failed: ${await page.textContent('#status')}`);

    // Offline once loaded: with the server gone, the page reloads from its service worker's copy
    // and opens the demo model.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    server.kill();
    await new Promise((resolve) => server.once('exit', resolve));
    await page.reload();
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'choose a model', undefined, { timeout: 60_000 });
    await page.click('#demo');
    await page.waitForFunction(() => /ready|error/.test(document.getElementById('status')?.textContent ?? '') ||
      document.getElementById('status')?.className === 'error', undefined, { timeout: 60_000 });
    const offline = `${await page.textContent('#env')} / ${await page.textContent('#status')}`;
    check(/cross-origin isolated/.test(offline) && /ready/.test(offline), `offline, with the server stopped: ${offline}`);
  }, { downloads: true });
} catch (e) {
  failures.push((e as Error).message);
  console.log(`  ✗ page: ${(e as Error).stack}`);
} finally {
  server.kill();
}
console.log(`page e2e: ${failures.length === 0 ? 'ok' : `FAILED (${failures.length})`}`);
process.exit(failures.length === 0 ? 0 : 1);
