// worker_threads entry: exposes the worker API on the parent port. Started by src/node/workers.ts.

import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { nodeEndpoint } from './workers.js';
import { createWorkerApi } from '../workers/worker.js';

if (!parentPort) throw new Error('lopper worker-entry: must run inside a worker thread');
expose(createWorkerApi(), nodeEndpoint(parentPort));
