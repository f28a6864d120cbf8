"""Peer check: `riskcensus damage` and `riskcensus losses` against the OpenQuake engine.

It takes the case folders that `scenario_oq_cases.py` wrote (each holds OpenQuake's inputs,
its job.ini and OpenQuake's own results at full float32 precision under `full/`), runs
riskcensus on the same input files, and reports the largest relative difference per case and
quantity: per asset, per event and in total, for damage states, consequences and losses.
It exits 1 when any difference exceeds the tolerance (default 1e-6 relative).

    .venv-oq/bin/python benchmarks/peers/scenario_oq_cases.py .oq-cases      # OpenQuake side
    python3 benchmarks/peers/scenario_vs_openquake.py .oq-cases               # compare

Only the standard library is needed here. OpenQuake stores its results as float32, so the
comparison floor is about 1e-7 relative; values below `--floor` in absolute terms (tiny
fractions of a building) are compared absolutely.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def read_ini(path):
    """The key = value pairs of a job.ini (sections ignored)."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "[")) or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]


def rel(a, b, floor):
    a, b = float(a), float(b)
    d = abs(a - b)
    scale = max(abs(a), abs(b))
    return 0.0 if scale < floor and d < floor else d / max(scale, floor)


class Report:
    def __init__(self, tol, floor):
        self.tol, self.floor, self.worst, self.lines = tol, floor, 0.0, []

    def compare(self, case, what, pairs):
        """pairs: (label, ours, theirs)."""
        if not pairs:
            raise SystemExit(f"{case}: nothing to compare for {what}")
        worst = max(pairs, key=lambda p: rel(p[1], p[2], self.floor))
        r = rel(worst[1], worst[2], self.floor)
        self.worst = max(self.worst, r)
        flag = "ok" if r <= self.tol else "FAIL"
        self.lines.append(f"{case:20s} {what:34s} n={len(pairs):4d}  max rel diff {r:.2e}  {flag}"
                          + ("" if r <= self.tol else f"  ({worst[0]}: ours {worst[1]} vs OpenQuake {worst[2]})"))


def run(binary, args):
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"riskcensus {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")


def sites_file(case, ini, tmp):
    """The sites CSV: the case's own, or the job.ini coordinate list written without ids."""
    if "sites_csv" in ini:
        return str(case / ini["sites_csv"])
    path = Path(tmp) / f"{case.name}_sites.csv"
    pts = [p.split() for p in ini["sites"].split(",")]
    path.write_text("lon,lat\n" + "".join(f"{x},{y}\n" for x, y in pts))
    return str(path)


def common_args(case, ini, tmp, out):
    args = ["--exposure", str(case / ini["exposure_file"]), "--gmf", str(case / ini["gmfs_csv"]),
            "--sites", sites_file(case, ini, tmp), "--out", out]
    if "asset_hazard_distance" in ini:
        args += ["--asset-hazard-distance", ini["asset_hazard_distance"]]
    if ini.get("time_event", "avg") != "avg":
        args += ["--time-event", ini["time_event"]]
    return args


