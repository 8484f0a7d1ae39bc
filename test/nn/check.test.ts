// The public library functions refuse wrong arguments before any work, naming the function and the
// argument: TypeError for the wrong kind (with a hint for readModelFile's { model, … }), RangeError
// for the wrong size or an unknown choice.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNodeKernels } from '../../src/node/kernels.js';
import { Graph } from '../../src/graph/graph.js';
import { Model } from '../../src/nn/model.js';
import { lenet300100 } from '../../src/nn/nets.js';
import { Dataset } from '../../src/nn/data/dataset.js';
import { bakeMask, clearMask, nonzeroParams, prunableWeights, sparsity } from '../../src/prune/masks.js';
import { pruneByMagnitude } from '../../src/prune/magnitude.js';
import { pruneFilters } from '../../src/prune/filters.js';
import { l1Scores } from '../../src/prune/criteria/norms.js';
import { checkCut, removeUnits, replaceLayers } from '../../src/prune/surgery.js';
import { removeDeadUnits } from '../../src/prune/dead.js';
import { sparsityTargets } from '../../src/prune/schedule.js';
import { dependencyGroups } from '../../src/graph/dependency.js';
import { runHan } from '../../src/pipeline/han.js';
import { runFilterPruning, defaultFilterLayers } from '../../src/pipeline/filters.js';
import { sensitivity } from '../../src/pipeline/sensitivity.js';
import { nonzeroFlops } from '../../src/pipeline/stats.js';
import { loadModel, saveModel } from '../../src/io/native.js';
import { evaluate, train } from '../../src/nn/train.js';
import { rejects } from '../helpers/rejects.js';

const k = await loadNodeKernels();
const model = new Model(new Graph(lenet300100()), k, { seed: 1 });
const data = new Dataset({ name: 'd', shape: [1, 28, 28], classes: 10, pixels: new Uint8Array(10 * 784), labels: Int32Array.from({ length: 10 }, (_, i) => i) });
const file = { model, meta: {}, format: 'lopm', bytes: new Uint8Array(4) };
const runner = { train, evaluate: async (m: Model, d: Dataset) => evaluate(m, d) };
const any = (v: unknown) => v as never;

/** Throws `kind` with a message containing every fragment. */
function refuses(fn: () => unknown, kind: typeof TypeError | typeof RangeError, ...fragments: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof kind, `${kind.name} expected, got ${(e as Error).name}: ${(e as Error).message}`);
    for (const f of fragments) assert.ok((e as Error).message.includes(f), `'${f}' in: ${(e as Error).message}`);
    return;
  }
  assert.unreachable(`expected a ${kind.name}`);
}

test("masks: readModelFile's { model, … } is refused by name, with a hint", () => {
  const hint = '(readModelFile and loadModel return { model, … }: pass its .model)';
  refuses(() => nonzeroParams(any(file)), TypeError, "nonzeroParams: 'model' must be a Model, got an object with keys model, meta, format, bytes", hint);
  for (const [name, fn] of [['sparsity', sparsity], ['prunableWeights', prunableWeights], ['bakeMask', bakeMask], ['clearMask', clearMask]] as const) {
    refuses(() => (fn as (m: unknown) => unknown)(any(file)), TypeError, `${name}: 'model' must be a Model`, hint);
  }
  refuses(() => sparsity(any(undefined)), TypeError, "sparsity: 'model' must be a Model, got undefined");
  refuses(() => removeDeadUnits(any(42)), TypeError, "removeDeadUnits: 'model' must be a Model, got a number (42)");
  refuses(() => nonzeroFlops(any(file)), TypeError, "nonzeroFlops: 'model'");
});

test('magnitude and filter pruning: the target and options are checked by kind and range', () => {
  refuses(() => pruneByMagnitude(any(file), { kind: 'global', sparsity: 0.5 }), TypeError, "pruneByMagnitude: 'model' must be a Model");
  refuses(() => pruneByMagnitude(model, any(0.5)), TypeError, "pruneByMagnitude: 'target' must be an object, got a number (0.5)");
  refuses(() => pruneByMagnitude(model, any({ kind: 'biggest', sparsity: 0.5 })), RangeError, "'target.kind' must be 'quality', 'layer' or 'global', got a string (\"biggest\")");
  refuses(() => pruneByMagnitude(model, any({ kind: 'global', sparsity: '0.5' })), TypeError, "'target.sparsity' must be a number, got a string");
  refuses(() => pruneByMagnitude(model, any({ kind: 'layer', sparsity: { fc1: '0.5' } })), TypeError, "sparsity for 'fc1' must be a number");
  refuses(() => pruneByMagnitude(model, { kind: 'global', sparsity: 1.5 }), RangeError, 'global sparsity must be in [0, 1), got 1.5');
  refuses(() => pruneFilters(model, any({ ratio: '0.5' })), TypeError, "pruneFilters: 'options.ratio' must be a number or a map");
  refuses(() => pruneFilters(model, any({ ratio: 0.5, layers: 'fc1' })), TypeError, "pruneFilters: 'options.layers' must be an array, got a string");
  refuses(() => pruneFilters(model, { ratio: 1, layers: ['fc1'] }), RangeError, "ratio for 'fc1' must be in [0, 1), got 1");
  refuses(() => l1Scores(model, any(undefined)), TypeError, "l1Scores: 'group' must be an object");
  refuses(() => sparsityTargets(any('0.9'), { kind: 'one-shot' }), TypeError, "sparsityTargets: 'final' must be a number");
  refuses(() => sparsityTargets(0.9, any('iterative')), TypeError, "sparsityTargets: 'schedule' must be an object");
});

