"""PyTorch CPU baseline for `npm run bench -- train`: training throughput (images/s) of
LeNet-5 (Caffe variant) and LeNet-300-100 with SGD + momentum, on synthetic 1x28x28 data
(throughput does not depend on the pixels). Prints one JSON object per line.

Usage: /usr/bin/python3 torch_train.py --threads 1 --batch 64 --steps 200 [--models lenet-5,lenet-300-100]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))


def lenet300100():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


MODELS = {'lenet-5': lenet5, 'lenet-300-100': lenet300100}


def measure(name, threads, batch, steps, repeats):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = MODELS[name]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch * 16, 1, 28, 28)
    y = torch.randint(0, 10, (batch * 16,))

    def step(i):
        j = (i % 16) * batch
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[j:j + batch]), y[j:j + batch])
        loss.backward()
        opt.step()

    for i in range(20):
        step(i)
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        for i in range(steps):
            step(i)
        rates.append(steps * batch / (time.perf_counter() - t))
    rates.sort()
    return rates[len(rates) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--steps', type=int, default=200)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--models', default='lenet-5,lenet-300-100')
    a = p.parse_args()
    for name in a.models.split(','):
        rate = measure(name, a.threads, a.batch, a.steps, a.repeats)
        print(json.dumps({'model': name, 'system': 'pytorch', 'threads': a.threads, 'batchSize': a.batch,
                          'imagesPerSecond': rate, 'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
