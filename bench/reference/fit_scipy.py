#!/usr/bin/env python3
"""scipy reference for FitBench: the same work as Orbit's Chinchilla fit, timed in CPU seconds.

1. The 4,500-start grid fit (Hoffmann's grid) of L(N, D) = E + A/N^alpha + B/D^beta on Epoch's
   240 points: sum of Huber(delta = 1e-3) on log loss, log-sum-exp form, L-BFGS-B with exact
   gradients (scipy 1.17), keep the best.
2. 1,000 bootstrap refits (points resampled with replacement), tight tolerances, each started
   at the full-sample optimum.

Run on one core (numpy is told to use one thread):
    python3 bench/reference/fit_scipy.py [--data CSV] [--resamples 1000] [--repeat 3]
Prints one JSON object: CPU seconds per repeat, their medians, the best objective and parameters.
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.special import logsumexp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(
    HERE, "..", "..", "Tests", "OrbitAnalysisTests", "data", "chinchilla-epoch-2024.csv")
DELTA = 1e-3


def load(path):
    import csv
    with open(path) as f:
        rows = list(csv.DictReader(f))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = np.sort(np.argsort(-loss)[5:])  # drop the 5 highest losses, as Epoch did
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6 * n)), np.log(loss)


def objective(p, u, v, y, w):
    """Weighted sum of Huber terms and its exact gradient; p = (a, alpha, b, beta, e)."""
    a, alpha, b, beta, e = p
    t = np.stack([a - alpha * u, b - beta * v, np.full_like(u, e)])
    lse = logsumexp(t, axis=0)
    r = lse - y
    small = np.abs(r) <= DELTA
    huber = np.where(small, 0.5 * r * r, DELTA * (np.abs(r) - 0.5 * DELTA))
    clipped = np.clip(r, -DELTA, DELTA) * w
    soft = np.exp(t - lse)
    g = np.array([
        np.sum(clipped * soft[0]), -np.sum(clipped * soft[0] * u),
        np.sum(clipped * soft[1]), -np.sum(clipped * soft[1] * v),
        np.sum(clipped * soft[2]),
    ])
    return float(np.sum(w * huber)), g


def grid():
    for a in np.arange(0, 30, 5):
        for b in np.arange(0, 30, 5):
            for e in np.arange(-1, 1.5, 0.5):
                for alpha in np.arange(0, 2.5, 0.5):
                    for beta in np.arange(0, 2.5, 0.5):
                        yield np.array([a, alpha, b, beta, e], dtype=float)


def grid_fit(u, v, y):
    w = np.ones_like(y)
    best = None
    for start in grid():
        res = minimize(objective, start, args=(u, v, y, w), jac=True, method="L-BFGS-B")
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
    return best


def bootstrap(u, v, y, start, resamples, seed=0):
    rng = np.random.default_rng(seed)
    tight = {"ftol": 1e-15, "gtol": 1e-15, "maxiter": 1000}
    out = []
    for _ in range(resamples):
        w = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(float)
        res = minimize(objective, start, args=(u, v, y, w), jac=True, method="L-BFGS-B",
                       options=tight)
        out.append(res.x)
    return np.array(out)


def natural(p):
    a, alpha, b, beta, e = p
    return {"A": float(np.exp(a)), "alpha": float(alpha), "B": float(np.exp(b)),
            "beta": float(beta), "E": float(np.exp(e))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    u, v, y = load(args.data)
    grid_seconds, boot_seconds = [], []
    best = None
    samples = None
    for _ in range(args.repeat):
        t0 = time.process_time()
        best = grid_fit(u, v, y)
        grid_seconds.append(time.process_time() - t0)
        t0 = time.process_time()
        samples = bootstrap(u, v, y, best.x, args.resamples)
        boot_seconds.append(time.process_time() - t0)
    intervals = {}
    for i, name in enumerate(["A", "alpha", "B", "beta", "E"]):
        col = np.exp(samples[:, i]) if name in ("A", "B", "E") else samples[:, i]
        lo, hi = np.percentile(col, [2.5, 97.5])
        intervals[name] = [float(lo), float(hi)]
    print(json.dumps({
        "scipy": __import__("scipy").__version__, "points": int(len(y)),
        "grid_cpu_seconds": grid_seconds, "grid_cpu_median": statistics.median(grid_seconds),
        "bootstrap_cpu_seconds": boot_seconds,
        "bootstrap_cpu_median": statistics.median(boot_seconds),
        "objective": float(best.fun), "parameters": natural(best.x),
        "bootstrap_intervals": intervals,
    }))


if __name__ == "__main__":
    main()
