"""The kernel benchmark's formula written the way an analyst would in numpy: np.interp per hazard,
array temporaries. Same inputs as benchmarks/KernelBenchmark (integer hash), same outputs.
Prints one JSON line. Usage: python3 benchmarks/kernel_numpy.py N"""
import json
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
i = np.arange(n, dtype=np.uint64)


def hash01(salt):
    v = (i * np.uint64(2654435761) + np.uint64(salt) * np.uint64(40503)) % np.uint64(1_000_003)
    return (v.astype(np.float32) / np.float32(1_000_003)).astype(np.float32)


ranges = [3.0, 45.0, 10.0]
intensity = [hash01(h + 1) * np.float32(ranges[h]) for h in range(3)]
population = hash01(11) * np.float32(500)
value = hash01(12) * np.float32(2e7)
curves = [
    ([0, 0.5, 1, 1.5, 2, 3, 4, 5, 6], [0, 0.3266, 0.4941, 0.6166, 0.7207, 0.8695, 0.9315, 0.9836, 1]),
    ([0, 20, 25, 30, 35, 40, 45, 50, 60], [0, 0, 0.001, 0.004, 0.012, 0.03, 0.06, 0.1, 0.2]),
    ([5, 6, 7, 8, 9, 10], [0, 0.01, 0.04, 0.12, 0.3, 0.55]),
]
vmax = [1.0, 0.2, 0.55]
weights = [0.5, 0.3, 0.2]
breaks = np.array([0.002, 0.01, 0.03, 0.08])


def minmax(x, lo, hi, log=True):
    t = np.log1p(np.maximum(x, 0)) if log else x
    lo, hi = (np.log1p(lo), np.log1p(hi)) if log else (lo, hi)
    return np.clip((t - lo) / (hi - lo), 0, 1)


def kernel():
    exposure = 0.5 * minmax(population.astype(np.float64), 0, 500, log=False) + 0.5 * minmax(value.astype(np.float64), 0, 2e7, log=False)
    risk = np.zeros(n)
    eal = np.zeros(n)
    for h in range(3):
        x = intensity[h].astype(np.float64)
        dr = np.interp(x, *curves[h])
        loss = value * dr
        eal += 0.01 * loss
        ratio = np.divide(loss, value, out=np.zeros(n), where=value > 0)
        risk += weights[h] * np.clip(x / ranges[h], 0, 1) * exposure * np.clip(ratio / vmax[h], 0, 1)
    index = risk.astype(np.float32)
    level = (5 - np.searchsorted(breaks, index.astype(np.float64), side="left")).astype(np.uint8)
    return eal.astype(np.float32), index, level


kernel()
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    eal, index, level = kernel()
    best = min(best, time.perf_counter() - t0)
counts = np.bincount(level, minlength=6).tolist()
print(json.dumps({"cells": n, "seconds": best, "cells_per_second": n / best, "numpy": np.__version__,
                  "index_sum": float(index.astype(np.float64).sum()), "eal_sum": float(eal.astype(np.float64).sum()),
                  "levels": counts}))
