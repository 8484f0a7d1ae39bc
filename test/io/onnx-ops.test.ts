// The ops added for models from the wild (issue 17), each imported and run against onnxruntime-web
// on random inputs, and re-exported: Slice, Split and the others below; what they import as.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { agree, i64, ops, single } from '../helpers/onnx-agree.js';
import type { ModelSpec } from '../helpers/onnx-build.js';

test('Slice (attributes before opset 10, inputs since; negative, clamped, stepped, whole batch) and Split', async () => {
  const [{ k }] = await backends();
  const x = [2, 6, 5, 4];
  const big = 2 ** 62;
  const cases: [string, ModelSpec, string[]][] = [
    ['slice opset 9 attrs', single('Slice', x, { starts: [1, 0], ends: [4, -1], axes: [1, 3] }, { opset: 9 }), ['Slice']],
    ['slice steps', single('Slice', x, {}, { inputs: ['s', 'e', 'a', 'p'], init: [i64('s', [-5, 1]), i64('e', [big, 5]), i64('a', [2, 1]), i64('p', [2, 3])] }), ['Slice']],
    ['slice whole batch', single('Slice', x, {}, { inputs: ['s', 'e', 'a'], init: [i64('s', [0, 3]), i64('e', [big, big]), i64('a', [0, 1])] }), ['Slice']],
    ['slice default axes', single('Slice', x, {}, { inputs: ['s', 'e'], init: [i64('s', [0, 1, 1]), i64('e', [big, 3, 4])] }), ['Slice']],
    ['slice of nothing cut', single('Slice', x, {}, { inputs: ['s', 'e', 'a'], init: [i64('s', [0]), i64('e', [big]), i64('a', [-1])] }), []],
  ];
  for (const [label, spec, want] of cases) {
    const m = await agree(k, label, spec, [x]);
    assert.equal(ops(m).filter((o) => o !== 'Identity'), want, `${label}: imports as ${want}`);
    m.dispose();
  }
  const split = (attrs: ModelSpec['nodes'][0]['attrs'], inputs: string[], init: ModelSpec['init'], opset: number, outputs = 3): ModelSpec => ({
    opset, inputs: [{ name: 'x', dims: x }], outputs: [{ name: 'y' }], init,
    nodes: [
      { op: 'Split', inputs: ['x', ...inputs], outputs: Array.from({ length: outputs }, (_, i) => `p${i}`), attrs },
      { op: 'Concat', inputs: Array.from({ length: outputs }, (_, i) => `p${outputs - 1 - i}`), outputs: ['y'], attrs: { axis: (attrs as { axis: number }).axis } },
    ],
  });
  for (const [label, spec] of [
    ['split equal opset 11', split({ axis: 1 }, [], [], 11)],
    ['split attribute opset 11', split({ axis: 1, split: [1, 2, 3] }, [], [], 11)],
    ['split input opset 13', split({ axis: -3 }, ['s'], [i64('s', [3, 1, 2])], 13)],
    ['split num_outputs opset 18 (uneven)', split({ axis: 2, num_outputs: 2 }, [], [], 18, 2)],
  ] as [string, ModelSpec][]) {
    (await agree(k, label, spec, [x])).dispose();
  }
});

test.run();
