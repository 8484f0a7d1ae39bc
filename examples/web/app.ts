// The in-browser pruning page (examples/web/index.html): a model (dropped ONNX file or the demo
// LeNet-5), a method and ratio, data (built-in Fashion-MNIST from this origin or the user's own
// files), then lopper's pipeline in the page's worker pool with progress and a live report, and
// the pruned model to download. Nothing leaves the device. Bundled by scripts/build-dist.mjs into
// dist/web/app.js with esbuild (the worker entry copied beside it).

import {
  FILTER_DEFAULTS, HAN_DEFAULTS, bestKernelBuild, decodeDataset, exportOnnx, importOnnx, loadKernels, loadModel, parseCsv,
  renderReport, runFilterPruning, runHan, createRunner, webPoolOrNone,
  type Dataset, type History, type HistoryStep, type Kernels, type Model, type Runner, type WorkerPool,
} from 'lopper';

const root = new URL('../../', import.meta.url); // lopper's package root (this file is dist/web/app.js)
const FILES = { relaxed: 'lopper-relaxed.wasm', simd: 'lopper.wasm', scalar: 'lopper-scalar.wasm' } as const;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const num = (id: string) => Number($<HTMLInputElement>(id).value);
const choice = (name: string) => (document.querySelector(`input[name=${name}]:checked`) as HTMLInputElement).value;

interface Source { name: string; bytes: Uint8Array }
let k: Kernels;
let pool: WorkerPool | undefined;
let source: Source | undefined;
let poolNote = '';

