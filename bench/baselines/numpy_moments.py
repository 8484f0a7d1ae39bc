# Centred cross-moment (X − x̄)ᵀ(Y − ȳ) of two f32 matrices with numpy on one thread, the
# baseline of `npm run bench -- stats`. Reads X [N, P] and Y [N, Q] (raw little-endian f32),
# prints one JSON line: the median milliseconds over --runs, numpy's version, and a checksum.
import argparse, json, os, time
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import numpy as np

p = argparse.ArgumentParser()
p.add_argument('--x'); p.add_argument('--y')
p.add_argument('--n', type=int); p.add_argument('--p', type=int); p.add_argument('--q', type=int)
p.add_argument('--runs', type=int, default=5)
a = p.parse_args()
X = np.fromfile(a.x, dtype=np.float32).reshape(a.n, a.p)
Y = np.fromfile(a.y, dtype=np.float32).reshape(a.n, a.q)
times = []
for _ in range(a.runs):
    t = time.perf_counter()
    c = (X - X.mean(axis=0)).T @ (Y - Y.mean(axis=0))
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({'medianMs': times[len(times) // 2], 'numpy': np.__version__, 'check': float(c[0, 0])}))
