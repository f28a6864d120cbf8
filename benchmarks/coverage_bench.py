#!/usr/bin/python3
"""Coverage benchmark: 1,000,000 demand cells (a 1000 × 1000 population raster of 100 m cells)
× 2,000 shelters, straight-line coverage within 1 km, nearest shelter, capacitated assignment
and 2SFCA, through `riskcensus coverage`, and the same analyses in Python in the same run:
scipy's cKDTree for the pairs and the nearest shelter, scipy.sparse for 2SFCA (or the `access`
package's two_stage_fca, where it is installed), and scipy.sparse.csgraph.maximum_flow (integer
persons) for the capacitated assignment. Both sides read the same files and write a per-cell
demand table; riskcensus also writes supply.csv, shelters.geojson and the dissolved blind
zones.

Both sides run as their own processes, timed the same way from launch to exit (end to end:
riskcensus's start-up and library loading, Python's interpreter start and imports), best of
`--repeat` runs each. The Python side also reports its time after the imports, and the ratio
against that (riskcensus still timed from launch) is printed too, as the harsher figure. Peak
memory is each process's maximum resident set. The per-cell results are checked to agree.

Run with Debian's Python (python3-gdal, python3-scipy), or with `.venv-bench` (`make
bench-coverage` makes it, adding the pinned `access` package):
    /usr/bin/python3 benchmarks/coverage_bench.py [SIDE] [--repeat N]
RISKCENSUS_BIN names the riskcensus binary (default: the release build)."""
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal, osr
from scipy.spatial import cKDTree
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

HERE = os.path.dirname(os.path.abspath(__file__))
gdal.UseExceptions()
RADIUS = 1000.0
WEST, NORTH, CELL = 400000.0, 3600000.0, 100.0


