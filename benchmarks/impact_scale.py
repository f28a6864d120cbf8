#!/usr/bin/python3
"""Scale benchmark for `riskcensus impact`: 1,000,000 exposure points × 1,000 events on sparse
storm footprints (each event touches a few per cent of an 800 × 800 grid of 0.01°). Reports wall
time and peak memory, and, when CLIMADA_PYTHON names a Python with CLIMADA 6.1, runs CLIMADA on a
smaller instance in the same run for a per-(exposure × event) comparison.

Run with Debian's Python (it needs python3-gdal): /usr/bin/python3 benchmarks/impact_scale.py [N_EXP N_EVENTS]"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal, osr

HERE = os.path.dirname(os.path.abspath(__file__))
gdal.UseExceptions()


def make(d, n_exp, n_events, seed=11):
    rng = np.random.Generator(np.random.PCG64(seed))
    w = h = 800
    cell, west, north = 0.01, 119.0, 32.0
    ds = gdal.GetDriverByName("GTiff").Create(os.path.join(d, "hazard.tif"), w, h, n_events, gdal.GDT_Float32,
                                              options=["TILED=YES", "COMPRESS=DEFLATE", "INTERLEAVE=BAND", "BIGTIFF=YES"])
    ds.SetGeoTransform((west, cell, 0, north, 0, -cell))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for e in range(n_events):
        cx, cy, r, peak = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(20, 80), rng.uniform(25, 80)
        field = peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
        field[field < 20] = 0
        ds.GetRasterBand(e + 1).WriteArray(field)
    ds = None
    with open(os.path.join(d, "events.csv"), "w") as f:
        f.write("event_id,frequency\n")
        f.writelines(f"{e + 1},{rng.uniform(0.0005, 0.01):.6f}\n" for e in range(n_events))
    with open(os.path.join(d, "impf.csv"), "w") as f:
        f.write("id,intensity,mdd,paa\n1,0,0,0\n1,20,0,0.1\n1,40,0.2,0.6\n1,60,0.6,1\n1,90,1,1\n")
    lon = rng.uniform(west, west + w * cell, n_exp)
    lat = rng.uniform(north - h * cell, north, n_exp)
    value = np.round(rng.uniform(1e4, 1e6, n_exp), 2)
    with open(os.path.join(d, "exposures.csv"), "w") as f:
        f.write("id,lon,lat,value,impf\n")
        # Nine decimals, so no point falls exactly on a cell edge, where RiskCensus takes the cell that
        # starts there (half-open cells) and CLIMADA's rounding to the nearest centre may take the other.
        f.writelines(f"{j},{lon[j]:.9f},{lat[j]:.9f},{value[j]},1\n" for j in range(n_exp))


def run_riskcensus(binary, d, threads):
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-v", binary, "impact", "--exposures", f"{d}/exposures.csv", "--hazard", f"{d}/hazard.tif",
                        "--events", f"{d}/events.csv", "--impact-functions", f"{d}/impf.csv", "--out", f"{d}/rc",
                        "--threads", str(threads)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(p.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) * 1024
    return time.time() - t0, rss, json.load(open(f"{d}/rc/summary.json"))["aai_agg"]


def main():
    n_exp = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    binary = os.environ.get("RISKCENSUS_BIN", os.path.join(HERE, "..", ".build", "release", "riskcensus"))
    rows = []
    with tempfile.TemporaryDirectory() as d:
        t0 = time.time()
        make(d, n_exp, n_events)
        gen = time.time() - t0
        secs, rss, aai = run_riskcensus(binary, d, os.cpu_count())
        rows.append(("riskcensus", n_exp, n_events, secs, rss, aai))
        climada = os.environ.get("CLIMADA_PYTHON")
        if climada and (n_exp, n_events) != (20_000, 100):
            small_exp, small_events = 20_000, 100
            with tempfile.TemporaryDirectory() as s:
                make(s, small_exp, small_events)
                secs_rc, rss_rc, aai_rc = run_riskcensus(binary, s, os.cpu_count())
                rows.append(("riskcensus", small_exp, small_events, secs_rc, rss_rc, aai_rc))
                code = (f"import sys,time,json; sys.path.insert(0,{os.path.join(HERE, 'peers')!r}); import impact_vs_climada as m; "
                        f"t=time.time(); m.N_EVENTS={small_events}; m.run_climada({s!r}); print(time.time()-t)")
                p = subprocess.run(["/usr/bin/time", "-v", climada, "-c", code], capture_output=True, text=True)
                if p.returncode == 0:
                    secs_c = float(p.stdout.strip().splitlines()[-1])
                    rss_c = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) * 1024
                    aai_c = json.load(open(f"{s}/climada.json"))["aai_agg"]
                    rows.append(("CLIMADA 6.1", small_exp, small_events, secs_c, rss_c, aai_c))
                else:
                    print("CLIMADA run failed:", p.stderr[-500:], file=sys.stderr)
    print(f"input generation {gen:.1f} s")
    print(f"{'engine':<12} {'exposures':>10} {'events':>7} {'seconds':>8} {'peak MB':>8} {'ns per exp×event':>17} {'aai_agg':>16}")
    for name, ne, nv, secs, rss, aai in rows:
        print(f"{name:<12} {ne:>10,} {nv:>7,} {secs:>8.1f} {rss / 2**20:>8.0f} {secs / (ne * nv) * 1e9:>17.2f} {aai:>16.2f}")


if __name__ == "__main__":
    main()
