// The layer contract as nn's layers import it. It lives in src/graph/layer.ts because the graph
// is built from it: graph/ sits below nn/ and imports nothing from it (no nn ↔ graph cycle).
export * from '../graph/layer.js';
