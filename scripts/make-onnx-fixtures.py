#!/usr/bin/python3
"""Exports small PyTorch models to ONNX for lopper's import tests: test/fixtures/onnx/<name>/
model.onnx, input.bin and output.bin (little-endian float32, batch first) and meta.json (shapes,
opset, what the model exercises). Run with Debian's python3-torch (1.13):

    /usr/bin/python3 scripts/make-onnx-fixtures.py [name ...]

Seeded, so a re-run rewrites the same models. The tests need only the files, not torch.
"""

import importlib.util
import io
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_fixtures import randomise_bn, write_fixture

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')


class LeNet5(nn.Module):
    """LeNet-5 shape, narrow: conv4 5x5, pool, conv8 5x5, pool, fc32, fc10 (opset 9)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5)
        self.conv2 = nn.Conv2d(4, 8, 5)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def conv_bn(cin, cout, **kw):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False, **kw), nn.BatchNorm2d(cout), nn.ReLU())


def conv_relu_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(cout))


class VggBn(nn.Module):
    """VGG-style with batch norm: 8-8-pool-16-pool, fc10. The first block's batch norm follows its
    conv (torch folds it into the conv on export); the others follow the ReLU, so BatchNormalization
    nodes stay in the file (opset 11)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_bn(3, 8), conv_relu_bn(8, 8), nn.MaxPool2d(2), conv_relu_bn(8, 16), nn.MaxPool2d(2))
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class Residual(nn.Module):
    """A stem, an identity residual block and a strided one with a 1x1 shortcut, global pool (opset 13)."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 8)
        self.a1 = conv_bn(8, 8)
        self.a2 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))
        self.b1 = conv_bn(8, 16, stride=2)
        self.b2 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16))
        self.short = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = F.relu(x + self.a2(self.a1(x)))
        x = F.relu(self.short(x) + self.b2(self.b1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class Inception(nn.Module):
    """Four branches (1x1, 3x3, 5x5, pool + 1x1) joined by Concat, average pool, global pool (opset 12)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.b1 = nn.Conv2d(8, 4, 1)
        self.b3 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
        self.b5 = nn.Conv2d(8, 2, 5, padding=2)
        self.bp = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(8, 4, 1))
        self.post = nn.Conv2d(16, 8, 3)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = torch.cat([F.relu(self.b1(x)), F.relu(self.b3(x)), F.relu(self.b5(x)), F.relu(self.bp(x))], 1)
        x = F.avg_pool2d(x, 2)
        x = F.leaky_relu(self.post(x), 0.1)
        x = x.mean(dim=(2, 3))
        return self.fc(x)


class Mlp(nn.Module):
    """An MLP with dropout, a per-feature constant scale (a Constant node) and softmax; exported in
    training mode so that the Dropout nodes stay, with x.view(x.size(0), -1) as a Shape chain (opset 13)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 10)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.drop(F.relu(self.fc1(x)))
        x = x * torch.linspace(0.5, 1.5, 32)
        x = self.drop(torch.sigmoid(self.fc2(x)))
        x = torch.tanh(self.fc3(x)) - 0.25
        return F.softmax(x, dim=1)


class Depthwise(nn.Module):
    """MobileNet-style depthwise-separable blocks with ReLU6 (Clip) and HardSwish (opset 14)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.dw2 = nn.Sequential(nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16), nn.BatchNorm2d(16), nn.Hardsigmoid())
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.dw2(self.pw(self.dw(self.stem(x))))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class Nhwc(nn.Module):
    """An NHWC model: permutes around each conv, as converters from TensorFlow write; a symbolic batch
    axis and a view(x.size(0), -1) shape chain (opset 17)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.conv2 = nn.Conv2d(6, 8, 3, stride=2)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):  # x: [N, H, W, C]
        x = F.relu(self.conv1(x.permute(0, 3, 1, 2))).permute(0, 2, 3, 1)
        x = F.relu(self.conv2(x.permute(0, 3, 1, 2))).permute(0, 2, 3, 1)
        return self.fc(x.reshape(x.size(0), -1))


class ResidualBn(Residual):
    """The residual net exported with training=PRESERVE, which keeps torch from folding batch norm into the convs: a BatchNormalization after every conv (opset 13; DeepRebirth's BN folding)."""


def resnet18_bn():
    """torchvision's ResNet-18 layout (make-onnx-zoo.py's: 7x7 stem, max pool, four stages of torchvision BasicBlocks with 1x1 downsampling, widths 8-16-24-32) exported with training=PRESERVE: all 12 BatchNormalizations kept (opset 13; DeepRebirth's BN folding on a real ResNet)."""
    spec = importlib.util.spec_from_file_location('make_onnx_zoo', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'make-onnx-zoo.py'))
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    return zoo.ResNet()


# name → (model, per-sample input shape, opset, export options)
FIXTURES = {
    'lenet5': (LeNet5, [1, 28, 28], 9, {}),
    'vgg-bn': (VggBn, [3, 16, 16], 11, {}),
    'residual': (Residual, [3, 12, 12], 13, {}),
    'inception': (Inception, [3, 12, 12], 12, {}),
    'mlp-dropout': (Mlp, [1, 8, 8], 13, {'training': torch.onnx.TrainingMode.TRAINING, 'do_constant_folding': False}),
    'depthwise': (Depthwise, [3, 16, 16], 14, {}),
    'nhwc': (Nhwc, [11, 11, 3], 17, {'dynamic_axes': {'x': {0: 'batch'}, 'y': {0: 'batch'}}}),
    'residual-bn': (ResidualBn, [3, 12, 12], 13, {'training': torch.onnx.TrainingMode.PRESERVE, 'do_constant_folding': False}),
    'resnet18-bn': (resnet18_bn, [3, 32, 32], 13, {'training': torch.onnx.TrainingMode.PRESERVE, 'do_constant_folding': False}),
}


def main():
    batch = 2
    only = sys.argv[1:]  # fixture names to (re)write; all without
    for index, (name, (make, shape, opset, options)) in enumerate(FIXTURES.items()):
        if only and name not in only:
            continue
        torch.manual_seed(index)
        gen = torch.Generator().manual_seed(100 + index)
        model = make()
        randomise_bn(model, gen)
        model.eval()
        x = torch.randn([batch] + shape, generator=gen)
        with torch.no_grad():
            y = model(x)
        training = options.get('training') == torch.onnx.TrainingMode.TRAINING
        if training:
            model.train()
        buf = io.BytesIO()
        torch.onnx.export(model, (x,), buf, opset_version=opset, input_names=['x'], output_names=['y'], **options)
        model.eval()
        meta = {
            'name': name, 'description': ' '.join(make.__doc__.split()),
            'opset': opset, 'torch': torch.__version__, 'input': list(x.shape), 'output': list(y.shape),
            'params': sum(p.numel() for p in model.parameters()),
        }
        write_fixture(os.path.join(OUT, name), buf.getvalue(), x, y, meta)
        print(f'{name}: opset {opset}, {meta["params"]} parameters, {len(buf.getvalue())} bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
