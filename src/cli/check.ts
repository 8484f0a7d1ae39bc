// `lopper check model.onnx`: import fidelity in one command. lopper (after import) and
// onnxruntime-web run the file on the same seeded random input; the largest difference per output
// is printed, and the command fails when one exceeds --tolerance (atol + rtol·|reference|).

import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadNodeKernels } from '../node/kernels.js';
import { modelFromOnnx, parseOnnx } from '../io/onnx/import.js';
import { Rng } from '../nn/random.js';
import { UsageError, integer, number, text } from './options.js';
import { collect, firstInputName, parseShape } from './inspect.js';
import { printJson, table } from './output.js';

interface CheckFlags {
  batch: number;
  seed: number;
  tolerance: number;
  inputShape?: string[];
  json?: boolean;
}

export function checkCommand(program: Command): void {
  program
    .command('check')
    .description('run an ONNX model in lopper and in onnxruntime-web on the same random input; print the largest difference per output')
    .argument('<model>', 'an .onnx file', text('<model>'))
    .option('--batch <n>', 'batch size, where the file leaves it open', integer('--batch', 1), 2)
    .option('--seed <n>', 'seed of the random input, uniform in [−1, 1)', integer('--seed', 0, 2 ** 31 - 1), 0)
    .option('--tolerance <x>', 'largest accepted |lopper − onnxruntime| / (1 + |onnxruntime|)', number('--tolerance', { above: 0 }), 1e-4)
    .option('--input-shape <name=dims...>', "per-sample shape of an input the file leaves symbolic, e.g. 'x=3,224,224'", collect, [])
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, flags: CheckFlags) => runCheck(file, flags));
}

/** onnxruntime-web, a development dependency of lopper: installed beside it, or a clear error. */
async function loadOrt(): Promise<typeof import('onnxruntime-web')> {
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    return ort;
  } catch {
    throw new Error(`lopper check runs the model in onnxruntime-web too, which is not installed: npm install onnxruntime-web`);
  }
}

async function runCheck(file: string, flags: CheckFlags): Promise<void> {
  if (!file.toLowerCase().endsWith('.onnx')) throw new UsageError(`${file}: lopper check reads .onnx files`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read: ${(e as Error).message}`);
  }
  const inputShapes: Record<string, number[]> = {};
  for (const [name, dims] of (flags.inputShape ?? []).map(parseShape)) inputShapes[name || firstInputName(bytes)] = dims;
  const parsed = parseOnnx(bytes, { file, inputShapes });
  const batch = typeof parsed.info.batch === 'number' ? parsed.info.batch : flags.batch;
  const rng = new Rng(flags.seed);
  const inputs = parsed.graph.inputs.map((i) => {
    const dims = [batch, ...i.shape];
    return { name: i.name, dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)) };
  });

  const k = await loadNodeKernels();
  const model = modelFromOnnx(parsed, k);
  const mine = new Map<string, Float32Array>();
  try {
    for (const i of inputs) model.input(batch, i.name).set(i.data);
    model.forward(batch);
    for (const o of model.graph.outputs) mine.set(o, model.activation(o).toArray() as Float32Array);
  } finally {
    model.dispose();
  }

  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const theirs = new Map<string, Float32Array>();
  try {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const i of inputs) feeds[i.name] = new ort.Tensor('float32', i.data, i.dims);
    const out = await session.run(feeds);
    for (const name of session.outputNames) theirs.set(name, out[name].data as Float32Array);
  } finally {
    await session.release();
  }

  const rows = model.graph.outputs.map((name) => {
    const a = mine.get(name)!;
    const b = theirs.get(name);
    if (!b || b.length !== a.length) {
      return { output: name, values: a.length, maxAbs: NaN, maxRel: NaN, ok: false, problem: b ? `onnxruntime gives ${b.length} values, lopper ${a.length}` : 'onnxruntime has no such output' };
    }
    let maxAbs = 0;
    let maxRel = 0;
    for (let j = 0; j < a.length; j++) {
      const d = Math.abs(a[j] - b[j]);
      const same = Object.is(a[j], b[j]) || (Number.isNaN(a[j]) && Number.isNaN(b[j]));
      const abs = same ? 0 : Number.isNaN(d) ? Infinity : d;
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, abs / (1 + Math.abs(b[j])));
    }
    return { output: name, values: a.length, maxAbs, maxRel, ok: maxRel <= flags.tolerance };
  });
  const ok = rows.every((r) => r.ok);
  if (flags.json) {
    printJson({ command: 'check', model: file, batch, seed: flags.seed, tolerance: flags.tolerance, ok, outputs: rows });
  } else {
    console.log(`${file}: lopper vs onnxruntime-web on one random batch of ${batch} (seed ${flags.seed})`);
    console.log(table([['output', 'values', 'max |diff|', 'max |diff|/(1+|ref|)', ''],
      ...rows.map((r) => [r.output, String(r.values), r.maxAbs.toExponential(2), r.maxRel.toExponential(2), r.ok ? 'ok' : r.problem ?? `over ${flags.tolerance}`])], '  '));
  }
  if (!ok) throw new Error(`${file}: ${rows.filter((r) => !r.ok).map((r) => `'${r.output}'`).join(', ')} differ${rows.filter((r) => !r.ok).length === 1 ? 's' : ''} from onnxruntime-web by more than ${flags.tolerance}`);
}
