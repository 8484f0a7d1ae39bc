"""numpy baseline for `npm run bench -- thinet`: the same ThiNet steps as lopper on the same sampled
contributions x^ [m, C] (float32, read from a file lopper wrote): the Gram matrix G = x^T x^, the
greedy removal with running row sums (float64), and the ridge least-squares scales of the kept
channels from G by Cholesky (numpy's, and scipy's LAPACK cho_factor/cho_solve when installed).
Run with one BLAS thread. Prints one JSON object: median ms per step and the removal order.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 thinet_numpy.py --xhat FILE --m 10000 --c 512 --remove 256 [--rounds 7]
"""
import argparse
import json
import statistics
import time

import numpy as np


def greedy(G, R):
    C = G.shape[0]
    rs = np.zeros(C)
    diag = np.diag(G).astype(np.float64)
    taken = np.zeros(C, dtype=bool)
    order = []
    for _ in range(R):
        v = 2 * rs + diag
        v[taken] = np.inf
        j = int(np.argmin(v))
        taken[j] = True
        order.append(j)
        rs += G[j]
    return order


def normal_equations(G, keep, ridge):
    A = G[np.ix_(keep, keep)].astype(np.float64)
    b = G[keep].sum(axis=1, dtype=np.float64)
    A[np.diag_indices_from(A)] += ridge * np.trace(A) / len(keep)
    return A, b


def solve_numpy(G, keep, ridge):
    A, b = normal_equations(G, keep, ridge)
    L = np.linalg.cholesky(A)
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def median_ms(fn, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        out = fn()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--xhat', required=True)
    p.add_argument('--m', type=int, required=True)
    p.add_argument('--c', type=int, required=True)
    p.add_argument('--remove', type=int, required=True)
    p.add_argument('--ridge', type=float, default=1e-6)
    p.add_argument('--rounds', type=int, default=7)
    a = p.parse_args()
    X = np.fromfile(a.xhat, dtype=np.float32).reshape(a.m, a.c)
    gram_ms, G = median_ms(lambda: X.T @ X, a.rounds)
    select_ms, order = median_ms(lambda: greedy(G, a.remove), a.rounds)
    removed = set(order)
    keep = np.array([u for u in range(a.c) if u not in removed])
    ls_ms, w = median_ms(lambda: solve_numpy(G, keep, a.ridge), a.rounds)
    out = {'numpy': np.__version__, 'gramMs': gram_ms, 'selectMs': select_ms, 'lsMs': ls_ms,
           'order': order, 'scales': [float(v) for v in w]}
    try:
        import scipy
        from scipy.linalg import cho_factor, cho_solve

        def solve_scipy():
            A, b = normal_equations(G, keep, a.ridge)
            return cho_solve(cho_factor(A, lower=True), b)
        out['scipy'] = scipy.__version__
        out['lsScipyMs'], _ = median_ms(solve_scipy, a.rounds)
    except ImportError:
        pass
    print(json.dumps(out))


if __name__ == '__main__':
    main()
