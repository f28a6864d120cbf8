#!/usr/bin/python3
"""Scale-out on Slurm: the 9 M-cell province of benchmarks/census/ in N shards plus the merge,
submitted through deploy/slurm/ to the cluster SLURM_CONF names (make bench-slurm starts the
one-node cluster of deploy/slurm/local-cluster.sh), against one `riskcensus run` process on the
same machine, measured in the same run.

Printed: the single process's wall time; the shards-plus-merge wall time from the first
submission to the merge's end (scheduling included); the merge job's own time; their ratios.
Usage: /usr/bin/python3 benchmarks/slurm/scale.py [--km 300] [--shards 4] [--cpus-per-task 1]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "census"))
from bench import engine_binary, province, warm  # noqa: E402


def sbatch(args, env, cwd):
    """Submits with this environment (RISKCENSUS_BIN travels with the job); Slurm's own output
    files go to `cwd`."""
    return subprocess.run(["sbatch", "--parsable"] + args, check=True, capture_output=True, text=True,
                          env=env, cwd=cwd).stdout.strip().split(";")[0]


def queued(jobs):
    out = subprocess.run(["squeue", "-h", "-j", ",".join(jobs), "-o", "%i"], capture_output=True, text=True).stdout
    return bool(out.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--km", type=int, default=300)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--cpus-per-task", type=int, default=1)
    ap.add_argument("--merge-cpus", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    binary = engine_binary()
    folder = province(a.km)
    manifest = os.path.join(folder, "census.yaml")
    work = tempfile.mkdtemp(prefix="riskcensus-slurm-scale.", dir="/var/tmp")
    os.chmod(work, 0o755)
    env = dict(os.environ, RISKCENSUS_BIN=binary)
    try:
        warm(folder)
        t0 = time.perf_counter()
        subprocess.run([binary, "run", manifest, "--out", os.path.join(work, "single"), "--quiet", "--threads", str(a.merge_cpus)],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        single = time.perf_counter() - t0
        warm(folder)
        t0 = time.perf_counter()
        arr = sbatch([f"--array=0-{a.shards - 1}", f"--cpus-per-task={a.cpus_per_task}",
                      os.path.join(ROOT, "deploy", "slurm", "census-array.sbatch"), manifest, os.path.join(work, "wd")], env, work)
        mrg = sbatch([f"--dependency=afterok:{arr}", "--kill-on-invalid-dep=yes", f"--cpus-per-task={a.merge_cpus}",
                      os.path.join(ROOT, "deploy", "slurm", "census-merge.sbatch"), manifest, os.path.join(work, "wd")], env, work)
        while queued([arr, mrg]):
            time.sleep(0.2)
        total = time.perf_counter() - t0
        import json
        prov = os.path.join(work, "wd", "out", "provenance.json")
        if not os.path.exists(prov):
            logs = os.path.join(work, "wd", "logs")
            for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
                sys.stderr.write(f"--- {name}\n" + open(os.path.join(logs, name)).read()[-1500:])
            sys.exit("bench-slurm: the merge wrote no outputs")
        merge = json.load(open(prov))["run"]["seconds"]
        print(f"province {a.km} km, {a.shards} shards of {a.cpus_per_task} CPU, merge on {a.merge_cpus} CPUs, engine {binary}")
        print(f"one process:           {single:7.2f} s")
        print(f"shards + merge:        {total:7.2f} s  ({total / single:.2f}× one process; target ≤ 1.2×)")
        print(f"merge (its own run):   {merge:7.2f} s  ({100 * merge / single:.0f} % of one process; target ≤ 10 %)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
