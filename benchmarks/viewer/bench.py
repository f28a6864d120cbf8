#!/usr/bin/python3
"""How fast the census viewer (index.html, written by `riskcensus render`) opens in headless
Chromium, for Changzhou at 100 m cells and for the 9 M-cell synthetic province of
benchmarks/census/, against the floor measured in the same run: the same Leaflet page with no
layers, opened the same way.

    /usr/bin/python3 benchmarks/viewer/bench.py [--repeat 5] [--km 300]

Each case runs `riskcensus run` and `riskcensus render` (release build, or RISKCENSUS_BIN) into a
scratch folder, then opens the page --repeat times in a fresh headless Chromium (real time, no
virtual time budget) and reads what the page reports in #rc-status: `data-ready-ms` (layers
added) and `data-tiles-ms` (every level tile in view loaded), both in ms since navigation
start, and `data-errors`. The figure is the median of `data-tiles-ms`, the page drawn. Target:
under 3 s for both cases."""
import argparse
import html
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "census"))
import bench as census_bench  # noqa: E402
from province_spec import MANIFEST  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1200,900"]

FLOOR_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="leaflet/leaflet.css">
<style>html,body{height:100%;margin:0}#map{position:absolute;top:40px;bottom:0;left:0;right:0}</style></head>
<body><div id="map"></div><div id="rc-status" data-ready="0" hidden></div><script src="leaflet/leaflet.js"></script>
<script>var map = L.map('map').setView([31.7, 119.9], 9); var s = document.getElementById('rc-status');
s.setAttribute('data-ready-ms', String(Math.round(performance.now()))); s.setAttribute('data-tiles-ms', s.getAttribute('data-ready-ms'));
s.setAttribute('data-ready', '1');</script></body></html>"""


def status(page):
    """Opens the page once; returns (wall s, ready ms, tiles ms, errors, tiles loaded)."""
    t0 = time.time()
    out = subprocess.run([CHROMIUM] + FLAGS + ["--dump-dom", "file://" + page], capture_output=True, text=True, timeout=120).stdout
    wall = time.time() - t0
    tag = re.search(r'<div id="rc-status"[^>]*>', out)
    if not tag:
        sys.exit(f"bench-viewer: {page} reported no #rc-status")
    attrs = {k: html.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', tag.group(0))}
    return (wall, float(attrs.get("data-ready-ms", "nan")), float(attrs.get("data-tiles-ms", "nan")),
            int(attrs.get("data-errors", "0")), int(attrs.get("data-tiles", "0")))


def measure(folder, repeat):
    page = os.path.join(folder, "index.html")
    floor = os.path.join(folder, "floor.html")
    with open(floor, "w") as f:
        f.write(FLOOR_PAGE)
    status(page)   # the first open reads the files from disk; the rounds that count do not
    rows = {"viewer": [], "floor": []}
    for _ in range(repeat):
        rows["viewer"].append(status(page))
        rows["floor"].append(status(floor))
    os.unlink(floor)
    return rows


def run_case(name, binary, manifest, out, repeat):
    t0 = time.time()
    subprocess.run([binary, "run", manifest, "--out", out, "--quiet"], check=True)
    t_run = time.time() - t0
    t0 = time.time()
    subprocess.run([binary, "render", out], check=True, capture_output=True)
    t_render = time.time() - t0
    rows = measure(out, repeat)
    data_js = os.path.getsize(os.path.join(out, "viewer-data.js"))
    tiles = sum(len([f for f in files if f.endswith(".png")]) for _, _, files in os.walk(os.path.join(out, "viewer")))
    omitted = re.findall(r'omitted\.push\(\{"name": "([^"]+)"', open(os.path.join(out, "viewer-data.js")).read())
    v, f = rows["viewer"], rows["floor"]
    drawn = statistics.median(r[2] for r in v)
    print(f"\n{name}: run {t_run:.1f} s, render {t_render:.1f} s; viewer-data.js {data_js / 1e6:.2f} MB, {tiles} level tiles; "
          f"left out of the page: {', '.join(omitted) or 'nothing'}")
    print(f"  viewer: layers added {statistics.median(r[1] for r in v):.0f} ms, drawn (tiles in view loaded) {drawn:.0f} ms, "
          f"Chromium process {statistics.median(r[0] for r in v):.2f} s, errors {max(r[3] for r in v)}, tiles loaded {v[0][4]}")
    print(f"  floor (Leaflet, no layers): ready {statistics.median(r[1] for r in f):.0f} ms, Chromium process {statistics.median(r[0] for r in f):.2f} s")
    print(f"  target: drawn under 3000 ms: {'met' if drawn < 3000 and max(r[3] for r in v) == 0 else 'NOT met'}")
    return drawn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--km", type=int, default=300)
    a = ap.parse_args()
    binary = census_bench.engine_binary()
    scratch = tempfile.mkdtemp(prefix="riskcensus-bench-viewer.", dir="/var/tmp")
    try:
        shutil.copytree(os.path.join(ROOT, "datasets", "changzhou"), os.path.join(scratch, "changzhou"))
        text = open(os.path.join(scratch, "changzhou", "census.yaml")).read()
        text, n = re.subn(r"^(\s*cell_size:\s*)\d+", r"\g<1>100", text, flags=re.M)
        assert n == 1, "cell_size not found in datasets/changzhou/census.yaml"
        manifest = os.path.join(scratch, "changzhou", "census-100m.yaml")
        open(manifest, "w").write(text)
        print(f"riskcensus {binary}; Chromium {CHROMIUM}; median of {a.repeat} opens each")
        run_case("Changzhou, 100 m cells", binary, manifest, os.path.join(scratch, "out-changzhou"), a.repeat)
        folder = census_bench.province(a.km)
        run_case(f"Province {a.km} km × {a.km} km, 100 m cells", binary, os.path.join(folder, MANIFEST),
                 os.path.join(scratch, "out-province"), a.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
