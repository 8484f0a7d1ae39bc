// Argument checks for the public library functions above the kernels (models, graphs, datasets,
// options): each error names the function and the argument — TypeError for the wrong kind of
// value, RangeError for the wrong size — before any work, instead of a "cannot read properties of
// undefined" from deep inside. Kinds are recognised by shape, not instanceof, so that two copies of
// lopper (a bundle and node_modules, say) accept each other's objects.

import type { Model } from './model.js';
import type { Dataset } from './data/dataset.js';
import type { Graph } from '../graph/graph.js';
import type { Kernels } from '../kernels/kernels.js';

/** "undefined", "a number (3)", "an array of 2", "an object with keys model, meta, format", "a Graph". */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number' || typeof v === 'boolean') return `a ${typeof v} (${v})`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'function') return 'a function';
  if (typeof v !== 'object') return `a ${typeof v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const name = (v as object).constructor?.name;
  if (name && name !== 'Object') return `a ${name}`;
  const keys = Object.keys(v);
  return keys.length ? `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}` : 'an empty object';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const isModel = (v: unknown): v is Model =>
  isObject(v) && isObject(v.graph) && isObject(v.params) && typeof (v as { forward?: unknown }).forward === 'function';

/** `v` is a Model; a `{ model, … }` (what readModelFile and loadModel return) gets a hint. */
export function checkModel(fn: string, arg: string, v: unknown): Model {
  if (isModel(v)) return v;
  const hint = isObject(v) && isModel(v.model) ? ` (readModelFile and loadModel return { model, … }: pass its .model)` : '';
  throw new TypeError(`${fn}: '${arg}' must be a Model, got ${describe(v)}${hint}`);
}

/** `v` is a Graph (a model's is `model.graph`). */
export function checkGraph(fn: string, arg: string, v: unknown): Graph {
  if (isObject(v) && Array.isArray(v.nodes) && typeof (v as { node?: unknown }).node === 'function' && Array.isArray(v.inputs)) return v as unknown as Graph;
  const hint = isModel(v) ? ' (a Model: pass model.graph)' : '';
  throw new TypeError(`${fn}: '${arg}' must be a Graph, got ${describe(v)}${hint}`);
}

/** `v` is a Dataset with at least one sample. */
export function checkDataset(fn: string, arg: string, v: unknown): Dataset {
  if (!(isObject(v) && typeof v.size === 'number' && typeof v.classes === 'number' && typeof (v as { batchCount?: unknown }).batchCount === 'function')) {
    throw new TypeError(`${fn}: '${arg}' must be a Dataset, got ${describe(v)}`);
  }
  if (!(v.size >= 1)) throw new RangeError(`${fn}: '${arg}' is empty (0 samples)`);
  return v as unknown as Dataset;
}

/** `v` is the Kernels a model runs on (loadKernels or loadNodeKernels). */
export function checkKernels(fn: string, arg: string, v: unknown): Kernels {
  if (isObject(v) && isObject(v.heap) && isObject(v.wasm)) return v as unknown as Kernels;
  throw new TypeError(`${fn}: '${arg}' must be Kernels (from loadKernels or loadNodeKernels), got ${describe(v)}`);
}

/** `v` is a plain object (options, settings). */
export function checkOptions<T>(fn: string, arg: string, v: T): T {
  if (!isObject(v) || Array.isArray(v)) throw new TypeError(`${fn}: '${arg}' must be an object, got ${describe(v)}`);
  return v;
}

/** `v` is a function (a callback the caller gives). */
export function checkFunction(fn: string, arg: string, v: unknown): void {
  if (typeof v !== 'function') throw new TypeError(`${fn}: '${arg}' must be a function, got ${describe(v)}`);
}

/** `v` is an array (of whatever the caller checks next). */
export function checkArray<T>(fn: string, arg: string, v: readonly T[] | unknown): readonly T[] {
  if (!Array.isArray(v)) throw new TypeError(`${fn}: '${arg}' must be an array, got ${describe(v)}`);
  return v as readonly T[];
}
