// Codebook ONNX: a weight-shared model as ONNX that any runtime runs, smaller than f32 ONNX. Each
// shared weight becomes Gather(codebook, Cast(indices)) with the indices stored as uint8 (uint16
// when the codebook and the pruned zero need more than 256 entries); the rest is exportOnnx's.

import type { Model } from '../nn/model.js';
import { exportOnnx, type OnnxExportOptions } from '../io/onnx/export.js';
import { AttributeType, DataType, decodeModel, encodeModel, type TensorProto } from '../io/onnx/proto.js';
import { floatTensor } from '../io/onnx/tensor.js';
import type { SharedTensor } from './share.js';

/**
 * `model` as ONNX with the weights named in `shared` (from shareWeights or a .lop file) stored as
 * codebooks and indices. The model must hold those shared values (it computes what the file does).
 */
export function exportCodebookOnnx(model: Model, shared: readonly SharedTensor[], options: OnnxExportOptions = {}): Uint8Array {
  const proto = decodeModel(exportOnnx(model, options), 'exportCodebookOnnx');
  const graph = proto.graph!;
  const initializers = graph.initializer ?? [];
  const nodes = [];
  for (const s of shared) {
    const name = `${s.node}.${s.name}`;
    const at = initializers.findIndex((t) => t.name === name);
    if (at < 0) throw new RangeError(`exportCodebookOnnx: the model has no weight '${name}' to share`);
    // Entry 0 of the ONNX codebook is the pruned zero; cluster c is entry c + 1.
    const entries = s.codebook.length + 1;
    const wide = entries > 256;
    const raw = new Uint8Array(s.assign.length * (wide ? 2 : 1));
    const view = new DataView(raw.buffer);
    s.assign.forEach((a, i) => (wide ? view.setUint16(2 * i, a + 1, true) : (raw[i] = a + 1)));
    const codebook = `${name}.codebook`;
    const indices = `${name}.indices`;
    const indexTensor: TensorProto = { name: indices, dims: [...s.shape], dataType: wide ? DataType.UINT16 : DataType.UINT8, rawData: raw };
    initializers.splice(at, 1, floatTensor(codebook, [entries], [0, ...s.codebook]), indexTensor);
    nodes.push(
      { opType: 'Cast', name: `${indices}.int32`, input: [indices], output: [`${indices}.int32`], attribute: [{ name: 'to', type: AttributeType.INT, i: DataType.INT32 }] },
      { opType: 'Gather', name, input: [codebook, `${indices}.int32`], output: [name], attribute: [] },
    );
  }
  graph.node = [...nodes, ...(graph.node ?? [])];
  return encodeModel(proto);
}
