// The structured pruning pipeline every criterion runs through: score → remove → fine-tune →
// repeat, over the stage loop Han's pipeline uses too (stages.ts: history, checkpoints, resume).
// Unit criteria (l1, l2, apoz, taylor, group-lasso, random) remove units of dependency groups;
// maxout removes neurons inside maxout units; correlation masks connections of dense layers;
// thinet (Luo et al. 2017) removes layer by layer what the next layer misses least, fine-tuning between layers.
// Data-driven criteria gather their statistics with the runner's data pass (this thread or the
// pool). Core code: no Node built-ins.

import type { Model } from '../nn/model.js';
import type { EpochReport } from '../nn/train.js';
import type { Graph } from '../graph/graph.js';
import { Rng } from '../nn/random.js';
import { dependencyGroups, type ChannelGroup } from '../graph/dependency.js';
import { checkDistillWeights } from '../nn/distill.js';
import { pruneFilters } from '../prune/filters.js';
import { criterion, UNIT_CRITERIA, type UnitCriterionName } from '../prune/criteria/index.js';
import { groupLassoProximal, LASSO_GROUPS, type LassoGroupKind } from '../prune/criteria/group-lasso.js';
import { removeLassoGroups } from '../prune/criteria/group-lasso-remove.js';
import type { ProximalGroups } from '../nn/proximal.js';
import { maxoutHooks, maxoutUnits, pruneMaxoutNeurons } from '../prune/criteria/maxout.js';
import { correlationHooks, correlationLayers, pruneByCorrelation } from '../prune/criteria/correlation.js';
import type { PassStats, HookSpec } from '../workers/hooks.js';
import { checkRun, passOf, teacherFor } from './runner.js';
import { checkGraph } from '../nn/check.js';
import { runStages, type PipelineRun, type Stage } from './stages.js';
import type { History, ThinetRecord } from './history.js';
import { consumersOf, samplePass } from '../prune/thinet/sample.js';
import { thinetApply } from '../prune/thinet/prune.js';
import { ratioForFlops } from '../prune/flops-target.js';
import { pruneByMagnitude } from '../prune/magnitude.js';
import { sparsityTargets } from '../prune/schedule.js';
import { magnitudeStages } from './magnitude-stages.js';

export const METHODS = [...UNIT_CRITERIA, 'maxout', 'correlation', 'thinet'] as const;
export type Method = (typeof METHODS)[number];

export interface StructuredSettings {
  method: Method;
  /**
   * Share to remove over all steps, in [0, 1): of each chosen layer's units (unit criteria; one
   * number, or per layer name), of each maxout unit's neurons (maxout), of each dense layer's
   * connections (correlation). group-lasso removes what its training drove under `epsilon` instead,
   * unless `lasso.remove` is 'ratio'.
   */
  ratio: number | Record<string, number>;
  /** The layers acted on (default: every conv layer whose filters can be removed, else the hidden dense layers). */
  layers?: string[];
  /** 'layer': every layer loses its own share; 'global': one ranking across layers (l1 and l2 relative to each layer's mean norm). */
  scope: 'layer' | 'global';
  /** Remove → fine-tune steps reaching `ratio` in equal shares (Taylor: a few at a time). */
  steps: number;
  /** Fine-tuning epochs after each removal; `finalEpochs` after the last (default the same). */
  retrainEpochs: number;
  finalEpochs?: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
  seed: number;
  /** Samples of the training set each data pass visits (0: all of them; a seeded random subset otherwise). */
  passSamples: number;
  /**
   * group-lasso: training epochs with the penalty λ·Σ‖w_g‖ over the groups of `groups` (filters,
   * channels, filter shapes; a proximal step after every optimiser step), and the threshold ε on
   * ‖w_g‖ under which units (filter or channel) are removed and shapes masked. `remove: 'ratio'`
   * removes instead the `ratio` share of units with the smallest group norms (shapes are not
   * masked): a removal of a chosen size, so group lasso compares with other criteria at equal FLOPs.
   */
  lasso: { lambda: number; epochs: number; epsilon: number; groups?: LassoGroupKind[]; remove?: 'epsilon' | 'ratio' };
  /** Batch size of the latency measurement (0: don't measure). */
  latencyBatch: number;
  /** Distil from the starting model while fine-tuning (src/nn/distill.ts). */
  distill?: { alpha: number; temperature: number };
  /**
   * Magnitude (weight) pruning after the structural steps (Rueda et al. follow maxout pruning with
   * it): the remaining prunable weights masked to `sparsity` in `steps` equal steps, each retrained
   * `epochs`, through Han's stages (magnitude-stages.ts).
   */
  weights?: { sparsity: number; steps: number; epochs: number; scope: 'global' | 'layer' };
  /** thinet: instead of `ratio`, a FLOPs reduction factor (2: half the FLOPs) met by one ratio for every chosen layer. */
  flops?: number;
  /** thinet: (image, channel, location) triples sampled per reading layer, from `passSamples` images (0: samples / 10); least-squares reweighting. */
  thinet?: { samples: number; leastSquares: boolean };
}

