// Web Worker entry (browsers, Deno): exposes the worker API on the worker's global scope.
// Started by src/workers/web.ts as a module worker.

import { expose } from 'comlink';
import { createWorkerApi } from './worker.js';

expose(createWorkerApi());
