#!/usr/bin/python3
"""make test-service: `riskcensus serve` on a free loopback port, driven by real clients.

Checks, each a failure when it does not hold:
  1. the landing page, conformance and the OpenAPI document;
  2. a census job (Olinda, by path) submitted with Prefer: respond-async, polled to successful,
     its results listed and a file read back;
  3. GDAL's OAPIF driver lists the job's collections, and ogr2ogr downloads its districts
     identical (fields, values, geometries) to the run's districts.geojson;
  4. cells by bbox with limit and next links; one feature by id; risk-at-point at a cell's
     centre gives that cell's level and index, and eal_<hazard> per hazard;
  5. a census given inline as a JSON object (paths relative to the data root) succeeds;
  6. a running job (Changzhou) is dismissed midway, and the service keeps answering;
  7. bad requests get problem documents: an unknown process (404), malformed JSON, a path
     outside the root, an unknown input, a bad manifest with the CLI's own message (400), and
     an oversized body (413);
  8. a restart keeps the finished jobs and their collections, and a job the stopped service
     was running is started again and finishes;
  9. with SCHEMATHESIS given, schemathesis checks every operation of GET /api against the running
     service (no server error, documented status codes, content types and schemas).
Usage: Tests/Service/test_service.py BINARY [SCHEMATHESIS]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from osgeo import ogr

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = sys.argv[1] if len(sys.argv) > 1 else sys.exit("usage: test_service.py BINARY [SCHEMATHESIS]")
SCHEMATHESIS = sys.argv[2] if len(sys.argv) > 2 else None
ogr.UseExceptions()


def fail(msg):
    sys.exit(f"test-service: FAIL: {msg}")


class Service:
    """`riskcensus serve` on a free port; its stdout says which."""

    def __init__(self, root):
        self.root = root
        self.log = open(os.path.join(root, "serve.log"), "ab")
        self.proc = subprocess.Popen([BIN, "serve", "--data", root, "--port", "0", "--workers", "2", "--max-jobs", "2"],
                                     stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if "listening on" not in line:
            fail(f"serve did not start: {line!r}")
        self.url = line.split("listening on ")[1].strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("serve did not stop on SIGTERM within 30 s")

    def request(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(path if path.startswith("http") else self.url + path, data=data, method=method,
                                     headers=dict({"Content-Type": "application/json"} if data else {}, **(headers or {})))
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path):
        status, headers, body = self.request("GET", path)
        if status != 200:
            fail(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)

    def submit(self, process, inputs, expect=201):
        status, headers, body = self.request("POST", f"/processes/{process}/execution", {"inputs": inputs},
                                             {"Prefer": "respond-async"})
        if status != expect:
            fail(f"POST {process}: {status} (expected {expect}) {body[:400]!r}")
        return headers, json.loads(body)

    def wait(self, job, states=("successful", "failed", "dismissed"), limit=600):
        t0 = time.time()
        while time.time() - t0 < limit:
            s = self.get(f"/jobs/{job}")
            if s["status"] in states:
                return s
            time.sleep(0.5)
        fail(f"job {job} not {states} after {limit} s: {s}")


def problem(svc, method, path, status, body=None, raw=None, input_name=None, contains=None):
    got, headers, text = svc.request(method, path, body, raw=raw)
    if got != status:
        fail(f"{method} {path}: {got}, expected {status}: {text[:300]!r}")
    if not headers.get("Content-Type", "").startswith("application/problem+json"):
        fail(f"{method} {path}: content type {headers.get('Content-Type')}, expected application/problem+json")
    doc = json.loads(text)
    for key in ("type", "title", "status", "detail"):
        if key not in doc:
            fail(f"{method} {path}: problem without {key}: {doc}")
    if input_name and doc.get("input") != input_name:
        fail(f"{method} {path}: problem names input {doc.get('input')!r}, expected {input_name!r}: {doc}")
    if contains and contains not in doc["detail"]:
        fail(f"{method} {path}: detail {doc['detail']!r} lacks {contains!r}")
    return doc


def same_features(a_path, b_path):
    """Fields, values and geometries of two vector files, feature by feature."""
    A, B = ogr.Open(a_path), ogr.Open(b_path)
    a, b = A.GetLayer(0), B.GetLayer(0)
    fa, fb = list(a), list(b)
    if len(fa) != len(fb) or not fa:
        fail(f"{a_path}: {len(fa)} features, {b_path}: {len(fb)}")
    for x, y in zip(fa, fb):
        if x.items() != y.items():
            fail(f"feature differs: {x.items()} vs {y.items()}")
        if not x.GetGeometryRef().Equals(y.GetGeometryRef()):
            fail(f"geometry of {y.items().get('name')} differs")
    return len(fa)


def inline_manifest(manifest, folder, root):
    """The manifest with every string that names a file of `folder` made relative to the root."""
    def walk(v):
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str) and os.path.exists(os.path.join(root, folder, v)):
            return folder + "/" + v
        return v
    return walk(manifest)


def main():
    root = tempfile.mkdtemp(prefix="riskcensus-service-test.")
    try:
        for name in ("olinda", "changzhou"):
            shutil.copytree(os.path.join(REPO, "datasets", name), os.path.join(root, name))
        svc = Service(root)

        # 1. Landing page, conformance, OpenAPI.
        landing = svc.get("/")
        rels = {l["rel"] for l in landing["links"]}
        for rel in ("service-desc", "conformance", "data", "http://www.opengis.net/def/rel/ogc/1.0/processes"):
            if rel not in rels:
                fail(f"landing page lacks a {rel} link: {rels}")
        conf = svc.get("/conformance")["conformsTo"]
        for c in ("ogcapi-features-1/1.0/conf/core", "ogcapi-processes-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson"):
            if not any(c in x for x in conf):
                fail(f"conformance lacks {c}")
        api = svc.get("/api")
        if not api.get("openapi", "").startswith("3.") or "/collections/{collectionId}/items" not in api["paths"]:
            fail("the OpenAPI document lacks its version or the items path")
        ids = {p["id"] for p in svc.get("/processes")["processes"]}
        if not {"census", "coverage", "impact", "damage", "losses", "risk-at-point"} <= ids:
            fail(f"processes: {ids}")
        census_inputs = svc.get("/processes/census")["inputs"]
        if "manifest" not in census_inputs or "threads" not in census_inputs:
            fail(f"census inputs: {list(census_inputs)}")

        # 2. A census by path, asynchronously.
        headers, status = svc.submit("census", {"manifest": "olinda/census.yaml"})
        job = status["jobID"]
        if not headers.get("Location", "").endswith("/jobs/" + job):
            fail(f"Location header {headers.get('Location')!r}")
        done = svc.wait(job)
        if done["status"] != "successful":
            fail(f"olinda job: {done}")
        results = svc.get(f"/jobs/{job}/results")
        if "provenance.json" not in results:
            fail(f"results: {sorted(results)[:20]}")
        prov = json.loads(svc.request("GET", results["provenance.json"]["href"])[2])
        # Olinda's units are tracts within neighbourhoods: its districts are the coarsest level.
        districts_file = "districts.geojson" if "districts.geojson" in results else prov["units"][-1]["geojson"]
        if districts_file not in results:
            fail(f"results lack {districts_file}: {sorted(results)[:20]}")
        if prov["engine"]["name"] != "riskcensus":
            fail("provenance.json read back through its link is not the run's")
        print(f"test-service: census job {job} successful, {len(results)} result files")

        # 3. GDAL's OAPIF driver.
        listing = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{svc.url}"], capture_output=True, text=True)
        for suffix in ("-districts", "-zones", "-cells"):
            if f"{job}{suffix}" not in listing.stdout:
                fail(f"ogrinfo OAPIF does not list {job}{suffix}: {listing.stdout[-800:]} {listing.stderr[-400:]}")
        fetched = os.path.join(root, "fetched-districts.geojson")
        r = subprocess.run(["ogr2ogr", "-f", "GeoJSON", fetched, f"OAPIF:{svc.url}", f"{job}-districts"], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"ogr2ogr: {r.stderr[-600:]}")
        n = same_features(fetched, os.path.join(root, "jobs", job, "out", districts_file))
        print(f"test-service: OAPIF lists the collections; ogr2ogr's {n} districts equal {districts_file}")

        # 4. Cells by bbox and pages; one feature; risk at a point.
        coll = svc.get(f"/collections/{job}-cells")
        x0, y0, x1, y1 = coll["extent"]["spatial"]["bbox"][0]
        box = f"{x0},{y0},{x1},{y1}"
        page = svc.get(f"/collections/{job}-cells/items?bbox={box}&limit=5")
        if page["numberReturned"] != 5 or len(page["features"]) != 5:
            fail(f"first page: {page['numberReturned']} features")
        nxt = [l["href"] for l in page["links"] if l["rel"] == "next"]
        if not nxt:
            fail("no next link on a full page")
        page2 = svc.get(nxt[0])
        first = [f["id"] for f in page["features"]]
        second = [f["id"] for f in page2["features"]]
        if set(first) & set(second) or not second:
            fail(f"pages overlap or the second is empty: {first} {second}")
        cell = page["features"][2]
        one = svc.get(f"/collections/{job}-cells/items/{cell['id']}")
        if one["properties"] != cell["properties"] or one["geometry"] != cell["geometry"]:
            fail("the feature by id differs from the one in the page")
        # risk-at-point at cell centres until one lies in a unit (rural cells lie in none).
        answer = None
        for cell in svc.get(f"/collections/{job}-cells/items?limit=2000")["features"][::20]:
            ring = cell["geometry"]["coordinates"][0][:4]
            lon, lat = sum(p[0] for p in ring) / 4, sum(p[1] for p in ring) / 4
            status_code, _, text = svc.request("POST", "/processes/risk-at-point/execution", {"inputs": {"job": job, "lon": lon, "lat": lat}})
            if status_code != 200:
                fail(f"risk-at-point: {status_code} {text[:300]!r}")
            answer = json.loads(text)
            if answer["level"] != cell["properties"]["level"] or answer["risk_index"] != cell["properties"]["risk_index"]:
                fail(f"risk-at-point {answer} differs from the cell {cell['properties']}")
            if answer["unit"] is not None:
                break
        if answer is None or answer["unit"] is None:
            fail("no risk-at-point answer named a unit")
        hazards = [h["id"] for h in prov["parameters"]["hazards"] if h.get("levels") is None]
        for h in hazards:
            if not any(k.endswith("_" + h) and (k.startswith("eal_") or k.startswith("scenario_loss_")) for k in answer):
                fail(f"risk-at-point lacks the loss of hazard {h}: {sorted(answer)}")
        if "unit" not in answer:
            fail("risk-at-point lacks the unit")
        # coverage-of-area over the whole grid: the census's totals.
        area = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
        st, _, text = svc.request("POST", "/processes/coverage-of-area/execution", {"inputs": {"job": job, "area": area}})
        if st != 200:
            fail(f"coverage-of-area: {st} {text[:300]!r}")
        cov = json.loads(text)
        units_eal = sum(f["properties"]["eal"] for f in json.load(open(os.path.join(root, "jobs", job, "out", districts_file)))["features"])
        summary = json.load(open(os.path.join(root, "jobs", job, "out", "coverage", "summary.json")))
        if abs(cov["eal"] - units_eal) > 1e-6 * units_eal:
            fail(f"coverage-of-area EAL {cov['eal']} is not the units' total {units_eal}")
        if cov["shelters"] != summary["n_supply"] or abs(cov["shelter_capacity"] - summary["total_capacity"]) > 1e-6:
            fail(f"coverage-of-area shelters {cov['shelters']}/{cov['shelter_capacity']} vs {summary['n_supply']}/{summary['total_capacity']}")
        if not cov["residents"] >= cov["residents_covered"] >= cov["residents_served"] > 0:
            fail(f"coverage-of-area residents {cov['residents']} ≥ covered {cov['residents_covered']} ≥ served {cov['residents_served']} does not hold")
        if abs(cov["residents"] / summary["total_demand"] - 1) > 0.01:
            fail(f"coverage-of-area residents {cov['residents']} vs the coverage's demand {summary['total_demand']}")
        bowtie = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
        problem(svc, "POST", "/processes/coverage-of-area/execution", 400, body={"inputs": {"job": job, "area": bowtie}}, input_name="area")
        print(f"test-service: coverage-of-area over the grid: EAL {cov['eal']:.0f} = the units' total, "
              f"{cov['residents']:.0f} residents, {cov['residents_served']:.0f} served, {cov['shelters']} shelters")
        print(f"test-service: cells paged by bbox; risk-at-point = the cell's level {answer['level']} in {answer['unit']}")

        # 5. A census given inline.
        manifest = inline_manifest(prov["manifest"], "olinda", root)
        _, status = svc.submit("census", {"manifest": manifest})
        inline = svc.wait(status["jobID"])
        if inline["status"] != "successful":
            fail(f"inline census: {inline}")

        # 6. Dismiss a running job; the service keeps working.
        _, status = svc.submit("census", {"manifest": "changzhou/census.yaml"})
        running = status["jobID"]
        svc.wait(running, states=("running",), limit=60)
        time.sleep(1.0)
        st, _, text = svc.request("DELETE", f"/jobs/{running}")
        if st != 200 or json.loads(text)["status"] != "dismissed":
            fail(f"DELETE: {st} {text[:300]!r}")
        gone = svc.wait(running, states=("dismissed",), limit=30)
        t0 = time.time()
        while os.path.exists(os.path.join(root, "jobs", running, "out")) and time.time() - t0 < 30:
            time.sleep(0.2)
        if os.path.exists(os.path.join(root, "jobs", running, "out")):
            fail("the dismissed job's results are still there")
        svc.get("/collections")
        st, _, _ = svc.request("POST", "/processes/risk-at-point/execution", body={"inputs": {"job": job, "lon": lon, "lat": lat}})
        if st != 200:
            fail("risk-at-point after a dismissal")
        print(f"test-service: job {running} dismissed midway ({gone['message']}); the service answers")

        # 7. Problems.
        problem(svc, "POST", "/processes/nope/execution", 404, body={"inputs": {}})
        problem(svc, "POST", "/processes/census/execution", 400, raw=b"{not json")
        problem(svc, "POST", "/processes/census/execution", 400, body={"inputs": {"manifest": "../../etc/passwd"}}, input_name="manifest")
        problem(svc, "POST", "/processes/census/execution", 400, body={"inputs": {"manifest": "/etc/hosts"}}, input_name="manifest",
                contains="outside the data root")
        problem(svc, "POST", "/processes/census/execution", 400, body={"inputs": {"manifest": "olinda/census.yaml", "thread": 2}},
                input_name="thread")
        problem(svc, "POST", "/processes/census/execution", 400, body={"inputs": {}}, input_name="manifest")
        problem(svc, "GET", "/collections/nope/items", 404)
        problem(svc, "GET", f"/collections/{job}-cells/items?bbox=1,2,3", 400, input_name="bbox")
        problem(svc, "GET", f"/collections/{job}-cells/items?limit=0", 400, input_name="limit")
        problem(svc, "GET", "/jobs/nope", 404)
        problem(svc, "POST", "/processes/census/execution", 413, raw=b"{" + b" " * (2 << 20) + b"}")
        # A bad manifest: the service's detail carries the CLI's own message.
        bad = os.path.join(root, "olinda", "bad.yaml")
        text = open(os.path.join(root, "olinda", "census.yaml")).read().replace("name:", "nmae:", 1)
        open(bad, "w").write(text)
        cli = subprocess.run([BIN, "validate", bad], capture_output=True, text=True)
        message = cli.stderr.strip().split("riskcensus: error: ")[-1]
        if cli.returncode == 0 or not message:
            fail(f"riskcensus validate accepted the bad manifest: {cli.stdout[-300:]}")
        problem(svc, "POST", "/processes/census/execution", 400, body={"inputs": {"manifest": "olinda/bad.yaml"}},
                input_name="manifest", contains=message)
        print("test-service: bad requests get problem documents (404, 400 naming the input, 413)")

        # 8. Restart: finished jobs stay; a job the stopped service was running starts again.
        _, status = svc.submit("census", {"manifest": "changzhou/census.yaml"})
        interrupted = status["jobID"]
        svc.wait(interrupted, states=("running",), limit=60)
        time.sleep(2.0)
        svc.stop()
        svc = Service(root)
        jobs = {j["jobID"]: j["status"] for j in svc.get("/jobs")["jobs"]}
        if jobs.get(job) != "successful" or jobs.get(running) != "dismissed":
            fail(f"after a restart: {jobs}")
        if not any(c["id"] == f"{job}-districts" for c in svc.get("/collections")["collections"]):
            fail("after a restart the finished census's collections are gone")
        resumed = svc.wait(interrupted)
        if resumed["status"] != "successful":
            fail(f"the interrupted job after a restart: {resumed}")
        print(f"test-service: after a restart the finished jobs are kept and job {interrupted} was resumed to successful")

        # 9. The OpenAPI document against the running service (last: it dismisses the example job).
        if SCHEMATHESIS:
            r = subprocess.run([SCHEMATHESIS, "run", svc.url + "/api", "--base-url", svc.url, "--checks", "all",
                                "--hypothesis-max-examples", "25", "--hypothesis-seed", "1", "--workers", "1"],
                               capture_output=True, text=True, timeout=900)
            if r.returncode != 0:
                fail(f"schemathesis: {r.stdout[-3000:]} {r.stderr[-1000:]}")
            summary = [l.strip() for l in r.stdout.splitlines() if "passed" in l and "/" in l]
            print("test-service: schemathesis: " + "; ".join(summary[:7]))
        svc.stop()
        print("test-service: ok")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