export const THINET_DEFAULTS = { samples: 10_000, leastSquares: true };

export const STRUCTURED_DEFAULTS: StructuredSettings = {
  method: 'l1', ratio: 0.5, scope: 'layer', steps: 1, retrainEpochs: 2, lr: 0.01, weightDecay: 5e-4, batchSize: 64, seed: 1,
  passSamples: 0, lasso: { lambda: 1e-4, epochs: 2, epsilon: 1e-3, groups: ['filter', 'channel', 'shape'] }, latencyBatch: 64,
};

export interface StructuredRun extends PipelineRun {
  settings: StructuredSettings;
}

/**
 * The layers structured pruning acts on by default: the producers of every prunable dependency
 * group made by convolutions (Li et al. prune filters); for a net without any, the prunable
 * groups of its fully connected layers.
 */
export function defaultFilterLayers(graph: Graph): string[] {
  checkGraph('defaultFilterLayers', 'graph', graph);
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  const made = (ops: string[]) => groups.filter((g) => g.producers.every((p) => ops.includes(graph.node(p).layer.op))).map((g) => g.producers[0]);
  const conv = made(['Conv2d']);
  return conv.length ? conv : made(['Dense']);
}

const SOURCES: Record<Method, string> = {
  'l1': 'Li et al. 2016', 'l2': 'Li et al. 2016', 'apoz': 'Hu et al. 2016', 'taylor': 'Molchanov et al. 2016',
  'group-lasso': 'Wen et al. 2016', 'random': 'baseline', 'maxout': 'Rueda et al. 2017', 'correlation': 'Sun et al. 2016',
  'thinet': 'Luo et al. 2017',
};

