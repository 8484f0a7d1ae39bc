// The part of `npm run build:ts` after tsc: the generated ONNX messages beside their importer, the
// self-contained ES-module bundles that browsers and edge runtimes load with no import map
// (dist/browser/lopper.js and its worker entry dist/browser/web-entry.js, from src/index.ts), the
// same worker entry for the unbundled dist, the page's bundle (dist/web/), and the CLI's execute bit.

import { chmodSync, copyFileSync } from 'node:fs';
import { build } from 'esbuild';

const at = (p) => new URL(`../${p}`, import.meta.url).pathname;

for (const ext of ['js', 'd.ts']) copyFileSync(at(`src/io/onnx/onnx-pb.${ext}`), at(`dist/src/io/onnx/onnx-pb.${ext}`));

const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: [at('src/index.ts')], outfile: at('dist/browser/lopper.js') }),
  build({ ...common, entryPoints: [at('src/workers/web-entry.ts')], outfile: at('dist/browser/web-entry.js') }),
  // Workers cannot resolve bare imports through import maps: the unbundled dist's entry is bundled too.
  build({ ...common, entryPoints: [at('src/workers/web-entry.ts')], outfile: at('dist/src/workers/web-entry.js') }),
]);

// The page (examples/web/): a sample app bundled as a user would, importing 'lopper' under the
// browser condition; esbuild leaves the worker's new URL('./web-entry.js', import.meta.url) alone,
// so the entry goes beside the bundle. The demo model is the trained LeNet-5 of experiments/.
await build({ ...common, entryPoints: [at('examples/web/app.ts')], outfile: at('dist/web/app.js'), conditions: ['browser'], minify: true });
for (const f of ['web-entry.js', 'web-entry.js.map']) copyFileSync(at(`dist/browser/${f}`), at(`dist/web/${f}`));
copyFileSync(at('experiments/models/lenet-5.fashion-mnist.lopm'), at('dist/web/lenet-5.fashion-mnist.lopm'));

chmodSync(at('dist/src/cli/main.js'), 0o755);
