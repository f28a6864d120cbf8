#!/bin/bash
# make test-slurm: the Changzhou census through deploy/slurm/ on the one-node cluster that
# deploy/slurm/local-cluster.sh started. Checks, each a failure when it does not hold:
#   1. 3 shards and the merge give the single-process outputs, byte for byte (provenance's run
#      block aside);
#   2. resubmitting one index alone redoes that shard only, from the recorded count;
#   3. a shard that fails makes Slurm cancel the merge, not leave it pending.
# Usage: Tests/Slurm/test_cluster.sh BINARY
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:?usage: test_cluster.sh BINARY}
export RISKCENSUS_BIN=$BIN
export SLURM_CONF=${SLURM_CONF:-${RISKCENSUS_SLURM_STATE:-/var/tmp/riskcensus-slurm}/slurm.conf}
MANIFEST=$ROOT/datasets/changzhou/census.yaml
W=$(mktemp -d /var/tmp/riskcensus-slurm-test.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }

# Waits until none of the jobs is pending or running (at most $2 seconds).
wait_jobs() {
  local jobs=$1 limit=${2:-600} t=0
  while squeue -h -j "$jobs" -o '%i' 2>/dev/null | grep -q .; do
    sleep 2
    t=$((t + 2))
    [ $t -lt "$limit" ] || fail "jobs $jobs still queued after ${limit}s: $(squeue -h -j "$jobs" -o '%i %T %r')"
  done
}
state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }

same_outputs() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, os, sys
a, b = sys.argv[1], sys.argv[2]
def files(d):
    out = {}
    for base, dirs, names in os.walk(d):
        dirs[:] = [x for x in dirs if x != "tiles"]
        for n in names:
            if n.startswith("catalog.sqlite") or n == ".riskcensus.lock":
                continue
            p = os.path.join(base, n)
            data = open(p, "rb").read()
            if n == "provenance.json":
                o = json.loads(data)
                o.pop("run", None)
                data = json.dumps(o, sort_keys=True).encode()
            out[os.path.relpath(p, d)] = data
    return out
x, y = files(a), files(b)
bad = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
if bad or len(x) < 15:
    sys.exit(f"outputs differ: {bad[:10]} ({len(x)} files)")
print(f"test-slurm: {len(x)} output files identical")
PY
}

cd "$W"
echo "test-slurm: single-process reference"
"$BIN" run "$MANIFEST" --out "$W/ref/out" --quiet --threads 2 >/dev/null

echo "test-slurm: 3 shards and the merge"
arr=$(sbatch --parsable --array=0-2 --cpus-per-task=1 "$ROOT/deploy/slurm/census-array.sbatch" "$MANIFEST" "$W/work")
mrg=$(sbatch --parsable --dependency=afterok:$arr --kill-on-invalid-dep=yes --cpus-per-task=2 "$ROOT/deploy/slurm/census-merge.sbatch" "$MANIFEST" "$W/work")
wait_jobs "$arr,$mrg"
[ "$(cat "$W/work/shards/count")" = 3 ] || fail "the shard count was not recorded as 3"
[ -f "$W/work/out/provenance.json" ] || fail "no merged outputs: $(cat "$W/work/logs/merge.log" 2>/dev/null | tail -n 5)"
same_outputs "$W/ref/out" "$W/work/out"

echo "test-slurm: resubmit shard 1 alone"
rm -rf "$W/work/shards/1"
one=$(sbatch --parsable --array=1 --cpus-per-task=1 "$ROOT/deploy/slurm/census-array.sbatch" "$MANIFEST" "$W/work")
wait_jobs "$one"
grep -q "shard 1 of 3" "$W/work/logs/shard-1.log" || fail "the resubmitted task did not run shard 1 of 3: $(tail -n 3 "$W/work/logs/shard-1.log")"
/usr/bin/python3 - "$W/work/shards/1/catalog.sqlite" <<'PY' || fail "the resubmitted shard computed tiles of other shards"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
other = db.execute("SELECT count(*) FROM tiles WHERE pass = 1 AND state = 'done' AND tile % 3 != 1").fetchone()[0]
mine = db.execute("SELECT count(*) FROM tiles WHERE pass = 1 AND state = 'done' AND tile % 3 = 1").fetchone()[0]
print(f"test-slurm: shard 1 holds {mine} tile parts of its own, {other} of others")
sys.exit(1 if other or not mine else 0)
PY

echo "test-slurm: a failing shard cancels the merge"
mkdir -p "$W/bad/shards"
touch "$W/bad/shards/1"          # a file where shard 1's folder goes: that task fails
arr=$(sbatch --parsable --array=0-2 --cpus-per-task=1 "$ROOT/deploy/slurm/census-array.sbatch" "$MANIFEST" "$W/bad")
mrg=$(sbatch --parsable --dependency=afterok:$arr --kill-on-invalid-dep=yes "$ROOT/deploy/slurm/census-merge.sbatch" "$MANIFEST" "$W/bad")
wait_jobs "$arr,$mrg" 300
s=$(state "$mrg")
[ "$s" = CANCELLED ] || fail "the merge ended $s, expected CANCELLED"
[ ! -e "$W/bad/out" ] || fail "the cancelled merge wrote outputs"
echo "test-slurm: ok"