/** Runs (or resumes) the pipeline; returns the final model, the history and the units (or connections) removed per layer. */
export async function runStructured(start: Model, run: StructuredRun, historyMethod?: string): Promise<{ model: Model; history: History; removed: Record<string, number> }> {
  checkRun('runStructured', start, run);
  const s = checkStructured(run.settings);
  const m = s.method;
  const layers = m === 'maxout' ? maxoutUnits(start).map((u) => u.node)
    : m === 'correlation' ? s.layers ?? (typeof s.ratio === 'object' ? Object.keys(s.ratio) : correlationLayers(start))
    : s.layers ?? (typeof s.ratio === 'number' ? defaultFilterLayers(start.graph) : Object.keys(s.ratio));
  if (layers.length === 0) throw new RangeError(`structured pruning (${m}): model '${start.graph.name}' has no layer it can act on`);
  const ratioOf = (l: string) => (typeof s.ratio === 'number' ? s.ratio : s.ratio[l] ?? 0);
  const unitCriterion = (UNIT_CRITERIA as readonly string[]).includes(m) ? criterion(m as UnitCriterionName, s.seed) : undefined;
  // Units (neurons, connections) each layer had at the start, what has gone since.
  const initial: Record<string, number> = {};
  if (unitCriterion || m === 'thinet') {
    const groups = dependencyGroups(start.graph);
    for (const l of layers) {
      const g = groups.find((x) => x.producers.includes(l));
      if (!g?.prunable) throw new RangeError(`structured pruning: '${l}' cannot be pruned${g ? `: ${g.reason}` : ' (no such layer producing channels)'}`);
      if (m === 'thinet') consumersOf(start, g);
      initial[l] = g.units;
    }
  } else if (m === 'maxout') for (const u of maxoutUnits(start)) initial[u.node] = u.k;
  const removed: Record<string, number> = Object.fromEntries(layers.map((l) => [l, 0]));
  const history: History = {
    model: run.modelName, dataset: run.datasetName, method: historyMethod ?? `${m} (${SOURCES[m]})`, seed: s.seed,
    settings: { ...s, layers }, versions: run.versions ?? {}, steps: [],
  };
  const distill = await teacherFor(start, run, s.retrainEpochs > 0 || s.lasso.epochs > 0 ? s.distill : undefined);
  const fit = (model: Model, epochs: number, stage: string, onEpoch?: (e: EpochReport) => void, proximal?: ProximalGroups) => run.runner.train(model, run.train, {
    epochs, batchSize: s.batchSize, seed: s.seed, schedule: { kind: 'cosine', epochs },
    optimizer: { kind: 'sgd', lr: s.lr, momentum: 0.9, weightDecay: s.weightDecay },
    onEpoch: (e) => { onEpoch?.(e); run.onEpoch?.(e, stage); }, distill, ...(proximal ? { proximal } : {}),
  });
  const pass = async (model: Model, hooks: Record<string, HookSpec>): Promise<PassStats> => {
    if (Object.keys(hooks).length === 0) return {};
    const indices = s.passSamples > 0 && s.passSamples < run.train.size ? new Rng(s.seed ^ 0x51ed).shuffle(run.train.order()).slice(0, s.passSamples) : undefined;
    return passOf(run.runner).run(model, run.train, hooks, indices ? { indices } : {});
  };
  const groupsOf = (model: Model): ChannelGroup[] => {
    const groups = dependencyGroups(model.graph);
    return layers.map((l) => groups.find((g) => g.producers.includes(l))!);
  };

  const stages: Stage[] = [{ name: 'dense', run: async (model) => ({ model, phase: 'dense', iteration: 0 }) }];
  const thinet: ThinetRecord[] = [];
  if (m === 'thinet') stages.push(...thinetStages(start, run, s, layers, initial, removed, thinet, fit));
  if (m === 'group-lasso' && s.lasso.epochs > 0) {
    stages.push({
      name: 'group lasso',
      run: async (model) => {
        // The penalty's proximal step after every optimiser step (src/nn/proximal.ts), on this thread or the pool.
        const proximal = groupLassoProximal(model, groupsOf(model), s.lasso.lambda, s.lasso.groups);
        await fit(model, s.lasso.epochs, 'group lasso', undefined, proximal);
        return { model, phase: 'retrain', iteration: 0 };
      },
    });
  }
  const steps = m === 'group-lasso' ? 1 : m === 'thinet' ? 0 : s.steps;
  for (let i = 1; i <= steps; i++) {
    stages.push({
      name: `remove ${i}`,
      run: async (model) => {
        const share = i / steps;
        if (m === 'correlation') {
          const stats = await pass(model, correlationHooks(model, layers));
          // Keep, of what is left, the share that leaves (1 − ratio·i/steps) of the connections.
          for (const l of layers) pruneByCorrelation(model, stats, [l], (1 - ratioOf(l) * share) / (1 - ratioOf(l) * (i - 1) / steps));
          for (const l of layers) {
            const e = model.params.entry(l, 'weight');
            const mask = model.params.mask!.f32();
            let z = 0;
            for (let j = e.start; j < e.start + e.size; j++) if (mask[j] === 0) z++;
            removed[l] = z;
          }
          return { model, phase: 'prune', iteration: i };
        }
        if (m === 'maxout') {
          const stats = await pass(model, maxoutHooks(model));
          const now = Object.fromEntries(maxoutUnits(model).map((u) => [u.node, u.k]));
          const want = Object.fromEntries(layers.map((l) => [l, Math.min(initial[l] - 1, Math.round(ratioOf(l) * initial[l] * share)) - (initial[l] - now[l])]));
          const { model: next, removed: cut } = pruneMaxoutNeurons(model, stats, want);
          for (const [l, n] of Object.entries(cut)) removed[l] += n;
          model.dispose();
          return { model: next, phase: 'remove', iteration: i };
        }
        const c = unitCriterion!;
        const groups = groupsOf(model);
        const stats = await pass(model, c.hooks?.(model, groups) ?? {});
        if (m === 'group-lasso' && s.lasso.remove !== 'ratio') {
          const { model: next, units } = removeLassoGroups(model, groups, s.lasso.epsilon, s.lasso.groups!);
          units.forEach((n, gi) => { removed[layers[gi]] += n; });
          if (next !== model) model.dispose();
          return { model: next, phase: 'remove', iteration: i };
        }
        const counts = Object.fromEntries(groups.map((g, gi) => [g.producers[0], Math.max(0, Math.round(ratioOf(layers[gi]) * initial[layers[gi]] * share) - removed[layers[gi]])]));
        const { model: next, cuts } = pruneFilters(model, { ratio: 0, layers, criterion: c, stats, scope: s.scope, counts });
        for (const cut of cuts) removed[layers.find((l) => cut.group.producers.includes(l))!] += cut.units.length;
        if (next !== model) model.dispose();
        return { model: next, phase: 'remove', iteration: i };
      },
    });
    const epochs = i === steps ? s.finalEpochs ?? s.retrainEpochs : s.retrainEpochs;
    if (epochs > 0) {
      stages.push({ name: `retrain ${i}`, run: async (model) => { await fit(model, epochs, `retrain ${i}`); return { model, phase: 'retrain', iteration: i }; } });
    }
  }
  if (s.weights && s.weights.sparsity > 0) {
    const w = s.weights;
    stages.push(...magnitudeStages(sparsityTargets(w.sparsity, { kind: 'iterative', steps: w.steps }), {
      prune: (model, target) => { pruneByMagnitude(model, { kind: w.scope, sparsity: target }); return model; },
      retrain: (model, _step, stage) => fit(model, w.epochs, stage),
      epochs: () => w.epochs,
      firstIteration: (m === 'thinet' ? layers.length : steps) + 1,
    }));
  }
  const model = await runStages(start, stages, run, history, {
    what: 'structured pruning', key: 'structured', settings: s, latencyBatch: s.latencyBatch,
    state: {
      save: () => ({ removed: { ...removed }, ...(m === 'thinet' ? { thinet } : {})}),
      restore: (saved) => { Object.assign(removed, saved.removed); if (saved.thinet) thinet.push(...(saved.thinet as ThinetRecord[])); },
    },
  });
  if (m === 'thinet') history.thinet = thinet;
  return { model, history, removed };
}