def check_damage(case, ini, binary, tmp, rep):
    out = os.path.join(tmp, case.name)
    args = ["damage"] + common_args(case, ini, tmp, out) + ["--fragility", str(case / ini["structural_fragility_file"])]
    cons = ini.get("consequence_file")
    if cons:
        # {'taxonomy': 'consequences.csv'}
        args += ["--consequences", str(case / cons.split(":")[1].strip(" '}\""))]
    run(binary, args)
    ours = {r["asset_id"]: r for r in rows(Path(out) / "damage_by_asset.csv")}
    theirs = {r["asset_id"]: r for r in rows(case / "full/damages_per_asset.csv")}
    states = [c.split("-", 1)[1] for c in rows(case / "full/damages_per_asset.csv")[0] if c.startswith("structural-")]
    damage_states = [s for s in states if s in next(iter(ours.values()))]
    consequences = [s for s in states if s not in damage_states]
    if set(ours) != set(theirs):
        raise SystemExit(f"{case.name}: assets differ: ours only {sorted(set(ours) - set(theirs))}, OpenQuake only {sorted(set(theirs) - set(ours))}")
    rep.compare(case.name, "buildings per asset and state",
                [(f"{a} {s}", ours[a][s], theirs[a]["structural-" + s]) for a in ours for s in damage_states])
    summary = json.loads((Path(out) / "summary.json").read_text())
    dropped = {r["asset_ref"] for r in rows(case / "discarded.csv")} if (case / "discarded.csv").exists() else set()
    if set(summary["dropped_asset_ids"]) != dropped:
        raise SystemExit(f"{case.name}: dropped {summary['dropped_asset_ids']}, OpenQuake discarded {sorted(dropped)}")
    agg = rows(case / "full/aggrisk.csv")[0]
    total = rows(Path(out) / "damage_total.csv")[0]
    rep.compare(case.name, "buildings per state, total",
                [(s, total[s], agg[f"dmg_{k}"]) for k, s in enumerate(damage_states)])
    if consequences:
        oc = {r["asset_id"]: r for r in rows(Path(out) / "consequences_by_asset.csv")}
        rep.compare(case.name, "consequences per asset",
                    [(f"{a} {c}", oc[a][c], theirs[a]["structural-" + c]) for a in oc for c in consequences])
        ct = rows(Path(out) / "consequences_total.csv")[0]
        rep.compare(case.name, "consequences, total", [(c, ct[c], agg[c]) for c in consequences])
        # Per event: OpenQuake's risk_by_event holds the damaged states and consequences per event;
        # riskcensus reports means, so compare the mean of OpenQuake's events with the totals.
        ev = rows(case / "full/risk_by_event.csv")
        n = len(rows(case / "full/events.csv"))
        rep.compare(case.name, "consequences, mean of events",
                    [(c, ct[c], sum(float(r[c]) for r in ev) / n) for c in consequences])


def check_losses(case, ini, binary, tmp, rep):
    out = os.path.join(tmp, case.name)
    files = [ini[k] for k in sorted(ini) if k.endswith("_vulnerability_file")]
    args = ["losses"] + common_args(case, ini, tmp, out) + ["--vulnerability", ",".join(str(case / f) for f in files)]
    run(binary, args)
    ours = {(r["asset_id"], r["loss_type"]): r["loss"] for r in rows(Path(out) / "losses_by_asset.csv")}
    theirs = rows(case / "full/avg_losses_per_asset.csv")
    types = [c for c in theirs[0] if c != "asset_id"]
    rep.compare(case.name, "mean loss per asset",
                [(f"{r['asset_id']} {t}", ours[(r["asset_id"], t)], r[t]) for r in theirs for t in types])
    ev_ours = {(r["event_id"], r["loss_type"]): r["loss"] for r in rows(Path(out) / "losses_by_event.csv")}
    ev = rows(case / "full/risk_by_event.csv")
    rep.compare(case.name, "loss per event", [(f"{r['event_id']} {r['loss_type']}", ev_ours[(r["event_id"], r["loss_type"])], r["loss"]) for r in ev])
    tot = {r["loss_type"]: r["loss"] for r in rows(Path(out) / "losses_total.csv")}
    rep.compare(case.name, "mean loss, total", [(r["loss_type"], tot[r["loss_type"]], r["loss"]) for r in rows(case / "full/aggrisk.csv")])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", help="folder written by scenario_oq_cases.py")
    ap.add_argument("--riskcensus", default=None, help="riskcensus binary (default: the release build)")
    ap.add_argument("--tolerance", type=float, default=1e-6)
    ap.add_argument("--floor", type=float, default=1e-6, help="absolute floor for tiny values")
    a = ap.parse_args()
    binary = a.riskcensus or subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=REPO,
                                            capture_output=True, text=True, check=True).stdout.strip() + "/riskcensus"
    root = Path(a.cases)
    version = (root / "OQ_VERSION").read_text().strip() if (root / "OQ_VERSION").exists() else "unknown"
    rep = Report(a.tolerance, a.floor)
    with tempfile.TemporaryDirectory() as tmp:
        for case in sorted(p for p in root.iterdir() if (p / "job.ini").exists() and (p / "full").exists()):
            ini = read_ini(case / "job.ini")
            if ini["calculation_mode"] == "scenario_damage":
                check_damage(case, ini, binary, tmp, rep)
            elif ini["calculation_mode"] == "scenario_risk":
                check_losses(case, ini, binary, tmp, rep)
    print(f"riskcensus vs OpenQuake {version} (relative differences; OpenQuake stores float32)")
    print("\n".join(rep.lines))
    print(f"worst: {rep.worst:.2e} (tolerance {a.tolerance:g})")
    sys.exit(0 if rep.worst <= a.tolerance else 1)


if __name__ == "__main__":
    main()