test('surgery and dependency groups: models, graphs, cuts and maps by kind; units by range', () => {
  refuses(() => dependencyGroups(any(model)), TypeError, "dependencyGroups: 'graph' must be a Graph, got a Model (a Model: pass model.graph)");
  refuses(() => defaultFilterLayers(any(undefined)), TypeError, "defaultFilterLayers: 'graph' must be a Graph");
  const group = dependencyGroups(model.graph)[0];
  refuses(() => removeUnits(model, any({ group, units: [0] })), TypeError, "removeUnits: 'cuts' must be an array, got an object with keys group, units");
  refuses(() => removeUnits(any(file), []), TypeError, "removeUnits: 'model' must be a Model");
  refuses(() => checkCut(any({ group: 'fc1', units: [0] })), TypeError, "checkCut: 'cut.group' must be a ChannelGroup");
  refuses(() => checkCut(any({ group, units: 3 })), TypeError, "checkCut: 'cut.units' must be an array");
  refuses(() => checkCut({ group, units: [group.units] }), RangeError, `unit ${group.units} is not in [0, ${group.units})`);
  refuses(() => replaceLayers(model, any({ fc1: null })), TypeError, "replaceLayers: 'layers' must be a Map");
});

test('runHan, runFilterPruning and sensitivity: start, run, datasets, runner and options by name', async () => {
  const run = { train: data, test: data, runner, modelName: 'm', datasetName: 'd' };
  const expect = async (p: () => Promise<unknown>, kind: typeof TypeError | typeof RangeError, fragment: string) => {
    try {
      await p();
    } catch (e) {
      assert.ok(e instanceof kind, `${kind.name} expected: ${(e as Error).message}`);
      assert.ok((e as Error).message.includes(fragment), `'${fragment}' in: ${(e as Error).message}`);
      return;
    }
    assert.unreachable(`expected a ${kind.name}`);
  };
  await expect(() => runHan(any(file), any(run)), TypeError, "runHan: 'start' must be a Model");
  await expect(() => runHan(model, any(undefined)), TypeError, "runHan: 'run' must be an object, got undefined");
  await expect(() => runHan(model, any({ ...run, train: [1, 2] })), TypeError, "runHan: 'run.train' must be a Dataset, got an array of 2");
  await expect(() => runHan(model, any({ ...run, runner: { train } })), TypeError, "runHan: 'run.runner.evaluate' must be a function, got undefined");
  await expect(() => runHan(model, any({ ...run, settings: 0.9 })), TypeError, "runHan: 'run.settings' must be an object");
  await expect(() => runFilterPruning(model, any({ ...run, test: { size: 0, classes: 10, batchCount: () => 0 } })), RangeError, "runFilterPruning: 'run.test' is empty");
  await expect(() => runFilterPruning(model, any({ ...run, runner: undefined })), TypeError, "runFilterPruning: 'run.runner' must be an object");
  await expect(() => sensitivity(any(file), data, { method: 'magnitude', evaluate: runner.evaluate }), TypeError, "sensitivity: 'model' must be a Model");
  await expect(() => sensitivity(model, any({}), { method: 'magnitude', evaluate: runner.evaluate }), TypeError, "sensitivity: 'data' must be a Dataset");
  await expect(() => sensitivity(model, data, any({ method: 'foo', evaluate: runner.evaluate })), RangeError, "'options.method' must be one of magnitude, l1-filter, l1, l2, apoz, taylor, random, maxout, correlation");
  await expect(() => sensitivity(model, data, any({ method: 'taylor', evaluate: runner.evaluate })), TypeError, "sensitivity: 'options.pass (method taylor needs a data pass)' must be a function");
  await expect(() => sensitivity(model, data, any({ method: 'magnitude' })), TypeError, "sensitivity: 'options.evaluate' must be a function");
  await expect(() => sensitivity(model, data, any({ method: 'magnitude', evaluate: runner.evaluate, ratios: 0.5 })), TypeError, "'options.ratios' must be an array");
  await rejects(() => runHan(model, any({ ...run, settings: { sparsity: 1.2 } })), /'sparsity' must be in \[0, 1\)/);
});

test('saveModel and loadModel: the model, meta, bytes and kernels by kind', () => {
  refuses(() => saveModel(any(file)), TypeError, "saveModel: 'model' must be a Model", '.model');
  refuses(() => saveModel(model, any('note')), TypeError, "saveModel: 'meta' must be an object, got a string");
  refuses(() => loadModel(any('m.lopm'), k), TypeError, "loadModel: 'bytes' must be a Uint8Array (a file's contents), got a string (\"m.lopm\")");
  const bytes = saveModel(model);
  refuses(() => loadModel(bytes, any(undefined)), TypeError, "loadModel: 'k' must be Kernels (from loadKernels or loadNodeKernels), got undefined");
  refuses(() => loadModel(bytes, k, any(3)), TypeError, "loadModel: 'file' must be a string");
  const { model: again } = loadModel(bytes, k);
  assert.is(nonzeroParams(again), nonzeroParams(model));
  again.dispose();
});

test.after(() => model.dispose());

test.run();
