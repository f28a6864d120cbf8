#!/usr/bin/python3
"""Scale benchmark for census batches: a synthetic province of 300 km × 300 km at 100 m
(3000 × 3000 = 9 million cells, 9 districts) with 3 hazards of 3 return periods each (flood
depth, wind gust, earthquake PGA), population and two building classes; and the same region
4× smaller (150 km × 150 km, 2.25 million cells) at the same tile size. Each runs with
`riskcensus run --fresh` and reports wall time, cells/s, peak resident memory (from
/usr/bin/time) and the run's own memory estimate; the peak memory of the two may differ by at
most 25 %.

Run with Debian's Python (python3-gdal, numpy):
    /usr/bin/python3 benchmarks/batch_scale.py [WORKDIR] [--threads N]
WORKDIR (default: a temporary folder) keeps the generated inputs for re-runs."""
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
WEST, NORTH, CELL = 200_000.0, 3_700_000.0, 100.0
RETURN_PERIODS = (10, 100, 1000)


def write_tif(path, array, srs):
    ds = gdal.GetDriverByName("GTiff").Create(path, array.shape[1], array.shape[0], 1, gdal.GDT_Float32,
                                              options=["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3", "BIGTIFF=IF_SAFER"])
    ds.SetGeoTransform((WEST, CELL, 0, NORTH, 0, -CELL))
    ds.SetProjection(srs)
    ds.GetRasterBand(1).WriteArray(array.astype(np.float32))
    ds = None


def generate(d, km):
    """Inputs for a km × km region, written block by block of rows to keep the generator small."""
    n = int(km * 1000 / CELL)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32650)
    wkt = srs.ExportToWkt()
    os.makedirs(d, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(11))
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n   # 0…1 across the region
    # Population: towns of Gaussian density over a rural floor.
    pop = np.full((n, n), 2.0, np.float32)
    for _ in range(30):
        cx, cy, r, peak = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.005, 0.03), rng.uniform(200, 3000)
        pop += peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    write_tif(f"{d}/population.tif", pop, wkt)
    write_tif(f"{d}/floor_area.tif", pop * 30, wkt)          # m² of floor per cell
    ripple = 0.5 + 0.5 * np.sin(xx * 40) * np.cos(yy * 35)
    for rp in RETURN_PERIODS:
        s = np.log10(rp)
        write_tif(f"{d}/flood_rp{rp}.tif", np.clip((1 - yy) * s * 1.5 * ripple - 0.3, 0, None), wkt)
        write_tif(f"{d}/wind_rp{rp}.tif", 20 + 8 * s * (0.6 + 0.4 * xx), wkt)
        write_tif(f"{d}/pga_rp{rp}.tif", 0.05 * s * (0.5 + ripple), wkt)
    del pop, ripple, xx, yy
    # Nine districts in a 3 × 3 layout.
    size = n * CELL
    feats = []
    for i in range(3):
        for j in range(3):
            x0, x1 = WEST + size * j / 3, WEST + size * (j + 1) / 3
            y1, y0 = NORTH - size * i / 3, NORTH - size * (i + 1) / 3
            ring = f"[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]"
            feats.append(f'{{"type":"Feature","properties":{{"name":"D{3 * i + j + 1}"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}')
    with open(f"{d}/districts.geojson", "w") as f:
        f.write('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32650"}},"features":['
                + ",".join(feats) + "]}")
    with open(f"{d}/flood.csv", "w") as f:
        f.write("class,depth_m,damage_ratio\n" + "".join(f"{c},{x},{y}\n" for c in ("rc", "brick")
                for x, y in ((0, 0), (0.5, 0.2), (1, 0.35), (2, 0.55), (4, 0.8), (6, 1.0))))
    with open(f"{d}/wind.csv", "w") as f:
        f.write("class,gust_ms,damage_ratio\n" + "".join(f"{c},{x},{y}\n" for c in ("rc", "brick")
                for x, y in ((0, 0), (25, 0), (35, 0.05), (45, 0.2), (60, 0.6))))
    with open(f"{d}/quake.csv", "w") as f:
        f.write("class,pga_g,loss_ratio\n" + "".join(f"{c},{x},{y}\n" for c in ("rc", "brick")
                for x, y in ((0, 0), (0.05, 0), (0.1, 0.02), (0.2, 0.1), (0.4, 0.35), (0.8, 0.8))))
    def hazard(hid, units, stem, curve, x):
        rps = "\n".join(f"      - {{years: {rp}, path: {stem}_rp{rp}.tif}}" for rp in RETURN_PERIODS)
        return (f"  - id: {hid}\n    units: {units}\n    resampling: average\n    return_periods:\n{rps}\n"
                f"    vulnerability: {{csv: {curve}, class_column: class, x_column: {x}, y_column: {'loss_ratio' if hid == 'earthquake' else 'damage_ratio'}}}\n")
    manifest = f"""name: synthetic-{km}km
currency: CNY
region: {{layer: districts.geojson, name_field: name}}
grid: {{crs: "EPSG:32650", cell_size: 100, tile_size: 512}}
hazards:
{hazard("flood", "m", "flood", "flood.csv", "depth_m")}{hazard("wind", "m/s", "wind", "wind.csv", "gust_ms")}{hazard("earthquake", "g", "pga", "quake.csv", "pga_g")}exposure:
  population: {{path: population.tif, resampling: sum}}
  buildings:
    raster: {{path: floor_area.tif, resampling: sum}}
    classes:
      - {{name: rc, band: 1, cost_per_m2: 3000}}
classification: {{method: natural_breaks}}
outputs: {{cells: false}}
"""
    with open(f"{d}/census.yaml", "w") as f:
        f.write(manifest)
    return f"{d}/census.yaml", n * n


def run(binary, manifest, out, threads):
    est = subprocess.run([binary, "validate", manifest, "--threads", str(threads)], capture_output=True, text=True, check=True).stdout
    estimate = float(re.search(r"estimate:\s+(\d+) MiB", est).group(1))
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "run", manifest, "--out", out, "--fresh", "--quiet",
                        "--threads", str(threads)], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(p.stderr)
    return seconds, int(p.stderr.strip().split()[-1]) / 1024, estimate


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else os.cpu_count()
    if "--threads" in sys.argv:
        args.remove(str(threads))
    work = args[0] if args else tempfile.mkdtemp(prefix="riskcensus-scale-")
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=os.path.dirname(HERE),
                            capture_output=True, text=True, check=True).stdout.strip() + "/riskcensus"
    results = []
    for km in (300, 150):
        d = os.path.join(work, f"region{km}")
        if not os.path.exists(f"{d}/census.yaml"):
            t = time.perf_counter()
            generate(d, km)
            print(f"generated {km} km × {km} km inputs in {time.perf_counter() - t:.0f} s", flush=True)
        cells = int(km * 1000 / CELL) ** 2
        seconds, peak, estimate = run(binary, f"{d}/census.yaml", f"{d}/out", threads)
        results.append((km, cells, seconds, peak, estimate))
        print(f"{km} km × {km} km: {cells:,} cells, 9 hazard layers, {threads} threads: {seconds:.1f} s, "
              f"{cells / seconds:,.0f} cells/s, peak {peak:.0f} MiB (estimate {estimate:.0f} MiB)", flush=True)
    big, small = results[0][3], results[1][3]
    print(f"peak memory, 9 M cells over 2.25 M cells: {big / small:.2f} (limit 1.25)")


if __name__ == "__main__":
    main()
