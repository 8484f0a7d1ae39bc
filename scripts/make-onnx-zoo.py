#!/usr/bin/python3
"""Exports one small CNN classifier of each torchvision family (ResNet, MobileNet v2/v3, SqueezeNet,
ShuffleNet v2, GoogLeNet, DenseNet, EfficientNet, RegNet) to ONNX at opsets 13 and 17 (the newest
Debian's torch 1.13 offers): test/fixtures/onnx-zoo/<family>-op<opset>/ model.onnx, input.bin,
output.bin (little-endian float32, batch first) and meta.json. Random weights (seeded), narrow
widths and 32x32 inputs, built from torchvision's own blocks so that the exported graphs have the
families' real ops and shapes while the files stay small. Run with Debian's python3-torch:

    /usr/bin/python3 scripts/make-onnx-zoo.py

The tests need only the files, not torch.
"""

import importlib
import io
import os
import sys

import torch
import torch.nn as nn
import torchvision

from torch_fixtures import randomise_bn, write_fixture

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx-zoo')
OPSETS = [13, 17]
tv = {name: importlib.import_module(f'torchvision.models.{name}') for name in
      ['resnet', 'mobilenetv2', 'mobilenetv3', 'squeezenet', 'shufflenetv2', 'googlenet', 'densenet', 'efficientnet', 'regnet']}


class ResNet(nn.Module):
    """ResNet-18 layout (7x7 stem, max pool, four stages of BasicBlocks with 1x1 downsampling) at widths 8-16-24-32."""

    def __init__(self, widths=(8, 16, 24, 32), classes=10):
        super().__init__()
        r = tv['resnet']
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            down = None if stride == 1 and cin == w else nn.Sequential(r.conv1x1(cin, w, stride), nn.BatchNorm2d(w))
            blocks.append(r.BasicBlock(cin, w, stride, down))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def mobilenet_v2():
    """MobileNet v2 (torchvision's class): inverted residuals with ReLU6, width 0.5 on a shortened setting."""
    return torchvision.models.MobileNetV2(num_classes=10, width_mult=0.5, round_nearest=4,
                                          inverted_residual_setting=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2]])


def mobilenet_v3():
    """MobileNet v3 (torchvision's class): squeeze-excitation with HardSigmoid, HardSwish, 5x5 depthwise, width 0.5."""
    C = tv['mobilenetv3'].InvertedResidualConfig
    setting = [C(16, 3, 16, 16, True, 'RE', 2, 1, 0.5), C(16, 3, 32, 24, False, 'RE', 2, 1, 0.5),
               C(24, 5, 48, 24, True, 'HS', 1, 1, 0.5), C(24, 5, 64, 32, True, 'HS', 2, 1, 0.5)]
    return tv['mobilenetv3'].MobileNetV3(setting, last_channel=64, num_classes=10)


class SqueezeNet(nn.Module):
    """SqueezeNet 1.1 layout (torchvision's Fire modules, ceil-mode max pools, a conv classifier) at 1/8 width."""

    def __init__(self, classes=10):
        super().__init__()
        Fire = tv['squeezenet'].Fire
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(8, 2, 8, 8), Fire(16, 2, 8, 8), nn.MaxPool2d(3, 2, ceil_mode=True), Fire(16, 4, 12, 12))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(24, classes, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


def shufflenet_v2():
    """ShuffleNet v2 (torchvision's class): channel split, channel shuffle (reshape-transpose-reshape), widths 8-16-32-64."""
    return tv['shufflenetv2'].ShuffleNetV2([2, 2, 1], [8, 16, 32, 48, 64], num_classes=10)


class GoogLeNet(nn.Module):
    """GoogLeNet layout (torchvision's BasicConv2d and Inception blocks, ceil-mode pools) at 1/8 width, no aux heads."""

    def __init__(self, classes=10):
        super().__init__()
        g = tv['googlenet']
        self.stem = nn.Sequential(g.BasicConv2d(3, 8, kernel_size=7, stride=2, padding=3), nn.MaxPool2d(3, 2, ceil_mode=True),
                                  g.BasicConv2d(8, 16, kernel_size=3, padding=1), nn.MaxPool2d(3, 2, ceil_mode=True))
        self.a = g.Inception(16, 4, 4, 8, 2, 4, 4)
        self.b = g.Inception(20, 8, 4, 8, 2, 4, 4)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.c = g.Inception(24, 8, 8, 12, 2, 4, 4)
        self.fc = nn.Linear(28, classes)

    def forward(self, x):
        x = self.c(self.pool(self.b(self.a(self.stem(x)))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def densenet():
    """DenseNet (torchvision's class): pre-activation batch norm after concatenations, average-pool transitions; growth 4."""
    return torchvision.models.DenseNet(growth_rate=4, block_config=(2, 2, 2), num_init_features=8, bn_size=2, num_classes=10)


def efficientnet():
    """EfficientNet (torchvision's class): MBConv with SiLU and squeeze-excitation, 3x3 and 5x5 depthwise, narrow."""
    e = tv['efficientnet']
    setting = [e.MBConvConfig(1, 3, 1, 8, 8, 1), e.MBConvConfig(4, 3, 2, 8, 12, 2), e.MBConvConfig(4, 5, 2, 12, 16, 1)]
    return e.EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=64)


def regnet():
    """RegNet (torchvision's class): grouped bottleneck convolutions with squeeze-excitation, stem 8."""
    r = tv['regnet']
    params = r.BlockParams.from_init_params(depth=3, w_0=8, w_a=8.0, w_m=2.0, group_width=4, se_ratio=0.25)
    return r.RegNet(params, num_classes=10, stem_width=8)


FAMILIES = {
    'resnet': ResNet, 'mobilenet-v2': mobilenet_v2, 'mobilenet-v3': mobilenet_v3, 'squeezenet': SqueezeNet,
    'shufflenet-v2': shufflenet_v2, 'googlenet': GoogLeNet, 'densenet': densenet, 'efficientnet': efficientnet, 'regnet': regnet,
}


def main():
    batch = 2
    only = set(sys.argv[1:])
    for index, (family, make) in enumerate(FAMILIES.items()):
        if only and family not in only:
            continue
        torch.manual_seed(index)
        gen = torch.Generator().manual_seed(200 + index)
        model = make()
        randomise_bn(model, gen)
        model.eval()
        x = torch.randn([batch, 3, 32, 32], generator=gen)
        with torch.no_grad():
            y = model(x)
        for opset in OPSETS:
            buf = io.BytesIO()
            torch.onnx.export(model, (x,), buf, opset_version=opset, input_names=['x'], output_names=['y'],
                              dynamic_axes={'x': {0: 'batch'}, 'y': {0: 'batch'}})
            name = f'{family}-op{opset}'
            meta = {
                'name': name, 'family': family, 'description': ' '.join(make.__doc__.split()),
                'opset': opset, 'torch': torch.__version__, 'torchvision': torchvision.__version__,
                'input': list(x.shape), 'output': list(y.shape), 'params': sum(p.numel() for p in model.parameters()),
            }
            write_fixture(os.path.join(OUT, name), buf.getvalue(), x, y, meta)
            print(f'{name}: {meta["params"]} parameters, {len(buf.getvalue())} bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