function status(text: string, error = false): void {
  const el = $('status');
  el.textContent = text;
  el.className = error ? 'error' : '';
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

/** The model held by `s` (ONNX, or lopper's .lopm), fresh for each run. */
function openModel(s: Source): Model {
  return s.name.endsWith('.lopm') ? loadModel(s.bytes, k, s.name).model : importOnnx(s.bytes, k);
}

function chooseModel(s: Source): void {
  try {
    const model = openModel(s);
    const input = model.graph.inputs[0];
    $('model-info').textContent = `${s.name}: '${model.graph.name}', input ${input.name} [${input.shape}], ` +
      `${model.graph.nodes.length} layers, ${formatCount(model.graph.paramCount())} parameters`;
    model.dispose();
    source = s;
    ($('run') as HTMLButtonElement).disabled = false;
    status('ready: choose a method and data, then prune');
  } catch (e) {
    source = undefined;
    ($('run') as HTMLButtonElement).disabled = true;
    status(`${s.name}: ${(e as Error).message}`, true);
  }
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readData(file: File | undefined, which: string, shape: readonly number[]): Promise<Dataset> {
  if (!file) throw new Error(`choose a ${which} file (.lopd or .csv)`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  return file.name.endsWith('.csv') ? parseCsv(bytes, { name: file.name, shape }) : decodeDataset(bytes, file.name);
}

async function loadData(model: Model): Promise<{ train: Dataset; test: Dataset; name: string }> {
  const limit = (d: Dataset, n: number) => (n > 0 && n < d.size ? d.subset({ end: n }) : d);
  let train: Dataset, test: Dataset, name: string;
  if (choice('data') === 'builtin') {
    status('fetching Fashion-MNIST from this server…');
    // Only the samples the page will use: the server cuts the file (?limit).
    const at = (split: string, n: number) => new URL(`/data/fashion-mnist-${split}.lopd${n > 0 ? `?limit=${Math.floor(n)}` : ''}`, location.href);
    [train, test] = await Promise.all([fetchBytes(at('train', num('train-samples'))), fetchBytes(at('test', num('test-samples')))]).then(([a, b]) =>
      [decodeDataset(a, 'fashion-mnist train'), decodeDataset(b, 'fashion-mnist test')]);
    name = 'fashion-mnist';
  } else {
    const shape = model.graph.inputs[0].shape;
    train = await readData($<HTMLInputElement>('train-file').files?.[0], 'training', shape);
    test = await readData($<HTMLInputElement>('test-file').files?.[0], 'test', shape);
    name = train.name;
  }
  return { train: limit(train, num('train-samples')), test: limit(test, num('test-samples')), name };
}

/** createRunner with the progress bar following the batches. */
function progressRunner(base: Runner, stage: () => string): Runner {
  const bar = $<HTMLProgressElement>('progress');
  return {
    ...base,
    train: (model, data, options) => base.train(model, data, {
      ...options,
      onBatch: (p) => {
        bar.max = p.batches * options.epochs;
        bar.value = p.epoch * p.batches + p.batch + 1;
        status(`${stage()}: epoch ${p.epoch + 1}/${options.epochs}, batch ${p.batch + 1}/${p.batches}, loss ${p.loss.toFixed(4)}`);
        options.onBatch?.(p);
      },
    }),
  };
}

function showStep(step: HistoryStep, history: History): void {
  const table = $('steps-table');
  table.hidden = false;
  const row = document.createElement('tr');
  for (const cell of [String(step.step), step.phase, formatCount(step.nonzeroParams), `${(100 * step.sparsity).toFixed(1)}%`,
    formatCount(step.flops), `${(100 * step.accuracy).toFixed(2)}%`, step.seconds.toFixed(1)]) {
    const td = document.createElement('td');
    td.textContent = cell;
    row.append(td);
  }
  table.querySelector('tbody')!.append(row);
  history.steps.push(step);
  try {
    const frame = $<HTMLIFrameElement>('report');
    frame.srcdoc = renderReport(history);
    frame.hidden = false;
  } catch {
    // a report needs a dense step first; the table shows the rest
  }
}

async function run(): Promise<void> {
  if (!source) return;
  const button = $<HTMLButtonElement>('run');
  button.disabled = true;
  $('download').hidden = true;
  $('steps-table').querySelector('tbody')!.replaceChildren();
  $('report').hidden = true;
  const started = performance.now();
  try {
    const model = openModel(source);
    const { train, test, name } = await loadData(model);
    const method = choice('method');
    const ratio = num('ratio');
    const epochs = num('epochs');
    let stage = '';
    const runner = progressRunner(createRunner({ pool }), () => stage);
    const history: History = {
      model: model.graph.name, dataset: name, method, seed: 1, settings: { ratio, epochs }, versions: {}, steps: [],
    };
    const common = {
      train, test, runner, modelName: model.graph.name, datasetName: name,
      onStageStart: (s: string, i: number, n: number) => { stage = s; status(`${s} (${i + 1}/${n})…`); },
      onStep: (step: HistoryStep) => showStep(step, history),
    };
    const result = method === 'filters'
      ? await runFilterPruning(model, { ...common, settings: { ...FILTER_DEFAULTS, ratio, retrainEpochs: epochs, latencyBatch: 16 } })
      : await runHan(model, {
        ...common,
        settings: { ...HAN_DEFAULTS, sparsity: ratio, retrainEpochs: epochs, schedule: { kind: 'iterative', steps: num('steps') }, latencyBatch: 16 },
      });
    const pruned = result.model;
    const bytes = exportOnnx(pruned);
    const link = $<HTMLAnchorElement>('download');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    link.download = `${source.name.replace(/\.(onnx|lopm)$/, '')}-pruned.onnx`;
    link.hidden = false;
    // What the page computed on a fixed input, for checking the downloaded file elsewhere.
    const last = result.history.steps[result.history.steps.length - 1];
    (globalThis as unknown as Record<string, unknown>).lopperResult = {
      accuracy: last.accuracy, params: pruned.graph.paramCount(), nonzero: last.nonzeroParams, bytes: bytes.length, file: link.download,
      check: checkOutputs(pruned, test, 4),
    };
    status(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: test accuracy ${(100 * last.accuracy).toFixed(2)}%, ` +
      `${formatCount(last.nonzeroParams)} non-zero parameters; the pruned model (${formatCount(bytes.length)}B) is ready to download`);
    pruned.dispose();
  } catch (e) {
    status((e as Error).message, true);
    console.error(e);
  } finally {
    button.disabled = false;
  }
}

/** The pruned model's outputs on the first `batch` test samples, with the inputs it saw. */
function checkOutputs(model: Model, test: Dataset, batch: number): { input: number[]; output: number[]; shape: number[] } {
  const input = model.input(batch);
  test.fillBatch(input.f32(), new Int32Array(batch), Array.from({ length: batch }, (_, i) => i));
  const x = Array.from(input.f32());
  return { input: x, output: Array.from(model.forward(batch).toArray()), shape: [batch, ...model.graph.inputs[0].shape] };
}

async function start(): Promise<void> {
  // Offline once loaded: the service worker keeps what the page fetched (examples/web/sw.js).
  navigator.serviceWorker?.register(new URL('../../examples/web/sw.js', import.meta.url)).catch((e) => console.warn(`lopper: no offline copy: ${e}`));
  const build = bestKernelBuild();
  k = await loadKernels(new URL(`build/${FILES[build]}`, root));
  const workers = Math.min(4, navigator.hardwareConcurrency || 2);
  pool = webPoolOrNone({ workers }, (why) => { poolNote = why; });
  $('env').textContent = `kernels: the ${build} build; ${pool ? `${pool.size} Web Workers` : poolNote}; ` +
    `${globalThis.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated'}; nothing is uploaded`;

  const pick = async (file: File) => chooseModel({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  $<HTMLInputElement>('model-file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void pick(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void pick(file);
  });
  $('demo').addEventListener('click', async () => {
    try {
      chooseModel({ name: 'lenet-5.fashion-mnist.lopm', bytes: await fetchBytes(new URL('dist/web/lenet-5.fashion-mnist.lopm', root)) });
    } catch (e) {
      status(`the demo model: ${(e as Error).message}`, true);
    }
  });
  $('run').addEventListener('click', () => void run());
  status('choose a model');
}

start().catch((e) => status(`lopper could not start: ${(e as Error).message}`, true));
