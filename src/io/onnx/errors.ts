// The one error class of the ONNX reader and writer: a message that names the file, node, tensor
// or value, and a code saying which kind of problem it is (for programs; people read the message).

export type OnnxErrorCode =
  /** Not a decodable ModelProto, or a required part (graph, opset) is missing. */
  | 'invalid-file'
  /** IR version or opset outside what lopper reads. */
  | 'unsupported-version'
  /** Ops lopper cannot import; `nodes` lists every one. */
  | 'unsupported-op'
  /** A tensor keeps its data in a separate file. */
  | 'external-data'
  /** A shape lopper cannot resolve to fixed per-sample dimensions. */
  | 'dynamic-shape'
  /** Cycles, missing inputs, dangling outputs, a value produced twice. */
  | 'broken-graph'
  /** An op that would mix or move the batch axis. */
  | 'batch-axis'
  /** A node whose attributes, inputs or shapes are invalid or outside what lopper maps. */
  | 'bad-node'
  /** A tensor or activation beyond lopper's size caps (checked before allocating). */
  | 'too-large'
  /** A lopper model that has no ONNX form. */
  | 'export';

export interface UnsupportedNode {
  node: string;
  op: string;
  domain: string;
}

export class OnnxError extends Error {
  override readonly name = 'OnnxError';

  constructor(readonly code: OnnxErrorCode, message: string, readonly nodes: readonly UnsupportedNode[] = []) {
    super(message);
  }
}
