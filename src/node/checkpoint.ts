// Node-only: a pipeline CheckpointStore on a file. Saves go through a temporary name and a rename
// (writeAtomic), so an interrupted save leaves the previous checkpoint whole; load gives null when
// there is no checkpoint yet.

import { readFile, stat, unlink } from 'node:fs/promises';
import type { CheckpointStore } from '../pipeline/han.js';
import { writeAtomic } from './data.js';

export interface FileCheckpoint extends CheckpointStore {
  readonly path: string;
  /** Whether a checkpoint file exists now. */
  exists(): Promise<boolean>;
  /** Deletes the checkpoint (nothing happens when there is none). */
  remove(): Promise<void>;
}

export function fileCheckpoint(path: string): FileCheckpoint {
  return {
    path,
    name: path,
    async load() {
      try {
        return await readFile(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null;
        throw new Error(`${path}: cannot read the checkpoint: ${(e as Error).message}`);
      }
    },
    async save(bytes) {
      await writeAtomic(path, bytes);
    },
    async exists() {
      try {
        return (await stat(path)).isFile();
      } catch {
        return false;
      }
    },
    async remove() {
      await unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw new Error(`${path}: cannot delete the checkpoint: ${e.message}`);
      });
    },
  };
}
