"""PyTorch CPU baseline for `npm run bench -- prune`: forward latency of LeNet-5 (Caffe variant)
dense and with 50% of its conv filters physically removed (conv1 20 -> 10, conv2 50 -> 25 filters,
fc1 800 -> 400 inputs), in alternating rounds; the speed-up is the median of the per-round ratios.
Prints one JSON object per batch size.

Usage: /usr/bin/python3 torch_prune.py --threads 1 --batches 1,8,64,256 [--rounds 25]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


def lenet5(c1, c2):
    return nn.Sequential(
        nn.Conv2d(1, c1, 5), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 5), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 16, 500), nn.ReLU(), nn.Linear(500, 10)).eval()


def per_call_ms(model, x, budget):
    """Mean milliseconds per forward over calls filling about `budget` seconds."""
    calls = 0
    start = time.perf_counter()
    while True:
        model(x)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget and calls >= 3:
            return 1000 * elapsed / calls


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batches', default='1,8,64,256')
    p.add_argument('--rounds', type=int, default=25)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    models = {'dense': lenet5(20, 50), 'removed': lenet5(10, 25)}
    with torch.inference_mode():
        for batch in [int(b) for b in a.batches.split(',')]:
            x = torch.randn(batch, 1, 28, 28)
            for m in models.values():
                per_call_ms(m, x, 0.1)
            times = {name: [] for name in models}
            for r in range(a.rounds):
                order = list(models) if r % 2 == 0 else list(reversed(models))
                for name in order:
                    times[name].append(per_call_ms(models[name], x, 0.05))
            ratios = [d / s for d, s in zip(times['dense'], times['removed'])]
            print(json.dumps({
                'batch': batch, 'threads': a.threads, 'torch': torch.__version__,
                'denseMs': statistics.median(times['dense']), 'removedMs': statistics.median(times['removed']),
                'speedup': statistics.median(ratios),
            }), flush=True)


if __name__ == '__main__':
    main()
