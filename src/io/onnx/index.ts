// ONNX in and out: import (parseOnnx → Graph and weights, importOnnx → Model) and export
// (exportOnnx → bytes). Core code: no Node built-in, runs wherever lopper runs.

export { exportOnnx, type OnnxExportOptions } from './export.js';
export { importOnnx, modelFromOnnx, parseOnnx, supportedOnnxOps, type OnnxImportOptions, type OnnxInfo, type ParsedOnnx } from './import.js';
export { OnnxError, type OnnxErrorCode, type UnsupportedNode } from './errors.js';
export { exportQdqOnnx } from './export-qdq.js';