/**
 * ThiNet's stages: the layers in graph order, each sampled at the layers reading it (the
 * runner's data pass: this thread or the pool), its units removed and the readers reweighted
 * (thinetApply), then fine-tuned before the next layer is sampled.
 */
function thinetStages(
  start: Model, run: StructuredRun, s: StructuredSettings, layers: string[], initial: Record<string, number>,
  removed: Record<string, number>, records: ThinetRecord[], fit: (model: Model, epochs: number, stage: string) => Promise<unknown>,
): Stage[] {
  const groupOf = (model: Model, l: string) => dependencyGroups(model.graph).find((g) => g.producers.includes(l))!;
  const order = (l: string) => dependencyGroups(start.graph).findIndex((g) => g.producers.includes(l));
  const ordered = [...layers].sort((a, b) => order(a) - order(b));
  const uniform = s.flops === undefined ? undefined : ratioForFlops(start, ordered.map((l) => groupOf(start, l)), s.flops).ratio;
  const ratioOf = (l: string) => uniform ?? (typeof s.ratio === 'number' ? s.ratio : s.ratio[l] ?? 0);
  const { samples, leastSquares } = { ...THINET_DEFAULTS, ...s.thinet };
  const stages: Stage[] = [];
  ordered.forEach((l, j) => {
    stages.push({
      name: `thinet ${l}`,
      run: async (model) => {
        const group = groupOf(model, l);
        const count = Math.min(initial[l] - 1, Math.round(ratioOf(l) * initial[l])) - removed[l];
        if (count <= 0) return { model, phase: 'remove', iteration: j + 1 };
        const sampled = await samplePass(model, group, run.train, passOf(run.runner), {
          samples, seed: s.seed + j * 104_729, ...(s.passSamples > 0 ? { images: s.passSamples } : {}),
        });
        const { model: next, selection } = thinetApply(model, group, sampled, count, { leastSquares });
        removed[l] += count;
        records.push({
          layer: l, unitsBefore: initial[l], removed: count, objective: selection.objective,
          reweighting: selection.reweighting.map((r) => (r.status === 'solved' ? { consumer: r.consumer, status: r.status, ridge: r.ridge } : { consumer: r.consumer, status: r.status, reason: r.reason })),
        });
        model.dispose();
        return { model: next, phase: 'remove', iteration: j + 1 };
      },
    });
    const epochs = j === ordered.length - 1 ? s.finalEpochs ?? s.retrainEpochs : s.retrainEpochs;
    if (epochs > 0) stages.push({ name: `retrain ${l}`, run: async (model) => { await fit(model, epochs, `retrain ${l}`); return { model, phase: 'retrain', iteration: j + 1 }; } });
  });
  return stages;
}

