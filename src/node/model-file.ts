// Model files by extension, for the commands: .onnx (ONNX, any runtime reads it), .lopm
// (lopper's native file, masks and metadata included) or .lop (compressed: src/compress/lop-file.ts). Node-only: reads and writes the disk;
// writes go through a temporary name and a rename.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Kernels } from '../kernels/kernels.js';
import type { Model } from '../nn/model.js';
import { loadModel, saveModel } from '../io/native.js';
import { exportOnnx, type OnnxExportOptions } from '../io/onnx/export.js';
import { modelFromOnnx, parseOnnx, type OnnxImportOptions, type OnnxInfo } from '../io/onnx/import.js';
import { decodeLop, type LopSection } from '../compress/lop-file.js';
import type { SharedTensor } from '../compress/share.js';
import { useSparseKernels } from '../compress/sparse-inference.js';
import { writeAtomic } from './data.js';

export type ModelFormat = 'onnx' | 'lopm' | 'lop';

/** The metadata key under which a .onnx file written by lopper keeps `meta` (JSON). */
const META_KEY = 'lopper.meta';

/** The format a path names by its extension; anything but .onnx and .lopm is refused, naming the path. */
export function modelFormat(path: string): ModelFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (ext === '.lopm') return 'lopm';
  if (ext === '.lop') return 'lop';
  throw new Error(`${path}: unknown model format '${ext || '(no extension)'}'; lopper reads .onnx, .lopm and .lop files`);
}

/** The format a model is written in, by extension: .onnx or .lopm (a .lop comes from `lopper compress`). */
export function writableFormat(path: string): 'onnx' | 'lopm' {
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (ext === '.lopm') return 'lopm';
  if (ext === '.lop') throw new Error(`${path}: a .lop file holds a compressed model: write .onnx or .lopm here, then 'lopper compress' it`);
  throw new Error(`${path}: unknown model format '${ext || '(no extension)'}'; lopper writes .onnx and .lopm files`);
}

export interface ModelFile {
  model: Model;
  meta?: Record<string, unknown>;
  format: ModelFormat;
  /** The file as read (a checkpoint records which input it came from). */
  bytes: Uint8Array;
  /** For .onnx files: IR version, opset, producer, ops. */
  onnx?: OnnxInfo;
  /** For .lop files: the shared weights and the file's sections. */
  lop?: { shared: SharedTensor[]; sections: LopSection[] };
}

async function read(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read: ${(e as Error).message}`);
  }
}

/**
 * Reads a .onnx, .lopm or .lop model onto the kernels `k`. A .lop model's sparse layers run
 * through the CSR kernels where a timed check (at batch 1 and 64) finds them faster.
 */
export async function readModelFile(path: string, k: Kernels, options: Omit<OnnxImportOptions, 'file'> = {}): Promise<ModelFile> {
  const format = modelFormat(path);
  const bytes = await read(path);
  if (format === 'lopm') return { ...loadModel(bytes, k, path), format, bytes };
  if (format === 'lop') {
    const { model, meta, shared, sections } = decodeLop(bytes, k, path);
    useSparseKernels(model);
    return { model, format, bytes, lop: { shared, sections }, ...(meta ? { meta } : {}) };
  }
  const parsed = parseOnnx(bytes, { ...options, file: path });
  const text = parsed.info.metadata[META_KEY];
  let meta: Record<string, unknown> | undefined;
  if (text !== undefined) {
    try {
      meta = JSON.parse(text);
    } catch {
      throw new Error(`${path}: metadata '${META_KEY}' is not JSON`);
    }
  }
  return { model: modelFromOnnx(parsed, k), format, bytes, onnx: parsed.info, ...(meta ? { meta } : {}) };
}

/**
 * Writes `model` as .onnx or .lopm by the path's extension, atomically. `meta` rides along (in
 * the .lopm header, or as ONNX metadata); an ONNX file keeps masked weights as zeros but not the
 * mask itself.
 */
export async function writeModelFile(path: string, model: Model, meta?: Record<string, unknown>, onnx: Omit<OnnxExportOptions, 'metadata'> = {}): Promise<number> {
  const format = writableFormat(path);
  const bytes = format === 'lopm'
    ? saveModel(model, meta)
    : exportOnnx(model, { ...onnx, ...(meta ? { metadata: { [META_KEY]: JSON.stringify(meta) } } : {}) });
  await writeAtomic(path, bytes);
  return bytes.length;
}
