"""What the ONNX fixture scripts (make-onnx-fixtures.py, make-onnx-zoo.py) share: batch-norm
statistics moved off their defaults, and one fixture folder written (model, input, output, meta)."""

import json
import os

import torch
import torch.nn as nn


def randomise_bn(model, gen):
    """Batch-norm statistics and affine parameters away from their defaults, so the tests see them."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def write_fixture(folder, onnx_bytes, x, y, meta):
    """folder/model.onnx, input.bin and output.bin (little-endian f32) and meta.json."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'model.onnx'), 'wb') as f:
        f.write(onnx_bytes)
    with open(os.path.join(folder, 'input.bin'), 'wb') as f:
        f.write(x.numpy().astype('<f4').tobytes())
    with open(os.path.join(folder, 'output.bin'), 'wb') as f:
        f.write(y.numpy().astype('<f4').tobytes())
    with open(os.path.join(folder, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
