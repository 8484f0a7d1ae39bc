# scikit-learn's KMeans on the same 1-D weights as lopper's kmeans1d (bench/sparse.ts): linear
# initialisation over [min, max], one run (n_init=1), Lloyd. Reads JSON lines {name, k, values}
# on stdin; prints one JSON line per layer {name, k, ms, iterations, inertia}.
import json, sys, time
import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

for line in sys.stdin:
    job = json.loads(line)
    x = np.asarray(job["values"], dtype=np.float32).reshape(-1, 1)
    k = job["k"]
    init = np.linspace(x.min(), x.max(), k, dtype=np.float32).reshape(-1, 1)
    best = float("inf")
    with threadpool_limits(1):
        for _ in range(5):
            km = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", max_iter=100, tol=0)
            t0 = time.perf_counter()
            km.fit(x)
            best = min(best, (time.perf_counter() - t0) * 1000)
    print(json.dumps({"name": job["name"], "k": k, "ms": best, "iterations": int(km.n_iter_), "inertia": float(km.inertia_)}), flush=True)
