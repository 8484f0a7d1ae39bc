// The checks a command runs before any work, so that a mistake in its command line costs nothing:
// required flags (after the model argument), the data spec, every output path (its format, whether
// it can be written, that it is neither an input nor another output) and layer names. Each failure
// is a UsageError (exit code 2) naming the flag and the value.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { BUILTIN_NAMES, npyPair } from '../node/data.js';
import { modelFormat, writableFormat } from '../node/model-file.js';
import { UsageError } from './options.js';
import { checkOutput, dataInputs } from './output.js';

/** What an output path must name: a model file (.lopm or .onnx by extension), or any file. */
export type OutputKind = 'model' | 'file';

export interface OutputSpec {
  /** The flag that gave the path ('-o', '--history', …), for errors. */
  flag: string;
  path: string;
  kind: OutputKind;
}

export interface Preflight {
  /** The model argument, when the command reads one. */
  model?: string;
  /** The --data spec, when the command reads data. */
  data?: string;
  /** Other files the command reads (e.g. --sensitivity). */
  inputs?: readonly string[];
  /** Every file the command will write, in the order the user would think of them. */
  outputs?: readonly OutputSpec[];
}

/**
 * Checks a command's inputs and outputs before any work. Order: the model argument's format, the
 * data spec, then each output: format, a writable place, not an input, not an earlier output.
 */
export function preflight(p: Preflight): void {
  if (p.model !== undefined) usage(() => modelFormat(p.model!));
  if (p.data !== undefined) checkDataSpec(p.data);
  const inputs = [...(p.model !== undefined ? [p.model] : []), ...(p.data !== undefined ? dataInputs(p.data) : []), ...(p.inputs ?? [])];
  const earlier: OutputSpec[] = [];
  for (const out of p.outputs ?? []) {
    if (out.kind === 'model') usage(() => writableFormat(out.path), out.flag);
    checkOutput(out.path, inputs, out.flag);
    const same = earlier.find((e) => resolve(e.path) === resolve(out.path));
    if (same) throw new UsageError(`${out.flag} ${out.path} is the same file as ${same.flag}; choose another`);
    checkWritable(out);
    earlier.push(out);
  }
}

/**
 * Flags commander would refuse as missing, checked here instead so that a missing argument is
 * reported first (commander checks mandatory options before arguments). `flags` are option
 * attribute names ('data', 'output').
 */
export function requireOptions(cmd: Command, flags: readonly string[]): void {
  for (const key of flags) {
    if (cmd.getOptionValue(key) !== undefined) continue;
    const option = cmd.options.find((o) => o.attributeName() === key);
    throw new UsageError(`required option '${option?.flags ?? key}' not specified`);
  }
}

/** A data spec names a built-in set, an existing directory, a .csv or a .lopd file, or two .npy files. */
export function checkDataSpec(spec: string): void {
  if ((BUILTIN_NAMES as readonly string[]).includes(spec)) return;
  const npy = npyPair(spec);
  if (npy) {
    for (const path of npy) checkDataSpec(path);
    return;
  }
  const kinds = `a built-in name (${BUILTIN_NAMES.join(', ')}), a directory of IDX files, a .csv or a .lopd file, or inputs.npy,labels.npy`;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(spec).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT'
      ? `--data ${spec}: no such file or directory, and not a built-in dataset (${BUILTIN_NAMES.join(', ')})`
      : `--data ${spec}: cannot read: ${(e as Error).message}`);
  }
  if (!isDirectory && !/\.(csv|lopd|npy)$/i.test(spec)) throw new UsageError(`--data ${spec}: must be ${kinds}`);
}

/** Layer names given on the command line must be among `allowed`; the error lists them. */
export function checkLayerNames(flag: string, names: Iterable<string>, allowed: readonly string[], what: string): void {
  for (const name of names) {
    if (!allowed.includes(name)) throw new UsageError(`${flag} names '${name}', not ${what} (${allowed.length ? allowed.join(', ') : 'there are none'})`);
  }
}

/** The nearest existing ancestor of the output is a directory we may write in (writes create the rest). */
function checkWritable(out: OutputSpec): void {
  let dir = dirname(resolve(out.path));
  for (;;) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      const up = dirname(dir);
      if (up === dir) return;
      dir = up;
      continue;
    }
    if (!stat.isDirectory()) throw new UsageError(`${out.flag} ${out.path}: ${dir} is not a directory`);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UsageError(`${out.flag} ${out.path}: cannot write in ${dir}`);
    }
    return;
  }
}

/** Runs `check`, turning its error into a UsageError (prefixed with the flag when given). */
function usage(check: () => unknown, flag?: string): void {
  try {
    check();
  } catch (e) {
    throw new UsageError(`${flag ? `${flag} ` : ''}${(e as Error).message}`);
  }
}
