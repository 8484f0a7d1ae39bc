// The portable suite on Deno (`deno test`), through the built package and Web Workers, compared
// with Node's results that test/portable/run.ts left in build/portable/node.json.

import * as L from '../../dist/src/index.js';
import { runSuite, type Lib } from './suite.js';
import { compare } from './compare.js';

declare const Deno: {
  readFile(path: URL): Promise<Uint8Array>;
  readTextFile(path: URL): Promise<string>;
  test(name: string, fn: () => Promise<void>): void;
};

Deno.test('portable suite on Deno equals Node', async () => {
  const node = JSON.parse(await Deno.readTextFile(new URL('../../build/portable/node.json', import.meta.url)));
  const lib = L as unknown as Lib; // the built package's declarations, the suite's from source
  const results = await runSuite(lib, {
    name: 'deno',
    wasm: await Deno.readFile(new URL('../../build/lopper.wasm', import.meta.url)),
    pool: () => lib.createWebPool({ workers: 2 }),
  });
  const verdict = compare('deno', results, node);
  console.log(`${verdict.lines.join('\n')}\nlargest relative digest difference: ${verdict.worst}`);
  if (!verdict.ok) throw new Error(`deno: ${verdict.passed}/${node.length} cases equal to Node's`);
});
