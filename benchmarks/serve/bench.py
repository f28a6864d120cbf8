#!/usr/bin/python3
"""The service under load: `riskcensus serve` (release build) with a finished Changzhou census at
100 m cells, loaded by wrk on loopback (64 connections, 2 threads, 30 s per endpoint):

  1. GET /collections/<job>-cells/items?bbox=…&limit=100 over random 2 km boxes inside the grid;
  2. POST /processes/risk-at-point/execution over random points inside the grid;
  3. the point queries again while two census jobs run.

Printed per phase: requests, requests/s, p50/p90/p99 latency, non-2xx responses and socket
errors; and the service's resident memory after its first 1,000 requests and after all of them.
Targets (issue 19): cells p99 < 50 ms, points p99 < 10 ms, points p99 < 50 ms while two censuses
run, no errors, memory after 100,000 requests within 10 % of its value after the first 1,000.
Usage: /usr/bin/python3 benchmarks/serve/bench.py BINARY [--seconds 30]
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def http(url, body=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"} if body is not None else {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, json.loads(r.read())


def wait(url, job, limit=900):
    t0 = time.time()
    while time.time() - t0 < limit:
        _, s = http(f"{url}/jobs/{job}")
        if s["status"] in ("successful", "failed", "dismissed"):
            return s
        time.sleep(0.5)
    sys.exit(f"bench-serve: job {job} unfinished after {limit} s")


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def lua_boxes(path, job, extent, seed):
    """A wrk script: GET cells in a random 2 km box inside the grid."""
    x0, y0, x1, y1 = extent
    lat = (y0 + y1) / 2
    dx, dy = 2000 / (111320 * math.cos(math.radians(lat))), 2000 / 110540
    open(path, "w").write(f"""
math.randomseed({seed})
request = function()
  local x = {x0} + math.random() * ({x1 - x0} - {dx})
  local y = {y0} + math.random() * ({y1 - y0} - {dy})
  return wrk.format("GET", string.format("/collections/{job}-cells/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=100", x, y, x + {dx}, y + {dy}))
end
""")


def lua_points(path, job, extent, seed):
    """A wrk script: POST risk-at-point at a random point inside the grid."""
    x0, y0, x1, y1 = extent
    open(path, "w").write(f"""
math.randomseed({seed})
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local x = {x0} + math.random() * {x1 - x0}
  local y = {y0} + math.random() * {y1 - y0}
  return wrk.format(nil, "/processes/risk-at-point/execution", nil,
    string.format('{{"inputs":{{"job":"{job}","lon":%.6f,"lat":%.6f}}}}', x, y))
end
""")


def run_wrk(url, script, seconds):
    out = subprocess.run(["wrk", "-t", "2", "-c", "64", "-d", f"{seconds}s", "--latency", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": requests, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency(50), "p90": latency(90), "p99": latency(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": sum(map(int, sock.groups())) if sock else 0}


def show(name, r, target):
    ok = "met" if r["p99"] < target and r["non2xx"] == 0 and r["socket_errors"] == 0 else "NOT MET"
    print(f"{name:34s} {r['requests']:8d} req  {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p90 {r['p90']:6.2f} ms  "
          f"p99 {r['p99']:6.2f} ms  non-2xx {r['non2xx']}  socket errors {r['socket_errors']}  (p99 < {target} ms: {ok})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--seconds", type=int, default=30)
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="riskcensus-bench-serve.", dir="/var/tmp")
    proc = None
    try:
        shutil.copytree(os.path.join(REPO, "datasets", "changzhou"), os.path.join(root, "changzhou"))
        text = open(os.path.join(root, "changzhou", "census.yaml")).read()
        text, n = re.subn(r"^(\s*cell_size:\s*)\d+", r"\g<1>100", text, flags=re.M)
        assert n == 1, "cell_size not found in datasets/changzhou/census.yaml"
        open(os.path.join(root, "changzhou", "census-100m.yaml"), "w").write(text)
        proc = subprocess.Popen([a.binary, "serve", "--data", root, "--port", "0", "--max-jobs", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        url = proc.stdout.readline().decode().split("listening on ")[1].strip()
        t0 = time.time()
        _, s = http(f"{url}/processes/census/execution", {"inputs": {"manifest": "changzhou/census-100m.yaml"}})
        done = wait(url, s["jobID"])
        if done["status"] != "successful":
            sys.exit(f"bench-serve: the census failed: {done['message']}")
        job = s["jobID"]
        print(f"riskcensus serve {a.binary}; Changzhou at 100 m cells finished as job {job} in {time.time() - t0:.1f} s")
        _, coll = http(f"{url}/collections/{job}-cells")
        extent = coll["extent"]["spatial"]["bbox"][0]
        # The first 1,000 requests, from 16 clients at once as under load (each concurrent query
        # opens its own set of raster handles, whose block caches then stay warm).
        rng = random.Random(7)
        def one(k):
            x = extent[0] + rng.random() * (extent[2] - extent[0] - 0.02)
            y = extent[1] + rng.random() * (extent[3] - extent[1] - 0.02)
            if k % 2:
                http(f"{url}/processes/risk-at-point/execution", {"inputs": {"job": job, "lon": x, "lat": y}})
            else:
                http(f"{url}/collections/{job}-cells/items?bbox={x},{y},{x + 0.02},{y + 0.02}&limit=100")
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(one, range(1000)))
        first = rss(proc.pid)
        boxes, points = os.path.join(root, "boxes.lua"), os.path.join(root, "points.lua")
        lua_boxes(boxes, job, extent, 1)
        lua_points(points, job, extent, 2)
        cells = run_wrk(url, boxes, a.seconds)
        show("cells items, random 2 km boxes", cells, 50)
        pts = run_wrk(url, points, a.seconds)
        show("risk-at-point, random points", pts, 10)
        total = 1000 + cells["requests"] + pts["requests"]
        after = rss(proc.pid)
        # Two censuses run (fresh output folders) while the points are queried.
        busy = [http(f"{url}/processes/census/execution", {"inputs": {"manifest": "changzhou/census-100m.yaml"}})[1]["jobID"] for _ in range(2)]
        time.sleep(1.0)
        loaded = run_wrk(url, points, min(a.seconds, 20))
        states = [http(f"{url}/jobs/{j}")[1]["status"] for j in busy]
        show("risk-at-point, two censuses running", loaded, 50)
        print(f"  (the two census jobs were {', '.join(states)} when the load ended)")
        growth = (after - first) / first * 100
        print(f"resident memory: {first / 2**20:.0f} MiB after the first 1,000 requests, {after / 2**20:.0f} MiB after {total:,} "
              f"({growth:+.1f} %; target within 10 %: {'met' if abs(growth) <= 10 and total >= 100_000 else 'NOT MET'})")
        for j in busy:
            wait(url, j)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