def make(d, side, n_shelters, seed=7):
    rng = np.random.Generator(np.random.PCG64(seed))
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    pop = np.zeros((side, side))
    for _ in range(40):   # towns of Gaussian density
        cx, cy, r, peak = rng.uniform(0, side), rng.uniform(0, side), rng.uniform(10, 80), rng.uniform(20, 300)
        pop += peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    pop = np.round(pop + rng.uniform(0, 2, pop.shape), 0)
    pop[pop < 1] = 1      # every cell populated: side² demand units
    ds = gdal.GetDriverByName("GTiff").Create(os.path.join(d, "pop.tif"), side, side, 1, gdal.GDT_Float32,
                                              options=["TILED=YES", "COMPRESS=DEFLATE"])
    ds.SetGeoTransform((WEST, CELL, 0, NORTH, 0, -CELL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32650)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(pop.astype(np.float32))
    ds = None
    # Shelters placed where people are, capacities of 200–3,000 persons.
    p = (pop / pop.sum()).ravel()
    cells = rng.choice(side * side, size=n_shelters, replace=False, p=p)
    sx = WEST + (cells % side + rng.uniform(0, 1, n_shelters)) * CELL
    sy = NORTH - (cells // side + rng.uniform(0, 1, n_shelters)) * CELL
    cap = np.round(rng.uniform(200, 3000, n_shelters))
    with open(os.path.join(d, "shelters.csv"), "w") as f:
        f.write("id,x,y,capacity\n")
        for k in range(n_shelters):
            f.write(f"s{k},{sx[k]:.2f},{sy[k]:.2f},{cap[k]:.0f}\n")
    return pop


def timed(cmd):
    """Wall seconds and peak resident MB of one process, from launch to exit."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed:\n{p.stderr}")
    return seconds, int(p.stderr.strip().split()[-1]) / 1024, p.stdout


def riskcensus_binary():
    if os.environ.get("RISKCENSUS_BIN"):
        return os.environ["RISKCENSUS_BIN"]
    return subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=os.path.dirname(HERE),
                          capture_output=True, text=True, check=True).stdout.strip() + "/riskcensus"


def run_riskcensus(d):
    shutil.rmtree(os.path.join(d, "rc"), ignore_errors=True)
    seconds, mb, _ = timed([riskcensus_binary(), "coverage", "--demand", os.path.join(d, "pop.tif"), "--supply", os.path.join(d, "shelters.csv"),
                            "--input-crs", "EPSG:32650", "--radius", str(RADIUS), "--accessibility", "2sfca", "--no-cells",
                            "--out", os.path.join(d, "rc")])
    return seconds, mb


def run_python_process(d, use_access):
    """The Python side as its own process (this file with --python-side)."""
    seconds, mb, out = timed([sys.executable, os.path.abspath(__file__), "--python-side", d] + (["--access"] if use_access else []))
    return seconds, mb, json.loads(out)


def run_python(d, use_access=False):
    """The same analyses with scipy (2SFCA by scipy.sparse, or by the access package), reading
    the same files and writing a demand table."""
    t = time.perf_counter()
    ds = gdal.Open(os.path.join(d, "pop.tif"))
    pop = ds.GetRasterBand(1).ReadAsArray().astype(np.float64)
    gt = ds.GetGeoTransform()
    rows, cols = np.nonzero(pop > 0)
    w = pop[rows, cols]
    px = gt[0] + (cols + 0.5) * gt[1]
    py = gt[3] + (rows + 0.5) * gt[5]
    sh = np.genfromtxt(os.path.join(d, "shelters.csv"), delimiter=",", names=True, dtype=None, encoding="utf-8")
    sxy = np.column_stack([sh["x"], sh["y"]])
    cap = sh["capacity"].astype(np.float64)
    tree = cKDTree(sxy)
    dxy = np.column_stack([px, py])
    nearest_cost, nearest = tree.query(dxy)
    pairs = cKDTree(dxy).sparse_distance_matrix(tree, RADIUS, output_type="coo_matrix")
    covered = np.zeros(len(w), bool)
    covered[pairs.row] = True
    # 2SFCA.
    if use_access:
        import access
        import pandas as pd
        a = access.Access(demand_df=pd.DataFrame({"id": np.arange(len(w)), "pop": w}), demand_index="id", demand_value="pop",
                          supply_df=pd.DataFrame({"id": np.arange(len(cap)), "cap": cap}), supply_index="id", supply_value="cap",
                          cost_df=pd.DataFrame({"o": pairs.row, "d": pairs.col, "c": pairs.data}), cost_origin="o", cost_dest="d", cost_name="c")
        access_values = a.two_stage_fca(name="2sfca", max_cost=RADIUS, normalize=False)["2sfca_cap"]
        access_values = access_values.reindex(np.arange(len(w))).fillna(0).to_numpy()
        catch = np.bincount(pairs.col, weights=w[pairs.row], minlength=len(cap))
    else:
        W = sparse.csr_matrix((np.ones_like(pairs.data), (pairs.row, pairs.col)), shape=(len(w), len(cap)))
        catch = W.T @ w
        ratio = np.divide(cap, catch, out=np.zeros_like(cap), where=catch > 0)
        access_values = W @ ratio
    # Capacitated assignment (max served) as a max flow in integer persons.
    n, m = len(w), len(cap)
    src, sink = n + m, n + m + 1
    u = np.concatenate([np.full(n, src), pairs.row, n + np.arange(m)])
    v = np.concatenate([np.arange(n), n + pairs.col, np.full(m, sink)])
    c = np.concatenate([np.round(w).astype(np.int32), np.full(len(pairs.row), 2**30, np.int32), cap.astype(np.int32)])
    g = sparse.csr_matrix((c, (u, v)), shape=(n + m + 2, n + m + 2))
    served = maximum_flow(g, src, sink).flow_value
    with open(os.path.join(d, "py_demand.csv"), "w") as f:
        f.write("id,weight,covered,nearest_id,nearest_cost,access\n")
        for k in range(len(w)):
            f.write(f"r{rows[k]}c{cols[k]},{w[k]:g},{int(covered[k])},s{nearest[k]},{nearest_cost[k]!r},{access_values[k]!r}\n")
    seconds = time.perf_counter() - t
    for name, values in (("nearest_cost", nearest_cost), ("access", access_values), ("covered", covered)):
        np.save(os.path.join(d, f"py_{'access' if use_access else 'scipy'}_{name}.npy"), values)
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, {
        "covered": float(w[covered].sum()), "total": float(w.sum()), "served": float(served),
        "sum_access": float((w * access_values).sum()), "supply_in_reach": float(cap[catch > 0].sum()),
        "by_cell": {"nearest_cost": nearest_cost, "access": access_values, "covered": covered}}


def compare_cells(d, py):
    """Per-cell agreement of riskcensus's demand.csv with the Python results (same cell order:
    row-major populated cells)."""
    names = ("covered", "nearest_cost", "access")
    cols = np.genfromtxt(os.path.join(d, "rc", "demand.csv"), delimiter=",", skip_header=1, usecols=(2, 4, 6), dtype=np.float64)
    out = {}
    for k, name in enumerate(names):
        theirs = py["by_cell"][name].astype(np.float64)
        out[name] = float(np.max(np.abs(cols[:, k] - theirs) / np.maximum(1e-12, np.abs(theirs))))
    return out


def main():
    args = sys.argv[1:]
    if args[:1] == ["--python-side"]:
        seconds, _, py = run_python(args[1], "--access" in args)
        py.pop("by_cell")
        print(json.dumps(dict(py, seconds_after_imports=seconds)))
        return
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 5
    if "--repeat" in args:
        del args[args.index("--repeat"):args.index("--repeat") + 2]
    side = int(args[0]) if args else 1000
    try:
        import access  # noqa: F401
        variants = [False, True]
    except ImportError:
        variants = [False]
    with tempfile.TemporaryDirectory() as d:
        make(d, side, 2000)
        # The sides take turns, so a busy spell of a shared machine falls on both.
        rc_runs, py_runs = [], {v: [] for v in variants}
        for _ in range(repeat):
            rc_runs.append(run_riskcensus(d))
            for v in variants:
                py_runs[v].append(run_python_process(d, v))
        rc = json.load(open(os.path.join(d, "rc", "summary.json")))
        rc_s = min(r[0] for r in rc_runs)
        print(f"coverage benchmark: {side * side:,} demand cells × 2,000 shelters, radius {RADIUS:.0f} m; each side its own process, "
              f"best of {repeat}, runs interleaved")
        print(f"  riskcensus: {rc_s:6.2f} s (median {statistics.median(r[0] for r in rc_runs):.2f}), peak {max(r[1] for r in rc_runs):6.0f} MB  "
              f"coverage {rc['coverage_rate']:.6f}, served {rc['assignment']['served']:,.0f}, "
              f"Σ P·A {rc['accessibility']['sum_demand_times_access']:,.1f} = supply {rc['accessibility']['sum_supply_with_demand']:,.1f}")
        for use_access in variants:
            runs = py_runs[use_access]
            py_s, py_inner = min(r[0] for r in runs), min(r[2]["seconds_after_imports"] for r in runs)
            py = runs[-1][2]
            label = "python (access 2SFCA)" if use_access else "python (scipy.sparse)"
            print(f"  {label}: {py_s:6.2f} s (median {statistics.median(r[0] for r in runs):.2f}; {py_inner:.2f} s after its imports), "
                  f"peak {max(r[1] for r in runs):6.0f} MB  coverage {py['covered'] / py['total']:.6f}, served {py['served']:,.0f} (max flow), "
                  f"Σ P·A {py['sum_access']:,.1f} = supply {py['supply_in_reach']:,.1f}")
            print(f"    speed-up: {py_s / rc_s:.1f}× end to end, process against process (target ≥ 10×); "
                  f"{py_inner / rc_s:.1f}× against Python's time after its imports")
            # The per-cell arrays of this variant's last run.
            tag = "access" if use_access else "scipy"
            py["by_cell"] = {k: np.load(os.path.join(d, f"py_{tag}_{k}.npy")) for k in ("nearest_cost", "access", "covered")}
            agree = abs(rc["coverage_rate"] - py["covered"] / py["total"]) < 1e-9 and abs(rc["assignment"]["served"] - py["served"]) < 1
            cells = compare_cells(d, py)
            print(f"    results agree (coverage rate, served): {agree}; per cell, worst relative difference: "
                  + ", ".join(f"{k} {v:.1e}" for k, v in cells.items()))


if __name__ == "__main__":
    main()