export function checkStructured(settings: StructuredSettings): StructuredSettings {
  const s = { ...STRUCTURED_DEFAULTS, ...settings, lasso: { ...STRUCTURED_DEFAULTS.lasso, ...settings.lasso } };
  const bad = (what: string, v: unknown) => new RangeError(`structured pruning: ${what}, got ${JSON.stringify(v)}`);
  if (!(METHODS as readonly string[]).includes(s.method)) throw bad(`'method' must be one of ${METHODS.join(', ')}`, s.method);
  if (typeof s.ratio !== 'number' && (typeof s.ratio !== 'object' || s.ratio === null)) throw bad("'ratio' must be a number or a map of layer → number", s.ratio);
  for (const r of typeof s.ratio === 'number' ? [s.ratio] : Object.values(s.ratio)) if (!(r >= 0 && r < 1)) throw bad("'ratio' must be in [0, 1)", r);
  if (s.scope !== 'layer' && s.scope !== 'global') throw bad("'scope' must be 'layer' or 'global'", s.scope);
  if (s.scope === 'global' && !['l1', 'l2', 'apoz', 'taylor', 'random'].includes(s.method)) throw bad(`scope 'global' ranks units of l1, l2, apoz, taylor or random across layers, not of ${s.method}`, s.scope);
  for (const [k, v, min] of [['steps', s.steps, 1], ['retrainEpochs', s.retrainEpochs, 0], ['finalEpochs', s.finalEpochs ?? 0, 0], ['batchSize', s.batchSize, 1], ['latencyBatch', s.latencyBatch, 0], ['passSamples', s.passSamples, 0], ['lasso.epochs', s.lasso.epochs, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw bad(`'${k}' must be an integer ≥ ${min}`, v);
  }
  if (!(s.lr > 0 && Number.isFinite(s.lr))) throw bad("'lr' must be a finite number > 0", s.lr);
  const kinds = s.lasso.groups;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((g) => !(LASSO_GROUPS as readonly string[]).includes(g))) throw bad(`'lasso.groups' must be a non-empty list of ${LASSO_GROUPS.join(', ')}`, kinds);
  if (s.lasso.remove !== undefined && s.lasso.remove !== 'epsilon' && s.lasso.remove !== 'ratio') throw bad("'lasso.remove' must be 'epsilon' or 'ratio'", s.lasso.remove);
  for (const [k, v] of [['weightDecay', s.weightDecay], ['lasso.lambda', s.lasso.lambda], ['lasso.epsilon', s.lasso.epsilon]] as const) {
    if (!(v >= 0 && Number.isFinite(v))) throw bad(`'${k}' must be a finite number ≥ 0`, v);
  }
  if (s.distill) checkDistillWeights(s.distill, 'structured pruning');
  if (s.weights !== undefined) {
    const w = s.weights;
    if (typeof w !== 'object' || w === null) throw bad("'weights' must be { sparsity, steps, epochs, scope }", w);
    if (!(w.sparsity >= 0 && w.sparsity < 1)) throw bad("'weights.sparsity' must be in [0, 1)", w.sparsity);
    for (const [k, v, min] of [['steps', w.steps, 1], ['epochs', w.epochs, 0]] as const) if (!Number.isInteger(v) || v < min) throw bad(`'weights.${k}' must be an integer ≥ ${min}`, v);
    if (w.scope !== 'global' && w.scope !== 'layer') throw bad("'weights.scope' must be 'global' or 'layer'", w.scope);
  }
  if (s.method !== 'thinet') {
    if (s.flops !== undefined) throw bad(`'flops' is for method thinet, not ${s.method}`, s.flops);
    if (s.thinet !== undefined) throw bad(`'thinet' settings are for method thinet, not ${s.method}`, s.thinet);
    return s;
  }
  if (s.steps !== 1) throw bad("'steps' must be 1 for thinet (it prunes layer by layer, each once)", s.steps);
  if (s.flops !== undefined && !(typeof s.flops === 'number' && s.flops > 1 && Number.isFinite(s.flops))) throw bad("'flops' must be a reduction factor > 1 (2 for half the FLOPs)", s.flops);
  if (s.flops !== undefined && typeof s.ratio === 'object') throw bad("give 'flops' or per-layer ratios, not both", s.ratio);
  const t = { ...THINET_DEFAULTS, ...s.thinet };
  if (!Number.isInteger(t.samples) || t.samples < 1) throw bad("'thinet.samples' must be an integer ≥ 1", t.samples);
  if (typeof t.leastSquares !== 'boolean') throw bad("'thinet.leastSquares' must be true or false", t.leastSquares);
  return s;
}
