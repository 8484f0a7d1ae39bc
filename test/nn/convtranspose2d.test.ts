// ConvTranspose2d: backward against finite differences, the adjoint of Conv2d, shapes, errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { ConvTranspose2d } from '../../src/nn/layers/convtranspose2d.js';

test('ConvTranspose2d backward (input, weight, bias) matches finite differences', async () => {
  const [{ k }] = await backends();
  gradCheckLayer(k, new ConvTranspose2d({ filters: 2, kernel: [3, 2], stride: [2, 1], pads: [1, 0, 0, 1], outputPadding: [1, 0] }), [[3, 3, 2]]);
  gradCheckLayer(k, new ConvTranspose2d({ filters: 4, kernel: [2, 2], dilation: [2, 1], groups: 2, bias: false }), [[2, 2, 3]]);
});

test('output shapes follow ONNX; filters are axis 1 of the weight; bad options are named', () => {
  const layer = new ConvTranspose2d({ filters: 5, kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] });
  assert.equal(layer.outputShape([[4, 6, 7]]), [5, 12, 14]);
  assert.equal(layer.params([[4, 6, 7]]).map((p) => [p.shape, p.cut]), [[[4, 5, 3, 3], { out: 1, in: 0 }], [[5], { out: 0 }]]);
  assert.is(layer.channelFlow([[4, 6, 7]]).kind, 'produce');
  assert.equal((layer.withChannels(3) as ConvTranspose2d).filters, 3);
  assert.throws(() => new ConvTranspose2d({ filters: 3, kernel: [2, 2], groups: 2 }), /'filters' \(3\) must be a multiple of 'groups' \(2\)/);
  assert.throws(() => new ConvTranspose2d({ filters: 2, kernel: [2] as never }), /'kernel' must be 2 integers ≥ 1/);
  assert.throws(() => new ConvTranspose2d({ filters: 2, kernel: [1, 1], pads: [1, 1, 1, 1] }).outputShape([[1, 1, 1]]), /leave no output/);
});

test.run();
