// What the commands write: output files (atomically, never over an input) and --json results.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_NAMES, npyPair, writeAtomic } from '../node/data.js';
import { UsageError } from './options.js';

/** The files a data spec reads: none for a built-in name, else the path (a file or a directory). */
export function dataInputs(spec: string): string[] {
  return (BUILTIN_NAMES as readonly string[]).includes(spec) ? [] : npyPair(spec) ?? [spec];
}

/**
 * Refuses an output that is one of the inputs: the same path, or the same file under another
 * name (a symbolic or hard link). Runs before any work, so a refused command changes nothing.
 */
export function checkOutput(output: string, inputs: readonly string[], flag = '-o'): void {
  const out = resolve(output);
  if (isDirectory(out)) throw new UsageError(`${flag} ${output} is a directory; give a file name`);
  const outId = fileId(out);
  for (const input of inputs) {
    const path = resolve(input);
    if (path === out || (outId !== null && outId === fileId(path))) {
      throw new UsageError(`${flag} ${output} is also an input; choose another output`);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Device and inode of an existing path, else null. */
function fileId(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** Writes a file through a temporary name and a rename: a failure never leaves half a file. */
export async function writeOutput(path: string, content: Uint8Array | string): Promise<number> {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  await writeAtomic(path, bytes);
  return bytes.length;
}

/** The one JSON object a command prints with --json. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** 12345678 → "12,345,678" (no locale: the same on every host). */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function percent(v: number | undefined, digits = 2): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(digits)}%`;
}

/** 4612770 → "4.61 M" (k, M, G). */
export function si(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '—';
  for (const [f, u] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (Math.abs(n) >= f) return `${+(n / f).toFixed(digits)} ${u}`;
  return `${+n.toFixed(digits)}`;
}

/** Pads the cells of each column to one width: left-aligned first column, right-aligned others. */
export function table(rows: readonly (readonly string[])[], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, [...c].length); });
  const pad = (c: string, i: number) => (i === 0 ? c + ' '.repeat(widths[i] - [...c].length) : ' '.repeat(widths[i] - [...c].length) + c);
  return rows.map((r) => indent + r.map(pad).join('  ').trimEnd()).join('\n');
}

export function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}
