#!/usr/bin/python3
"""End-to-end census benchmark: `riskcensus run` on a synthetic province against the same census
written plainly in numpy + GDAL (census_numpy.py) and against the I/O floor (io_floor.py: the
inputs read once, the three output rasters written once), all in one run on this machine.

    /usr/bin/python3 benchmarks/census/bench.py [--km 300 | --sizes 150,300] [--repeat 3] [--threads 2]

The province (make_province.py) is generated once into benchmarks/census/.data/km<KM>/ and reused
while its generator version matches. Each side runs as its own process and is timed from launch
to exit; peak memory is the child's maximum resident set (wait4's rusage). The sides take turns
in every round (the order rotates), and the best and the median of --repeat rounds are reported.
The engine's own timings (provenance.json) and a comparison of totals follow: population, EAL
and expected fatalities per hazard from both sides' districts.csv, close but not equal (the engine
warps the inputs onto its own grid, a little larger than the rasters).

RISKCENSUS_BIN names the riskcensus binary (default: the release build)."""
import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, ".data")
sys.path.insert(0, HERE)
from province_spec import GENERATOR_VERSION, HAZARDS, MANIFEST, STAMP, input_rasters  # noqa: E402

PY = sys.executable


def engine_binary():
    if os.environ.get("RISKCENSUS_BIN"):
        return os.environ["RISKCENSUS_BIN"]
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    try:
        path = subprocess.run([swift, "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        path = os.path.join(ROOT, ".build", "release")
    return os.path.join(path, "riskcensus")


def province(km):
    """The province folder, generated unless a complete one of this generator version is there."""
    folder = os.path.join(DATA, f"km{km}")
    stamp = os.path.join(folder, STAMP)
    want = f"{GENERATOR_VERSION} km={km}"
    if os.path.exists(stamp) and open(stamp).read().strip() == want:
        return folder
    print(f"generating the {km} km province into {os.path.relpath(folder, ROOT)} …", flush=True)
    subprocess.run([PY, os.path.join(HERE, "make_province.py"), folder, "--km", str(km)], check=True)
    return folder


def warm(folder):
    """Reads every input file once, so no side pays for the first read from disk."""
    for name in input_rasters():
        with open(os.path.join(folder, name), "rb") as f:
            while f.read(1 << 24):
                pass


def timed(cmd, log):
    """Runs cmd to completion; returns (wall seconds, peak RSS bytes, CPU seconds)."""
    with open(log, "w") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stdout.write(open(log).read()[-3000:])
        sys.exit(f"bench: {' '.join(cmd)} failed with exit code {p.returncode} (log: {log})")
    return wall, ru.ru_maxrss * 1024, ru.ru_utime + ru.ru_stime


def _spin(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def parallel_capacity(workers, seconds=0.5):
    """How many CPUs' worth of work `workers` busy processes get: their total loop count
    against one process's. 2.0 on two free cores; about 1.0 where the CPUs share one core."""
    import multiprocessing
    one = _spin(seconds)
    with multiprocessing.Pool(workers) as pool:
        many = sum(pool.map(_spin, [seconds] * workers))
    return many / one


def districts_totals(path):
    """Column sums of a districts.csv (numeric columns only)."""
    totals = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for k, v in row.items():
                try:
                    totals[k] = totals.get(k, 0.0) + float(v)
                except (TypeError, ValueError):
                    pass
    return totals


def mib(b):
    return b / 2**20


def bench_size(km, args, binary):
    folder = province(km)
    manifest = os.path.join(folder, MANIFEST)
    outs = os.path.join(DATA, "out", f"km{km}")
    os.makedirs(outs, exist_ok=True)
    validate = subprocess.run([binary, "validate", manifest], capture_output=True, text=True)
    if validate.returncode != 0:
        sys.exit(f"bench: riskcensus validate failed:\n{validate.stdout}{validate.stderr}")
    grid_line = next((l.strip() for l in validate.stdout.splitlines() if l.strip().startswith("grid:")), "")
    warm(folder)

    sides = {
        "riskcensus": lambda out: [binary, "run", manifest, "--out", out, "--threads", str(args.threads), "--fresh"],
        "numpy": lambda out: [PY, os.path.join(HERE, "census_numpy.py"), folder, out],
        "floor": lambda out: [PY, os.path.join(HERE, "io_floor.py"), folder, out],
    }
    runs = {s: [] for s in sides}
    names = list(sides)
    for r in range(args.repeat):
        order = names[r % len(names):] + names[:r % len(names)]   # sides take turns
        for s in order:
            out = os.path.join(outs, s)
            shutil.rmtree(out, ignore_errors=True)
            wall, rss, cpu = timed(sides[s](out), os.path.join(outs, f"{s}.log"))
            runs[s].append((wall, rss, cpu))
            print(f"  round {r + 1}/{args.repeat}: {s:<10} {wall:7.2f} s  {mib(rss):7.0f} MiB", flush=True)

    best = {s: min(v)[0] for s, v in runs.items()}
    median = {s: statistics.median(x[0] for x in v) for s, v in runs.items()}
    peak = {s: max(x[1] for x in v) for s, v in runs.items()}
    cpu = {s: min(v)[2] for s, v in runs.items()}
    cells = (km * 10) ** 2
    label = {"riskcensus": f"riskcensus run (--threads {args.threads})", "numpy": "numpy + GDAL (1 thread)",
             "floor": "I/O floor (read + write)"}
    print(f"\nprovince {km} km: {km * 10} × {km * 10} = {cells:,} cells of 100 m; engine {grid_line}")
    print(f"best and median of {args.repeat}, each side its own process, launch to exit")
    print(f"  {'side':<30}{'best s':>9}{'median s':>10}{'CPU s':>9}{'peak RSS MiB':>14}{'M cells/s':>11}")
    for s in names:
        print(f"  {label[s]:<30}{best[s]:9.2f}{median[s]:10.2f}{cpu[s]:9.2f}{mib(peak[s]):14.0f}{cells / best[s] / 1e6:11.2f}")
    print(f"  numpy / riskcensus (speed-up of riskcensus): {best['numpy'] / best['riskcensus']:.2f}× best, "
          f"{median['numpy'] / median['riskcensus']:.2f}× median")
    print(f"  riskcensus / I/O floor: {best['riskcensus'] / best['floor']:.2f}× best, "
          f"{median['riskcensus'] / median['floor']:.2f}× median")
    print(f"  peak memory: riskcensus {mib(peak['riskcensus']):.0f} MiB, numpy {mib(peak['numpy']):.0f} MiB "
          f"({peak['numpy'] / peak['riskcensus']:.1f}×), floor {mib(peak['floor']):.0f} MiB")

    # The engine's own account of its last run, and the numpy script's time after its imports.
    eng = os.path.join(outs, "riskcensus")
    prov = json.load(open(os.path.join(eng, "provenance.json")))
    run = prov["run"]
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in run["timings_seconds"].items())
    print(f"  riskcensus (provenance.json, last run): {run['seconds']:.2f} s in the run: {steps}; "
          f"peak {mib(run['peak_memory_bytes']):.0f} MiB (estimate {mib(run['estimated_memory_bytes']):.0f} MiB)")
    for line in open(os.path.join(outs, "riskcensus.log")):
        if "cells/s, done" in line or "classified" in line or line.startswith("done:"):
            print("    " + line.rstrip())
    np_summary = json.load(open(os.path.join(outs, "numpy", "summary.json")))
    print(f"  numpy script (last run): {np_summary['seconds_after_imports']:.2f} s after "
          f"{np_summary['seconds_imports']:.2f} s of imports")

    # Sanity: the two censuses' totals side by side.
    e = districts_totals(os.path.join(eng, "districts.csv"))
    n = districts_totals(os.path.join(outs, "numpy", "districts.csv"))
    keys = ["population", "exposed_value", "eal"] + [f"eal_{h['id']}" for h in HAZARDS] + ["expected_fatalities"] \
        + [f"fatalities_{h['id']}" for h in HAZARDS] + [f"cells_level_{k}" for k in range(1, 6)]
    print("  totals (districts.csv)          riskcensus             numpy    rel. diff")
    for k in keys:
        d = (n[k] - e[k]) / e[k] if e[k] else float("nan")
        print(f"    {k:<24}{e[k]:>18.6g}{n[k]:>18.6g}{d:>12.2e}")
    eb = prov["parameters"]["classification"]["breaks"]
    print("    breaks riskcensus  " + " / ".join(f"{b:.6g}" for b in eb))
    print("    breaks numpy       " + " / ".join(f"{b:.6g}" for b in np_summary["breaks"]))
    return {"best": best, "median": median, "peak": peak, "cells": cells}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--km", type=int, default=300, help="side of the province in km (default 300: 9 M cells)")
    ap.add_argument("--sizes", help="comma-separated sizes in km, e.g. 150,300; overrides --km")
    ap.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="riskcensus --threads (default 2)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.km]
    binary = engine_binary()
    if not os.access(binary, os.X_OK):
        sys.exit(f"bench: no riskcensus binary at {binary} (build with swift build -c release, or set RISKCENSUS_BIN)")
    import numpy
    from osgeo import gdal
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    print(f"riskcensus {version} ({binary}); Python {platform.python_version()}, numpy {numpy.__version__}, "
          f"GDAL {gdal.__version__}; {os.cpu_count()} CPUs ({cpu})")
    print(f"{args.threads} busy processes get {parallel_capacity(args.threads):.2f} CPUs' worth of work here "
          f"(what --threads {args.threads} can gain at most)")
    results = {km: bench_size(km, args, binary) for km in sizes}
    if len(sizes) > 1:
        print("\nscaling between sizes")
        a, b = min(sizes), max(sizes)
        ra, rb = results[a], results[b]
        print(f"  cells {rb['cells'] / ra['cells']:.2f}× ({b} km / {a} km)")
        for s in ["riskcensus", "numpy", "floor"]:
            print(f"  {s:<11} time {rb['best'][s] / ra['best'][s]:5.2f}×   peak memory {rb['peak'][s] / ra['peak'][s]:5.2f}×  "
                  f"({mib(ra['peak'][s]):.0f} → {mib(rb['peak'][s]):.0f} MiB)")


if __name__ == "__main__":
    main()
